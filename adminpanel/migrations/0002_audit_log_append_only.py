"""The database refuses UPDATE, DELETE and TRUNCATE on admin_audit_log.

One UPDATE stays allowed: the foreign key's ON DELETE SET NULL, which clears admin_id
(and nothing else) when an admin user is deleted; admin_username still says who it was.
A DBA purges rows past retention as the README describes.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION admin_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.admin_id IS NULL AND OLD.admin_id IS NOT NULL
       AND to_jsonb(NEW) - 'admin_id' = to_jsonb(OLD) - 'admin_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'admin_audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit history cannot be rewritten; see the README on purging by retention.';
END;
$$;
CREATE OR REPLACE TRIGGER admin_audit_log_append_only
    BEFORE UPDATE OR DELETE ON admin_audit_log
    FOR EACH ROW EXECUTE FUNCTION admin_audit_log_append_only();
CREATE OR REPLACE TRIGGER admin_audit_log_no_truncate
    BEFORE TRUNCATE ON admin_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS admin_audit_log_no_truncate ON admin_audit_log;
DROP TRIGGER IF EXISTS admin_audit_log_append_only ON admin_audit_log;
DROP FUNCTION IF EXISTS admin_audit_log_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("adminpanel", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
