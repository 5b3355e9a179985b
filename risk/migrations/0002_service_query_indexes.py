from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import rtx.db.constraints


class Migration(migrations.Migration):
    """Indexes for the services' read patterns, built CONCURRENTLY: the tables are big and live."""

    atomic = False

    dependencies = [
        ("accounts", "0001_initial"),
        ("risk", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="liquidationevent",
            index=rtx.db.constraints.NamedIndex(
                fields=["account_id", "-executed_at"], name="liquidation_events_account_time_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="riskalert",
            index=rtx.db.constraints.NamedIndex(
                condition=models.Q(("acknowledged", True), _negated=True),
                fields=["severity", "-created_at"],
                name="risk_alerts_unacknowledged_idx",
            ),
        ),
    ]
