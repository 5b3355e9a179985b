from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

import rtx.db.constraints
import rtx.db.functions


class Migration(migrations.Migration):
    """Daily order counts read in the order they are counted: by UTC date, then account.

    The new index is built CONCURRENTLY before the one it replaces is dropped CONCURRENTLY,
    so the report always has one; order_history is big and live.
    """

    atomic = False

    dependencies = [
        ("accounts", "0002_back_office_indexes"),
        ("trading", "0006_time_aggregates"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="orderhistory",
            index=rtx.db.constraints.NamedIndex(
                rtx.db.functions.UTCDate("order_time"),
                models.F("account_id"),
                include=("order_time",),
                name="order_history_day_account_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="orderhistory", name="order_history_day_counts_idx"),
    ]
