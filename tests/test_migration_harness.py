"""Every version, on the real server, with representative rows in every table:
up, down, up. No row is lost on the way up; the way down restores exactly the catalog and
the rows from before; and the version applies again.
"""

import json
from decimal import Decimal
from typing import Any

import pytest

from rtx.migrator.catalog import catalog, catalog_differences
from rtx.migrator.registry import Version
from rtx.versions import VERSIONS
from tests.conftest import PROJECT_ROOT, connect, manage

REPRESENTATIVE_ROWS = PROJECT_ROOT / "tests" / "legacy" / "representative_rows.sql"
FRAMEWORK_ROWS = """
INSERT INTO auth_group (name) VALUES ('traders');
INSERT INTO auth_group_permissions (group_id, permission_id)
    SELECT id, (SELECT min(id) FROM auth_permission) FROM auth_group;
INSERT INTO django_session (session_key, session_data, expire_date)
    VALUES ('k1', 'data', '2030-01-01 00:00:00+00');
INSERT INTO django_admin_log (action_time, user_id, object_id, object_repr, action_flag,
    change_message) VALUES ('2026-03-29 01:00:00+00', 1, '1', 'ACC-1', 2, '[]');
"""
# Django's own bookkeeping, which post_migrate fills when a version adds models.
BOOKKEEPING = {
    "django_migrations",
    "schema_migrations",
    "schema_migrations_history",
    "django_content_type",
    "auth_permission",
}


def previous_number(version: Version) -> int:
    earlier = [v.number for v in VERSIONS if v.number < version.number]
    return earlier[-1] if earlier else 0


def ordering(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def table_rows(database: str) -> dict[str, list[dict[str, Any]]]:
    with connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: sorted(
                (
                    json.loads(row[0], parse_float=Decimal)
                    for row in connection.execute(f'SELECT to_jsonb(t)::text FROM "{table}" t')
                ),
                key=ordering,
            )
            for table in tables
            if table not in BOOKKEEPING
        }


def migrate_to(database: str, number: int) -> None:
    result = manage("rtx_migrate", f"-version={number}", database=database)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: f"version_{version.number}")
def test_version_goes_up_down_and_up_again(database: str, version: Version) -> None:
    previous = previous_number(version)
    migrate_to(database, previous)
    if previous:
        with connect(database) as connection:
            connection.execute(REPRESENTATIVE_ROWS.read_text())
            connection.execute(FRAMEWORK_ROWS)
    with connect(database) as connection:
        catalog_before = catalog(connection.cursor())
    rows_before = table_rows(database)
    if previous:
        assert [table for table, rows in rows_before.items() if not rows] == []

    migrate_to(database, version.number)
    rows_up = table_rows(database)
    for table, rows in rows_before.items():
        kept = (
            [{column: row[column] for column in rows[0]} for row in rows_up[table]] if rows else []
        )
        assert sorted(kept, key=ordering) == rows, table

    migrate_to(database, previous)
    with connect(database) as connection:
        assert catalog_differences(catalog_before, catalog(connection.cursor())) == []
    assert table_rows(database) == rows_before

    migrate_to(database, version.number)
