from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("lintapp", "0004_locks")]

    operations = [
        migrations.RunSQL(
            "CREATE TABLE lint_raw (id bigint); CREATE FUNCTION lint_f() RETURNS int "
            "LANGUAGE sql AS 'SELECT 1';",
            reverse_sql="DROP FUNCTION lint_f(); DROP TABLE lint_raw;",
        ),
    ]
