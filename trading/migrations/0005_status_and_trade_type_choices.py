from django.db import migrations, models


class Migration(migrations.Migration):
    """Choices for the statuses and trade types the services write: no change in the database."""

    dependencies = [("trading", "0004_order_history_day_counts_index")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("PENDING", "Pending"),
                    ("PARTIALLY_FILLED", "Partially Filled"),
                    ("FILLED", "Filled"),
                    ("CANCELLED", "Cancelled"),
                    ("REJECTED", "Rejected"),
                ],
                db_default="PENDING",
                max_length=50,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="position",
            name="status",
            field=models.CharField(
                blank=True,
                choices=[("OPEN", "Open"), ("CLOSED", "Closed")],
                db_default="OPEN",
                max_length=50,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="trade",
            name="execution_mode",
            field=models.CharField(
                blank=True,
                choices=[("BBOOK", "Bbook"), ("ABOOK", "Abook"), ("HYBRID", "Hybrid")],
                max_length=50,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="trade",
            name="trade_type",
            field=models.CharField(
                choices=[
                    ("OPEN", "Open"),
                    ("INCREASE", "Increase"),
                    ("REDUCE", "Reduce"),
                    ("CLOSE", "Close"),
                    ("REVERSE", "Reverse"),
                ],
                max_length=50,
            ),
        ),
    ]
