from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

import rtx.db.constraints


class Migration(migrations.Migration):
    """Indexes for the services' read patterns, built CONCURRENTLY: the tables are big and live."""

    atomic = False

    dependencies = [
        ("adminpanel", "0004_audit_log_details_search_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="adminauditlog",
            index=rtx.db.constraints.NamedIndex(
                fields=["admin_id", "-created_at"], name="admin_audit_log_admin_time_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="adminauditlog",
            index=rtx.db.constraints.NamedIndex(
                fields=["action", "-created_at"], name="admin_audit_log_action_time_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="adminauditlog",
            index=rtx.db.constraints.NamedIndex(
                fields=["resource_type", "resource_id", "-created_at"],
                name="admin_audit_log_resource_time_idx",
            ),
        ),
    ]
