from django.db import migrations, models


class Migration(migrations.Migration):
    """Choices for a FIX session's status: no change in the database."""

    dependencies = [("fixapi", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="fixsession",
            name="status",
            field=models.CharField(
                blank=True,
                choices=[("ACTIVE", "Active"), ("CLOSED", "Closed")],
                db_default="ACTIVE",
                max_length=50,
                null=True,
            ),
        ),
    ]
