from django.db import migrations

from rtx.db.aggregates import CreateTimeAggregate


class Migration(migrations.Migration):
    """trade_minutes and order_history_days, where TimescaleDB keeps continuous aggregates."""

    dependencies = [("trading", "0005_status_and_trade_type_choices")]

    operations = [
        CreateTimeAggregate("trade_minutes"),
        CreateTimeAggregate("order_history_days"),
    ]
