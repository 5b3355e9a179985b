from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import rtx.db.constraints
import rtx.db.functions


class Migration(migrations.Migration):
    """Daily order counts read in the order they are counted: by UTC date, then account.

    Built CONCURRENTLY: order_history is big and live. Version 9's index, which the report
    read before, stays: a drop CONCURRENTLY stopped before its record would leave version 9
    drifted, and a plain drop's revert would block writers while it rebuilt the index.
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
    ]
