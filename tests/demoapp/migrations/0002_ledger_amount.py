"""Adds a column, then can fail or stall on request, so tests can break it halfway.

``PGOPTIONS="-c rtx.demo_fail=on"`` makes it raise after the column was added;
``PGOPTIONS="-c rtx.demo_sleep=5"`` makes it sleep that many seconds;
``PGOPTIONS="-c rtx.demo_unlock=on"`` makes it release the session's advisory locks, as a
pooler that moved the run to another server session would have it lose the migration lock.
"""

from django.db import migrations, models

FAIL_OR_SLEEP = """
DO $$
BEGIN
    PERFORM pg_sleep(coalesce(nullif(current_setting('rtx.demo_sleep', true), ''), '0')::float);
    IF current_setting('rtx.demo_fail', true) = 'on' THEN
        RAISE EXCEPTION 'demo failure requested';
    END IF;
    IF current_setting('rtx.demo_unlock', true) = 'on' THEN
        PERFORM pg_advisory_unlock_all();
    END IF;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("demoapp", "0001_ledger")]

    operations = [
        migrations.AddField(
            model_name="ledger",
            name="amount",
            field=models.DecimalField(decimal_places=5, max_digits=20, null=True),
        ),
        # Nothing to undo: the statement changes nothing when it succeeds.
        migrations.RunSQL(FAIL_OR_SLEEP, reverse_sql=migrations.RunSQL.noop),
    ]
