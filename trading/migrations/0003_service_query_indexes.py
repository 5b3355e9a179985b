from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import rtx.db.constraints


class Migration(migrations.Migration):
    """Indexes for the services' read patterns, built CONCURRENTLY: the tables are big and live."""

    atomic = False

    dependencies = [
        ("accounts", "0001_initial"),
        ("trading", "0002_trades_order_history_hypertables"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=rtx.db.constraints.NamedIndex(
                fields=["account_id", "status", "-created_at", "-id"],
                name="orders_account_status_created_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="order",
            index=rtx.db.constraints.NamedIndex(
                condition=models.Q(("status", "PENDING")),
                fields=["symbol", "created_at", "id"],
                name="orders_pending_symbol_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="orderhistory",
            index=rtx.db.constraints.NamedIndex(
                fields=["account_id", "-order_time"], name="order_history_account_time_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="orderhistory",
            index=rtx.db.constraints.NamedIndex(
                fields=["symbol", "-order_time"], name="order_history_symbol_time_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="position",
            index=rtx.db.constraints.NamedIndex(
                condition=models.Q(("status", "OPEN")),
                fields=["account_id", "open_time", "id"],
                name="positions_open_account_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="trade",
            index=rtx.db.constraints.NamedIndex(
                fields=["account_id", "-executed_at"], name="trades_account_executed_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="trade",
            index=rtx.db.constraints.NamedIndex(
                fields=["symbol", "-executed_at"],
                include=["id", "price", "volume"],
                name="trades_symbol_executed_idx",
            ),
        ),
    ]
