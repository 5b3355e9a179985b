from django.db import migrations, models


class Migration(migrations.Migration):
    """Choices for the audit log's status: no change in the database."""

    dependencies = [("adminpanel", "0005_audit_query_indexes")]

    operations = [
        migrations.AlterField(
            model_name="adminauditlog",
            name="status",
            field=models.CharField(
                blank=True,
                choices=[("SUCCESS", "Success"), ("FAILED", "Failed")],
                db_default="SUCCESS",
                max_length=50,
                null=True,
            ),
        ),
    ]
