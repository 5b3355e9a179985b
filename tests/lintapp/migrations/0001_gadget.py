from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Gadget",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                # unnamed-index: Django names these with a hash.
                ("code", models.CharField(max_length=20, unique=True)),
                (
                    "account",
                    models.ForeignKey(on_delete=models.deletion.CASCADE, to="accounts.account"),
                ),
                ("size", models.IntegerField(default=0)),
            ],
            options={"db_table": "lint_gadget"},
        ),
    ]
