from django.db import migrations, models


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("lintapp", "Gadget").objects.update(size=2)


class Migration(migrations.Migration):
    """mixed-schema-data, and a no-op reverse without a reason."""

    dependencies = [("lintapp", "0002_auto_20260101_1200")]

    operations = [
        migrations.AddField("gadget", "colour", models.CharField(max_length=10, null=True)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
