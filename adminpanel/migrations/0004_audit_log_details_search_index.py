import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import rtx.db.constraints


class Migration(migrations.Migration):
    """Built CONCURRENTLY: the audit log may be big and is written during the build."""

    atomic = False
    dependencies = [("adminpanel", "0003_pg_trgm_extension")]

    operations = [
        AddIndexConcurrently(
            model_name="adminauditlog",
            index=rtx.db.constraints.NamedGinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(
                        django.db.models.functions.comparison.Cast("details", models.TextField())
                    ),
                    name="gin_trgm_ops",
                ),
                name="admin_audit_log_details_trgm_idx",
            ),
        ),
    ]
