"""Adopting databases built by the Go tool: verified first, converted in one transaction,
every row kept, the Go tool's version 7 left alone, ending identical to a fresh database."""

import json
from datetime import datetime
from decimal import Decimal

import pytest

from rtx.migrator.adoption import LEGACY_TABLES
from rtx.migrator.catalog import catalog, catalog_differences
from rtx.versions import VERSIONS
from tests.conftest import (
    GO_VERSIONS,
    V7_TABLES,
    build_go_database,
    build_legacy_database,
    connect,
    fetch_all,
    manage,
)

# The foreign keys of the Go tool's version 7 into our tables.
V7_FOREIGN_KEYS = [
    ("alerts", "alerts_account_id_fkey", "accounts"),
    ("analytics_export_audit", "analytics_export_audit_user_id_fkey", "users"),
    ("analytics_user_preferences", "analytics_user_preferences_user_id_fkey", "users"),
    ("routing_metrics", "routing_metrics_account_id_fkey", "accounts"),
]
V7_FOREIGN_KEYS_SQL = """
SELECT conrelid::regclass::text, conname, confrelid::regclass::text FROM pg_constraint
WHERE contype = 'f' AND confrelid IN ('accounts'::regclass, 'users'::regclass)
  AND NOT conrelid::regclass::text = ANY(%s) ORDER BY 1, 2
"""

LATEST = VERSIONS[-1].number


@pytest.fixture
def go_database(database: str) -> str:
    build_go_database(database)
    with connect(database) as connection:
        # The Go tool writes lower-case FIX statuses; our CHECK wants upper case.
        connection.execute("UPDATE fix_credentials SET status = 'active' WHERE user_id = '1'")
    return database


def rows(database: str) -> dict[str, list[dict]]:
    with connect(database) as connection:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT LIKE 'django%%' AND tablename NOT LIKE 'auth%%' ORDER BY 1"
            )
        ]
        return {
            table: sorted(
                (
                    json.loads(r[0], parse_float=Decimal)
                    for r in connection.execute(f'SELECT to_jsonb(t)::text FROM "{table}" t')
                ),
                key=lambda row: json.dumps(row, sort_keys=True, default=str),
            )
            for table in tables
        }


def as_adopted(table: str, row: dict, time_zone_offset: str = "+00:00") -> dict:
    """A legacy row as adoption documents it: timestamps in UTC gain their offset, FIX
    statuses are upper-cased."""
    converted = {}
    for column, value in row.items():
        if isinstance(value, str) and len(value) in (19, 26) and value[10:11] == "T":
            value = value + time_zone_offset
        converted[column] = value
    if table == "fix_credentials" and converted.get("status") == "active":
        converted["status"] = "ACTIVE"
    return converted


def test_success_status_recognises_a_go_database(go_database: str) -> None:
    status = manage("rtx_migrate", "-status", database=go_database)
    assert status.returncode == 0
    assert (
        "Built by the Go migration tool, not adopted yet: rtx-migrate -up adopts it "
        "(rtx-migrate -up -dry-run shows the plan)" in status.stdout
    )
    assert json.loads(manage("rtx_migrate", "-status", "-json", database=go_database).stdout)[
        "go_database"
    ]


def test_success_dry_run_shows_the_plan_and_changes_nothing(go_database: str) -> None:
    with connect(go_database) as connection:
        before = catalog(connection.cursor())
    result = manage("rtx_migrate", "-up", "-dry-run", database=go_database)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    server_zone = fetch_all(
        go_database, "SELECT reset_val FROM pg_settings WHERE name = 'TimeZone'"
    )
    assert lines[1:5] == [
        "Adoption of this Go-built database (dry run, nothing is changed):",
        "  Verified: the 15 tables have the Go tool's version 1 schema",
        "  Convert every TIMESTAMP column to TIMESTAMPTZ, reading stored values in "
        f"{server_zone[0][0]} (the database's TimeZone: the server's timezone setting)",
        "  Turn serial ids into identity columns that continue after the highest id",
    ]
    assert "  Re-case fix_credentials.status: 1 value(s) to upper case" in lines
    assert f"Plan (dry run, nothing is changed): version 1 -> {LATEST}" in lines
    with connect(go_database) as connection:
        assert catalog_differences(before, catalog(connection.cursor())) == []


def test_success_adoption_keeps_every_row_and_ends_like_a_fresh_database(
    go_database: str, database_factory_fresh: str
) -> None:
    before = rows(go_database)
    v7_row = fetch_all(
        go_database, "SELECT version, name, applied_at FROM schema_migrations WHERE version = 7"
    )

    result = manage("rtx_migrate", "-up", database=go_database)

    assert result.returncode == 0, result.stderr
    assert "  converting trades: 2 rows" in result.stdout
    assert "  recorded accounts.0001_initial (" in result.stdout
    assert f"Done: version 1 -> {LATEST}" in result.stdout
    after = rows(go_database)
    for table, legacy_rows in before.items():
        if table == "schema_migrations":
            continue
        expected = [as_adopted(table, row) for row in legacy_rows]
        if table not in LEGACY_TABLES:
            expected = legacy_rows  # the Go tool's version 7: not ours, untouched
        assert sorted(
            after[table], key=lambda r: json.dumps(r, sort_keys=True, default=str)
        ) == sorted(expected, key=lambda r: json.dumps(r, sort_keys=True, default=str)), table
    assert (
        fetch_all(
            go_database, "SELECT version, name, applied_at FROM schema_migrations WHERE version = 7"
        )
        == v7_row
    )
    assert fetch_all(go_database, V7_FOREIGN_KEYS_SQL, (list(LEGACY_TABLES),)) == V7_FOREIGN_KEYS

    with connect(go_database) as adopted, connect(database_factory_fresh) as fresh:
        found = catalog_differences(catalog(fresh.cursor()), catalog(adopted.cursor()))
    v7_objects = ("table ", "function update_analytics_timestamp()")
    assert [line for line in found if not line.startswith(v7_objects)] == []
    assert sorted(line for line in found if line.startswith("table ")) == [
        f"table {name}: added" for name in V7_TABLES
    ]

    ids = fetch_all(
        go_database,
        "INSERT INTO users (username, email, password_hash) "
        "VALUES ('new', 'new@x', 'h') RETURNING id",
    )
    assert ids == [(4,)]
    assert (
        manage("rtx_migrate", "-up", database=go_database)
        .stdout.strip()
        .endswith(f"Nothing to do: the database is at version {LATEST}.")
    )


@pytest.fixture
def database_factory_fresh(make_database) -> str:  # type: ignore[no-untyped-def]
    fresh = make_database()
    assert manage("rtx_migrate", "-up", database=fresh).returncode == 0
    return fresh


def test_success_timestamps_are_read_in_the_configured_time_zone(go_database: str) -> None:
    result = manage(
        "rtx_migrate", "-up", database=go_database, env={"RTX_LEGACY_TIME_ZONE": "Europe/Berlin"}
    )
    assert result.returncode == 0, result.stderr
    # 01:30 on 2026-03-29 in Berlin is CET (+01), half an hour before the clocks go forward.
    assert fetch_all(
        go_database,
        "SELECT created_at::text FROM users WHERE id = 1",
    ) == [("2026-03-29 00:30:00+00",)]
    # 01:00:00 on 2026-10-25 is the first 01:00 (CEST, +02) when read in Berlin.
    assert fetch_all(
        go_database,
        "SELECT created_at::text FROM admin_audit_log WHERE id = 2",
    ) == [("2026-10-24 23:00:00+00",)]


# Every legacy TIMESTAMP column, as (table, column).
LEGACY_TIME_COLUMNS_SQL = """
SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype)
ORDER BY 1, 2
"""


def instants(database: str, *, written_in: str | None) -> dict[tuple[str, str], list]:
    """Every legacy time value as seconds since the epoch, ordered by the row's key.

    Before adoption the values are TIMESTAMPs, read as written in ``written_in``; after,
    they are TIMESTAMPTZs and carry their instant.
    """
    found = {}
    for table, column in fetch_all(database, LEGACY_TIME_COLUMNS_SQL, (list(LEGACY_TABLES),)):
        key = (
            "user_id"
            if table == "fix_credentials"
            else "session_id"
            if table == ("fix_sessions")
            else "symbol1, symbol2"
            if table == "symbol_correlations"
            else "id"
        )
        value = f"{column} AT TIME ZONE %s" if written_in else column
        found[table, column] = fetch_all(
            database,
            f"SELECT extract(epoch FROM {value}) FROM {table} ORDER BY {key}",
            (written_in,) if written_in else (),
        )
    return found


@pytest.mark.parametrize(
    ("setting", "source"),
    [
        ("ALTER DATABASE {database} SET timezone = 'America/New_York'", "ALTER DATABASE"),
        ("ALTER ROLE {role} SET timezone = 'Asia/Tokyo'", "ALTER ROLE"),
    ],
)
def test_success_adoption_keeps_every_instant_in_the_databases_time_zone(
    go_database: str,
    make_role,
    setting: str,
    source: str,  # type: ignore[no-untyped-def]
) -> None:
    role = make_role("LOGIN SUPERUSER")
    with connect("postgres") as admin:
        admin.execute(setting.format(database=go_database, role=role))
    zone = "America/New_York" if "DATABASE" in setting else "Asia/Tokyo"
    before = instants(go_database, written_in=zone)
    go_row = fetch_all(
        go_database, "SELECT applied_at::text FROM schema_migrations WHERE version = 1"
    )

    status = manage("rtx_migrate", "-status", database=go_database, env={"DB_USER": role})
    plan = manage("rtx_migrate", "-up", "-dry-run", database=go_database, env={"DB_USER": role})
    result = manage("rtx_migrate", "-up", database=go_database, env={"DB_USER": role})

    subject = go_database if source == "ALTER DATABASE" else role
    where = f"{zone} (the database's TimeZone: {source} {subject} SET timezone)"
    assert f"Legacy TIMESTAMP values will be read in {where}" in status.stdout.splitlines()
    assert (
        f"  Convert every TIMESTAMP column to TIMESTAMPTZ, reading stored values in {where}"
        in plan.stdout.splitlines()
    )
    assert "overrides the database" not in plan.stdout + result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    assert f"  reading legacy TIMESTAMP values in {where}" in result.stdout
    assert instants(go_database, written_in=None) == before
    # schema_migrations.applied_at keeps the Go tool's basis: wall-clock time in that zone.
    assert (
        fetch_all(go_database, "SELECT applied_at::text FROM schema_migrations WHERE version = 1")
        == go_row
    )
    assert fetch_all(
        go_database,
        "SELECT bool_and(abs(extract(epoch FROM now() - (applied_at AT TIME ZONE %s))) < 600) "
        "FROM schema_migrations WHERE version > 1 AND version <> 7",
        (zone,),
    ) == [(True,)]
    status = json.loads(
        manage(
            "rtx_migrate", "-status", "-json", database=go_database, env={"DB_USER": role}
        ).stdout
    )
    first = status["versions"][0]
    assert datetime.fromisoformat(first["applied_at"]).utcoffset() is not None


def test_success_an_override_of_the_time_zone_is_shown_with_a_warning(go_database: str) -> None:
    with connect("postgres") as admin:
        admin.execute(f"ALTER DATABASE {go_database} SET timezone = 'America/New_York'")
    env = {"RTX_LEGACY_TIME_ZONE": "UTC"}
    warning = (
        f"WARNING: RTX_LEGACY_TIME_ZONE=UTC overrides the database's TimeZone America/New_York "
        f"(ALTER DATABASE {go_database} SET timezone): legacy TIMESTAMP values will be read as "
        "UTC wall-clock times; unset it unless the Go tool's sessions really ran in UTC"
    )
    status = manage("rtx_migrate", "-status", database=go_database, env=env)
    plan = manage("rtx_migrate", "-up", "-dry-run", database=go_database, env=env)
    assert "Legacy TIMESTAMP values will be read in UTC (RTX_LEGACY_TIME_ZONE)" in status.stdout
    assert warning in status.stdout.splitlines()
    assert f"  {warning}" in plan.stdout.splitlines()
    before = instants(go_database, written_in="UTC")
    assert manage("rtx_migrate", "-up", database=go_database, env=env).returncode == 0
    assert instants(go_database, written_in=None) == before


def test_error_a_time_zone_that_does_not_exist(go_database: str) -> None:
    result = manage(
        "rtx_migrate", "-up", database=go_database, env={"RTX_LEGACY_TIME_ZONE": "Mars/Olympus"}
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: RTX_LEGACY_TIME_ZONE='Mars/Olympus' is not a time zone name "
        "(e.g. America/New_York); unset it to use the database's TimeZone"
    )


def test_error_a_schema_that_is_not_the_go_tools_is_refused_untouched(database: str) -> None:
    build_legacy_database(database, versions=GO_VERSIONS)
    with connect(database) as connection:
        connection.execute("ALTER TABLE trades ADD COLUMN venue TEXT; DROP INDEX idx_orders_symbol")
        before = catalog(connection.cursor())

    result = manage("rtx_migrate", "-up", database=database)

    assert result.returncode == 8
    assert result.stderr.splitlines() == [
        "CommandError: this database does not have the Go tool's version 1 schema, so it "
        "cannot be adopted safely; nothing was changed. Differences from it:",
        "  orders: index idx_orders_symbol removed",
        "  trades.venue: column added (text NULL)",
    ]
    with connect(database) as connection:
        assert catalog_differences(before, catalog(connection.cursor())) == []


def test_error_rows_outside_the_new_checks_are_listed_untouched(go_database: str) -> None:
    with connect(go_database) as connection:
        connection.execute("UPDATE admin_users SET status = 'BANNED' WHERE id = 2")
        connection.execute("UPDATE order_history SET side = 'buy-ish' WHERE id = 1")
        before = catalog(connection.cursor())

    result = manage("rtx_migrate", "-up", database=go_database)

    assert result.returncode == 10
    assert result.stderr.splitlines() == [
        "CommandError: rows break constraints that adoption adds; nothing was changed. Fix "
        "them and run again:",
        "  admin_users id=2: status = 'BANNED' is not one of ACTIVE, DISABLED, SUSPENDED; "
        "fix: UPDATE admin_users SET status = '<one of them>' WHERE id = '2';",
        "  order_history id=1: side = 'buy-ish' is not one of BUY, SELL; fix: UPDATE "
        "order_history SET side = '<one of them>' WHERE id = '1';",
    ]
    with connect(go_database) as connection:
        assert catalog_differences(before, catalog(connection.cursor())) == []
    assert fetch_all(go_database, "SELECT status FROM fix_credentials WHERE user_id = '1'") == [
        ("active",)
    ]


def test_error_down_on_a_go_database_asks_for_adoption_first(go_database: str) -> None:
    result = manage("rtx_migrate", "-down", database=go_database)
    assert result.returncode == 8
    assert result.stderr.strip() == (
        "CommandError: this database was built by the Go migration tool and is not adopted "
        "yet: run rtx-migrate -up first (-up -dry-run shows what adoption does); nothing was "
        "changed"
    )


def test_success_later_versions_leave_version_7_alone(go_database: str) -> None:
    assert manage("rtx_migrate", "-up", database=go_database).returncode == 0
    assert manage("rtx_migrate", "-version=1", database=go_database).returncode == 0
    assert manage("rtx_migrate", "-up", database=go_database).returncode == 0
    assert fetch_all(go_database, "SELECT version FROM schema_migrations ORDER BY 1") == sorted(
        [(version.number,) for version in VERSIONS] + [(7,)]
    )
    assert fetch_all(go_database, V7_FOREIGN_KEYS_SQL, (list(LEGACY_TABLES),)) == V7_FOREIGN_KEYS
    assert fetch_all(go_database, "SELECT count(*) FROM routing_metrics") == [(2,)]
