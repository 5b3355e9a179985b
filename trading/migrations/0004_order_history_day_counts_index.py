from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

import rtx.db.constraints


class Migration(migrations.Migration):
    """A covering index for daily order counts, built CONCURRENTLY: order_history is big and live."""

    atomic = False

    dependencies = [
        ("accounts", "0001_initial"),
        ("trading", "0003_service_query_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="orderhistory",
            index=rtx.db.constraints.NamedIndex(
                fields=["order_time"], include=["account_id"], name="order_history_day_counts_idx"
            ),
        ),
    ]
