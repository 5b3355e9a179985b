from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm, for the index that serves the audit log's search in details."""

    dependencies = [("adminpanel", "0002_audit_log_append_only")]

    operations = [TrigramExtension()]
