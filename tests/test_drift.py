"""The records and the catalog agree after any failure: drift found, reported, finished.

The real version 5 (seven indexes built CONCURRENTLY) under a reader that holds a snapshot
of orders, a revert and an apply killed half-way, a table dropped by hand, a fix made by
hand and then recorded, and a role that may only read.
"""

import json
import shutil
import signal
import time
from pathlib import Path

import psycopg
import pytest

from rtx.migrator.catalog import catalog, catalog_differences
from rtx.versions import VERSIONS
from tests.conftest import (
    DEMO_SETTINGS,
    PROJECT_ROOT,
    connect,
    fetch_all,
    manage,
    start_manage,
)

LATEST = VERSIONS[-1].number
FAST_RETRIES = {"RTX_LOCK_RETRIES": "1", "RTX_LOCK_RETRY_DELAY": "0.1"}
VERSION_5_ORDERS_INDEX = "orders_pending_symbol_idx"
VERSION_5_INDEXES = [
    "orders_account_status_created_idx",
    "orders_pending_symbol_idx",
    "order_history_account_time_idx",
    "order_history_symbol_time_idx",
    "positions_open_account_idx",
    "trades_account_executed_idx",
    "trades_symbol_executed_idx",
]


def rtx_migrate(database: str, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return manage("rtx_migrate", *args, database=database, env=env)


def status(database: str, env: dict[str, str] | None = None) -> dict:
    result = rtx_migrate(database, "-status", "-json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def version(status_json: dict, number: int) -> dict:
    return next(item for item in status_json["versions"] if item["number"] == number)


@pytest.fixture
def at_version(make_database):  # type: ignore[no-untyped-def]
    """A database migrated to a version, to compare catalogs with."""

    def make(number: int) -> str:
        name = make_database()
        assert rtx_migrate(name, f"-version={number}").returncode == 0
        return name

    return make


def same_catalog(database: str, reference: str) -> list[str]:
    with connect(database) as live, connect(reference) as expected:
        return catalog_differences(catalog(expected.cursor()), catalog(live.cursor()))


@pytest.fixture
def migrated(database: str) -> str:
    assert rtx_migrate(database, "-up").returncode == 0
    with connect(database) as connection:
        connection.execute(
            "INSERT INTO users (username, email, password_hash) VALUES ('u', 'u@x', 'h');"
            "INSERT INTO accounts (user_id, account_number) VALUES (1, 'A-1');"
            "INSERT INTO orders (account_id, symbol, side, order_type, volume) "
            "SELECT 1, 'EURUSD', 'BUY', 'MARKET', 1 FROM generate_series(1, 500)"
        )
    return database


def reader_on_orders(database: str) -> psycopg.Connection:
    """A report holding a REPEATABLE READ snapshot in which it has read orders."""
    reader = connect(database)
    reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    reader.execute("SELECT count(*) FROM orders")
    return reader


def test_error_a_revert_stopped_by_a_reader_says_how_far_it_got(
    migrated: str,
    at_version,  # type: ignore[no-untyped-def]
) -> None:
    reader = reader_on_orders(migrated)
    result = rtx_migrate(migrated, "-version=4", env=FAST_RETRIES)
    reader.close()

    assert result.returncode == 5
    assert "version 5 is not atomic and may be partly done: rtx-migrate -status says how far" in (
        result.stderr
    )
    state = status(migrated)
    assert (version(state, 5)["state"], version(state, 5)["detail"]) == (
        "partly reverted",
        "5 of 7 indexes dropped, 1 INVALID",
    )
    assert f"index {VERSION_5_ORDERS_INDEX} on table orders: INVALID" in state["drift"][0]
    text = rtx_migrate(migrated, "-status").stdout
    assert "  5 - trading_query_indexes [PARTLY REVERTED: 5 of 7 indexes dropped, 1 INVALID]" in (
        text
    )
    assert rtx_migrate(migrated, "-status", "-check").returncode == 13

    again = rtx_migrate(migrated, "-version=4")

    assert again.returncode == 0, again.stderr
    assert status(migrated)["drift"] == []
    assert same_catalog(migrated, at_version(4)) == []


def test_success_up_completes_a_partly_reverted_version(
    migrated: str,
    at_version,  # type: ignore[no-untyped-def]
) -> None:
    reader = reader_on_orders(migrated)
    assert rtx_migrate(migrated, "-version=4", env=FAST_RETRIES).returncode == 5
    reader.close()

    result = rtx_migrate(migrated, "-up")

    assert result.returncode == 0, result.stderr
    assert "Completing version 5 (trading_query_indexes): 1 migration(s)" in result.stdout
    assert "dropped INVALID index orders_pending_symbol_idx left by a failed build or drop" in (
        result.stdout
    )
    above_5 = sum(1 for version in VERSIONS if version.number > 5)
    assert f"Done: version 4 -> {LATEST}; {above_5} applied, 0 reverted, 1 completed in " in (
        result.stdout
    )
    assert status(migrated)["drift"] == []
    assert same_catalog(migrated, at_version(LATEST)) == []


def kill_while_waiting(database: str, process, statement: str) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL ``process`` once its ``statement`` waits for a lock; return once its session
    has ended (the server notices the client is gone within client_connection_check_interval).
    """
    deadline = time.monotonic() + 60
    while not fetch_all(
        database,
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
        "AND query LIKE %s AND wait_event_type = 'Lock'",
        (f"{statement}%",),
    ):
        assert time.monotonic() < deadline, f"{statement} never waited for the reader"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    deadline = time.monotonic() + 30
    while fetch_all(
        database,
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'rtx-schema' AND pid <> pg_backend_pid()",
    ):
        assert time.monotonic() < deadline, "the killed run's session never ended"
        time.sleep(0.1)


def test_error_a_revert_killed_half_way_is_reported_and_finished(
    migrated: str,
    at_version,  # type: ignore[no-untyped-def]
) -> None:
    reader = reader_on_orders(migrated)
    process = start_manage(
        "rtx_migrate", "-version=4", database=migrated, env={"RTX_LOCK_TIMEOUT": "60s"}
    )
    kill_while_waiting(migrated, process, "DROP INDEX CONCURRENTLY")
    reader.close()

    state = status(migrated)
    gone = (
        7
        - fetch_all(
            migrated, "SELECT count(*) FROM pg_class WHERE relname = ANY(%s)", (VERSION_5_INDEXES,)
        )[0][0]
    )
    assert 0 < gone < 7
    assert version(state, 5)["state"] == "partly reverted"
    assert version(state, 5)["detail"].startswith(f"{gone} of 7 indexes dropped")
    assert fetch_all(
        migrated,
        "SELECT action, outcome, finished_at FROM schema_migrations_history "
        "WHERE version = 5 ORDER BY id DESC LIMIT 1",
    ) == [("revert", None, None)]

    again = rtx_migrate(migrated, "-version=4")
    assert again.returncode == 0, again.stderr
    assert same_catalog(migrated, at_version(4)) == []


def test_error_an_apply_killed_half_way_is_reported_and_completed(
    migrated: str,
    at_version,  # type: ignore[no-untyped-def]
) -> None:
    assert rtx_migrate(migrated, "-version=4").returncode == 0
    reader = reader_on_orders(migrated)
    process = start_manage("rtx_migrate", "-up", database=migrated, env={"RTX_LOCK_TIMEOUT": "60s"})
    kill_while_waiting(migrated, process, "CREATE INDEX CONCURRENTLY")
    reader.close()

    state = status(migrated)
    assert version(state, 5)["state"] == "partly applied", version(state, 5)
    assert version(state, 5)["detail"].endswith("1 INVALID"), version(state, 5)
    assert all(version(state, number)["state"] == "pending" for number in (6, LATEST))
    assert rtx_migrate(migrated, "-status", "-check").returncode == 13

    again = rtx_migrate(migrated, "-up")
    assert again.returncode == 0, again.stderr
    assert status(migrated)["drift"] == []
    assert same_catalog(migrated, at_version(LATEST)) == []


def test_error_a_table_dropped_by_hand_is_drift_every_run_sees(migrated: str) -> None:
    with connect(migrated) as connection:
        connection.execute("DROP TABLE liquidation_events CASCADE")

    state = status(migrated)
    up = rtx_migrate(migrated, "-up")
    down = rtx_migrate(migrated, "-version=0")
    check = rtx_migrate(migrated, "-status", "-check")

    assert (version(state, 1)["state"], version(state, 1)["detail"]) == (
        "drifted",
        "1 object missing or changed",
    )
    assert state["drift"] == ["table liquidation_events: missing (version 1)"]
    assert check.returncode == 13
    assert check.stderr.strip() == (
        "CommandError: drift: 1 of the objects of recorded versions are missing, INVALID or changed"
    )
    for result in (up, down):
        assert result.returncode == 13
        lines = result.stderr.splitlines()
        assert lines[0] == (
            "CommandError: restore this object of applied versions (nothing was changed), then "
            "run again; python manage.py sqlmigrate APP MIGRATION prints the SQL that makes an "
            "object, and rtx-migrate -mark-applied N (or -mark-pending N) -reason TEXT records a "
            "version fixed by hand:"
        )
        assert lines[1:] == ["  table liquidation_events: missing (version 1)"]
    assert fetch_all(migrated, "SELECT count(*) FROM schema_migrations") == [(len(VERSIONS),)]


def test_success_a_version_fixed_by_hand_is_recorded_with_its_reason(database: str) -> None:
    def demo(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return manage("rtx_migrate", *args, database=database, settings=DEMO_SETTINGS, env=env)

    failed = demo("-version=101", env={"PGOPTIONS": "-c rtx.demo_fail=on"})
    assert failed.returncode == 1
    early = demo("-mark-applied", "101", "-reason", "INC-7: column added by hand")
    assert early.returncode == 13
    assert early.stderr.splitlines() == [
        "CommandError: version 101 (demo_ledger_amount) is not recorded as applied: the "
        "catalog does not hold what it promises; nothing was changed:",
        "  column demo_ledger.amount: missing (version 101)",
    ]

    with connect(database) as connection:
        connection.execute("ALTER TABLE demo_ledger ADD COLUMN amount numeric(20, 5)")
    marked = demo("-mark-applied", "101", "-reason", "INC-7: column added by hand")

    assert marked.returncode == 0, marked.stderr
    assert marked.stdout.splitlines()[-1] == (
        "Version 101 recorded as applied (reason: INC-7: column added by hand)."
    )
    assert fetch_all(
        database,
        "SELECT applied_with, reason, applied_by IS NOT NULL FROM schema_migrations "
        "WHERE version = 101",
    ) == [("mark-applied", "INC-7: column added by hand", True)]
    assert fetch_all(
        database,
        "SELECT action, outcome, reason FROM schema_migrations_history WHERE version = 101 "
        "ORDER BY id DESC LIMIT 1",
    ) == [("mark-applied", "done", "INC-7: column added by hand")]
    assert "checksum ok" in demo("-status").stdout
    assert demo("-up").returncode == 0

    refused = demo("-mark-pending", "101", "-reason", "revert by hand")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "CommandError: versions above 101 must be reverted or marked pending first: "
        "102 (demo_ledger_index), 103 (demo_irreversible_cleanup) are applied"
    )


def test_success_mark_pending_only_when_the_objects_are_gone(database: str) -> None:
    def demo(*args: str):  # type: ignore[no-untyped-def]
        return manage("rtx_migrate", *args, database=database, settings=DEMO_SETTINGS)

    assert demo("-version=101").returncode == 0
    still = demo("-mark-pending", "101", "-reason", "dropped by hand")
    assert still.returncode == 13
    assert still.stderr.splitlines()[1:] == ["  column demo_ledger.amount: still there"]

    with connect(database) as connection:
        connection.execute("ALTER TABLE demo_ledger DROP COLUMN amount")
    marked = demo("-mark-pending", "101", "-reason", "dropped by hand")

    assert marked.returncode == 0, marked.stderr
    assert fetch_all(database, "SELECT count(*) FROM schema_migrations WHERE version = 101") == [
        (0,)
    ]
    assert fetch_all(database, "SELECT count(*) FROM django_migrations WHERE app = 'demoapp'") == [
        (1,)
    ]
    assert demo("-version=101").returncode == 0


def test_success_status_for_a_role_that_may_only_read(migrated: str, make_role) -> None:  # type: ignore[no-untyped-def]
    role = make_role("LOGIN")
    with connect(migrated) as connection:
        connection.execute(f'GRANT CONNECT ON DATABASE "{migrated}" TO "{role}"')
        connection.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    env = {"DB_USER": role}

    text = rtx_migrate(migrated, "-status", env=env)
    state = status(migrated, env=env)
    check = rtx_migrate(migrated, "-status", "-check", env=env)

    assert text.returncode == 0, text.stderr
    assert f"Current version: {LATEST} (latest {LATEST})" in text.stdout
    assert (
        f"Not checked: role {role} may not read shared_preload_libraries (pg_read_all_settings): "
        "TimescaleDB taken as not preloaded, from whether its timescaledb.license setting exists"
    ) in text.stdout.splitlines()
    assert (state["current"], state["drift"]) == (LATEST, [])
    assert check.returncode == 0, check.stderr
    refused = rtx_migrate(migrated, "-up", env=env)
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr


# Version 103 of the demo made to drop version 102's index, as a later version may.
DROPS_THE_INDEX = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("demoapp", "0003_ledger_index")]

    operations = [migrations.RemoveIndex(model_name="ledger", name="demo_ledger_amount_idx")]
"""


def test_error_mark_applied_checks_an_index_a_later_version_drops(
    database: str, tmp_path: Path
) -> None:
    """What version 102 made is promised wherever 103, which drops it, is not applied."""
    copy = tmp_path / "dropping_demo_migrations"
    shutil.copytree(PROJECT_ROOT / "tests" / "demoapp" / "migrations", copy)
    (copy / "0004_irreversible_cleanup.py").write_text(DROPS_THE_INDEX)
    env = {"DEMO_MIGRATIONS_MODULE": "dropping_demo_migrations", "PYTHONPATH": str(tmp_path)}

    def demo(*args: str):  # type: ignore[no-untyped-def]
        return manage("rtx_migrate", *args, database=database, settings=DEMO_SETTINGS, env=env)

    assert demo("-version=101").returncode == 0
    with connect(database) as connection:
        connection.execute("CREATE INDEX demo_ledger_amount_idx ON demo_ledger (note)")

    wrong = demo("-mark-applied", "102", "-reason", "INC-8: index built by hand")

    assert wrong.returncode == 13
    assert (
        "  index demo_ledger_amount_idx on table demo_ledger: on (note), promised on (amount) "
        "(version 102)"
    ) in wrong.stderr.splitlines()
    assert fetch_all(database, "SELECT count(*) FROM schema_migrations WHERE version = 102") == [
        (0,)
    ]
