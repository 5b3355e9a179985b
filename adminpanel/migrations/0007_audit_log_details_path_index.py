from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

import rtx.db.constraints


class Migration(migrations.Migration):
    """JSON containment in details (``details @> '{"account_id": 42}'``), built CONCURRENTLY."""

    atomic = False

    dependencies = [("adminpanel", "0006_audit_status_choices")]

    operations = [
        AddIndexConcurrently(
            model_name="adminauditlog",
            index=rtx.db.constraints.NamedGinIndex(
                fields=["details"],
                name="admin_audit_log_details_path_idx",
                opclasses=["jsonb_path_ops"],
            ),
        ),
    ]
