"""rtx_migrate as users run it: a process of its own against the real server.

Most tests use the demo settings, which add versions 100-103 (tests/demoapp) after the
project's own versions.
"""

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from rtx.versions import VERSIONS as PROJECT_VERSIONS
from tests.conftest import (
    DEMO_SETTINGS,
    PROJECT_ROOT,
    command_environment,
    connect,
    fetch_all,
    manage,
    start_manage,
)
from tests.demoapp.versions import DEMO_VERSIONS


def rtx_migrate(database: str, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return manage("rtx_migrate", *args, database=database, settings=DEMO_SETTINGS, env=env)


def mirror(database: str) -> list[tuple[int, str]]:
    return fetch_all(database, "SELECT version, name FROM schema_migrations ORDER BY version")


def column_exists(database: str, table: str, column: str) -> bool:
    return bool(
        fetch_all(
            database,
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            (table, column),
        )
    )


def wait_for(condition, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def lock_holders(database: str) -> int:
    return fetch_all(
        database,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s "
        "AND database = (SELECT oid FROM pg_database WHERE datname = %s)",
        (0x7274786D, database),
    )[0][0]


PROJECT = [(version.number, version.name) for version in PROJECT_VERSIONS]
PROJECT_LATEST = PROJECT[-1][0]
ALL = PROJECT + [(version.number, version.name) for version in DEMO_VERSIONS]
KNOWN = ", ".join(str(number) for number, _ in ALL)


def up_to(number: int) -> list[tuple[int, str]]:
    return [row for row in ALL if row[0] <= number]


# -- usage and bad input ---------------------------------------------------------------


def test_error_no_verb_is_one_line_without_a_database() -> None:
    result = manage("rtx_migrate", database="unused", env={"DB_PORT": "1"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "manage.py rtx_migrate: error: a verb is required: -init, -up, -down, -status, "
        "-version=N, -lint, -diff FROM TO, -mark-applied N or -mark-pending N "
        "(see manage.py rtx_migrate --help)"
    ]


USAGE = "manage.py rtx_migrate: error: {} (see manage.py rtx_migrate --help)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-up", "-down"], USAGE.format("argument -down: not allowed with argument -up")),
        (["-upp"], USAGE.format("unrecognized arguments: -upp")),
        (["-up", "-sideways"], USAGE.format("unrecognized arguments: -sideways")),
        (["--version"], USAGE.format("unrecognized arguments: --version")),
        (
            ["-version=abc"],
            USAGE.format("argument -version: expected a version number (0 or more), got 'abc'"),
        ),
        (
            ["-version=-1"],
            USAGE.format("argument -version: expected a version number (0 or more), got -1"),
        ),
        (
            ["-up", "-lock-wait", "nan"],
            USAGE.format(
                "argument -lock-wait: expected a finite number of seconds, 0 or more, got 'nan'"
            ),
        ),
        (["-up", "-v", "3"], USAGE.format("argument -v: invalid choice: 3 (choose from 0, 1, 2)")),
        (["-status", "-dry-run"], "CommandError: -dry-run goes with -up, -down or -version"),
        (["-up", "-json"], "CommandError: -json goes with -status"),
        (["-up", "-reason", "x"], "CommandError: -reason goes with -mark-applied or -mark-pending"),
        (
            ["-mark-applied", "5"],
            "CommandError: -mark-applied and -mark-pending need -reason TEXT: why the version "
            "is recorded by hand (it is stored with the record)",
        ),
    ],
)
def test_error_bad_arguments_are_one_line(database: str, args: list[str], message: str) -> None:
    result = rtx_migrate(database, *args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]


def test_success_help_stands_alone() -> None:
    script = Path(sys.executable).parent / "rtx-migrate"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "usage: rtx-migrate VERB [options]"
    sections = [line for line in lines if line and not line.startswith(" ")][1:]
    assert sections == [
        "Apply, revert and report the schema versions of the RTX database, as the Go tool's "
        "./bin/migrate did: exactly one verb, then options.",
        "verbs (exactly one):",
        "options:",
        "exit codes:",
        "environment (a .env file is read too):",
    ]
    flags = [line.split()[0] for line in lines if line.startswith("  -")]
    assert flags == [
        "-init",
        "-up",
        "-down",
        "-status",
        "-version",
        "-lint",
        "-diff",
        "-mark-applied",
        "-mark-pending",
        "-h,",
        "-v",
        "-dry-run",
        "-json",
        "-check",
        "-allow-data-loss",
        "-reason",
        "-lock-wait",
        "-update-lock",
        "-connect-wait",
        "-wait-replicas",
        "-database",
    ]
    assert "--version" not in result.stdout
    assert (
        "   5  A lock was still not granted within lock_timeout after the retries" in result.stdout
    )


def test_error_version_that_does_not_exist(database: str) -> None:
    result = rtx_migrate(database, "-version=7")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"CommandError: version 7 does not exist; known versions: 0 (nothing applied), {KNOWN}"
    )


def test_error_down_with_nothing_applied(database: str) -> None:
    result = rtx_migrate(database, "-down")
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1]
        == "CommandError: nothing to roll back: no version is applied"
    )


def test_error_missing_database_says_how_to_create_it() -> None:
    result = manage("rtx_migrate", "-up", database="rtx_no_such_database")
    assert result.returncode == 3
    assert result.stderr.strip().splitlines()[-1] == (
        'CommandError: database "rtx_no_such_database" does not exist on 127.0.0.1:5432; '
        "create it with: createdb -h 127.0.0.1 -p 5432 -U postgres rtx_no_such_database"
    )


def test_error_unreachable_server() -> None:
    result = manage("rtx_migrate", "-status", database="x", env={"DB_PORT": "1"})
    assert result.returncode == 3
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: cannot connect to PostgreSQL at 127.0.0.1:1 (Connection refused); "
        "check DB_HOST and DB_PORT and that the server is running"
    )


# -- the verbs ---------------------------------------------------------------------------


def test_success_init_is_idempotent_and_keeps_the_legacy_shape(database: str) -> None:
    for _ in range(2):
        result = rtx_migrate(database, "-init")
        assert result.returncode == 0, result.stderr
        assert "Tracking tables ready: django_migrations, schema_migrations" in result.stdout
    columns = fetch_all(
        database,
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'schema_migrations' ORDER BY ordinal_position",
    )
    assert columns[:3] == [
        ("version", "bigint"),
        ("name", "character varying"),
        ("applied_at", "timestamp without time zone"),
    ]
    assert [name for name, _ in columns[3:]] == [
        "checksum",
        "duration_ms",
        "applied_by",
        "applied_host",
        "applied_with",
        "reason",
    ]


def test_success_up_applies_every_version_and_records_each(database: str) -> None:
    result = rtx_migrate(database, "-up")
    assert result.returncode == 0, result.stderr
    assert "Database: postgres@127.0.0.1:5432/" in result.stdout
    assert "Applying version 1 (initial_schema): 23 migration(s)" in result.stdout
    assert "  applying accounts.0001_initial" in result.stdout
    assert f"Done: version 0 -> 103; {len(ALL)} applied, 0 reverted in" in result.stdout
    assert mirror(database) == ALL
    rows = fetch_all(
        database,
        "SELECT length(checksum), duration_ms IS NOT NULL, applied_with FROM schema_migrations",
    )
    assert set(rows) == {(64, True, "rtx_migrate")}

    again = rtx_migrate(database, "-up")
    assert again.returncode == 0
    assert again.stdout.strip().endswith("Nothing to do: the database is at version 103.")


def test_success_version_moves_up_and_down_across_several_versions(database: str) -> None:
    assert rtx_migrate(database, "-version=101").returncode == 0
    assert mirror(database) == up_to(101)
    assert column_exists(database, "demo_ledger", "amount")

    down = rtx_migrate(database, f"-version={PROJECT_LATEST}")
    assert down.returncode == 0, down.stderr
    assert "Reverting version 101 (demo_ledger_amount)" in down.stdout
    assert "Reverting version 100 (demo_ledger)" in down.stdout
    assert mirror(database) == PROJECT
    assert fetch_all(database, "SELECT to_regclass('demo_ledger')") == [(None,)]

    assert rtx_migrate(database, "-version=102").returncode == 0
    assert mirror(database) == up_to(102)
    assert rtx_migrate(database, "-down").returncode == 0
    assert mirror(database) == up_to(101)
    assert rtx_migrate(database, "-version=0").returncode == 0
    assert mirror(database) == []


def test_error_down_past_an_irreversible_migration_changes_nothing(database: str) -> None:
    assert rtx_migrate(database, "-up").returncode == 0
    result = rtx_migrate(database, "-version=101")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: version 103 (demo_irreversible_cleanup) cannot be rolled back: migration "
        "demoapp.0004_irreversible_cleanup has an irreversible operation (Raw SQL operation); "
        "nothing was changed"
    )
    assert mirror(database) == ALL


def test_success_dry_run_prints_the_sql_and_changes_nothing(database: str) -> None:
    result = rtx_migrate(database, "-up", "-dry-run")
    assert result.returncode == 0, result.stderr
    assert "Plan (dry run, nothing is changed): version 0 -> 103" in result.stdout
    assert "-- Applying version 1 (initial_schema)" in result.stdout
    assert 'CREATE TABLE "users"' in result.stdout
    assert fetch_all(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
        (0,)
    ]


def test_success_status_lists_versions_migrations_and_checksums(database: str) -> None:
    assert rtx_migrate(database, "-version=100").returncode == 0
    result = rtx_migrate(database, "-status")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert "Current version: 100 (latest 103)" in lines
    assert any(
        line.startswith("  1 - initial_schema [APPLIED] applied ")
        and "with rtx_migrate, checksum ok" in line
        for line in lines
    )
    assert "  101 - demo_ledger_amount [PENDING]" in lines
    assert "      demoapp.0002_ledger_amount" in lines
    assert lines[-1] == f"Total: {len(ALL)} versions, {len(PROJECT) + 1} applied, 3 pending"

    check = rtx_migrate(database, "-status", "-check")
    assert check.returncode == 7
    assert check.stderr.strip().splitlines()[-1] == "CommandError: 3 version(s) pending"


def test_success_status_json_shape(database: str) -> None:
    assert rtx_migrate(database, "-version=1").returncode == 0
    result = rtx_migrate(database, "-status", "-json")
    assert result.returncode == 0
    status = json.loads(result.stdout)
    assert set(status) == {
        "database",
        "current",
        "latest",
        "versions",
        "foreign_versions",
        "running",
        "problems",
        "pending",
        "timescaledb",
        "go_database",
        "legacy_time_zone",
        "legacy_time_zone_warning",
        "unchecked",
        "drift",
        "server",
        "newest_change",
        "standbys",
        "replayed_newest_change",
    }
    pending = [number for number, _ in ALL[1:]]
    assert (status["current"], status["latest"], status["pending"]) == (1, 103, pending)
    first = status["versions"][0]
    assert set(first) == {
        "number",
        "name",
        "state",
        "migrations",
        "applied_migrations",
        "applied_at",
        "duration_ms",
        "applied_by",
        "applied_with",
        "checksum",
        "reason",
        "detail",
        "drift",
    }
    assert (first["number"], first["state"], first["checksum"]) == (1, "applied", "ok")
    assert len(first["migrations"]) == first["applied_migrations"] == 23


def test_success_reader_of_the_output_leaves_and_the_run_carries_on(database: str) -> None:
    # rtx-migrate -up -v 2 | head -1: every statement is printed, far more than a pipe holds.
    process = start_manage(
        "rtx_migrate", "-up", "-v", "2", database=database, settings=DEMO_SETTINGS
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    with process.stderr:
        errors = process.stderr.read()
    assert process.wait(timeout=180) == 0, errors
    assert first.startswith("Database: ")
    assert errors == ""
    assert mirror(database) == ALL


# -- failures --------------------------------------------------------------------------


def test_error_failing_migration_leaves_version_unapplied_and_rerun_succeeds(
    database: str,
) -> None:
    result = rtx_migrate(database, "-up", env={"PGOPTIONS": "-c rtx.demo_fail=on"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: could not apply version 101 (demo_ledger_amount): migration "
        "demoapp.0002_ledger_amount failed: demo failure requested; nothing of version 101 was "
        "changed"
    )
    assert mirror(database) == up_to(100)
    assert not column_exists(database, "demo_ledger", "amount")
    assert fetch_all(database, "SELECT count(*) FROM django_migrations WHERE app = 'demoapp'") == [
        (1,)
    ]

    rerun = rtx_migrate(database, "-up")
    assert rerun.returncode == 0, rerun.stderr
    assert mirror(database) == ALL


def test_error_lost_migration_lock_stops_before_the_next_version_and_says_what_is_done(
    database: str,
) -> None:
    result = rtx_migrate(database, "-up", env={"PGOPTIONS": "-c rtx.demo_unlock=on"})
    assert result.returncode == 14, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: the server session answering now does not hold the migration lock this "
        "run took: the connection goes through a pooler in transaction mode; rtx-migrate needs "
        "a session of its own on the primary: set RTX_MIGRATE_DATABASE_URL to the primary's "
        "direct address (not the pooler's); before stopping, this run left "
        + ", ".join(f"version {number} ({name}) applied" for number, name in up_to(101))
        + "; nothing of version 102 (demo_ledger_index) was changed"
    )
    assert mirror(database) == up_to(101)

    rerun = rtx_migrate(database, "-up")
    assert rerun.returncode == 0, rerun.stderr
    assert mirror(database) == ALL


def test_error_table_lock_timeout_fails_cleanly_and_can_be_retried(database: str) -> None:
    assert rtx_migrate(database, "-version=100").returncode == 0
    with connect(database) as blocker:
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE demo_ledger IN ACCESS SHARE MODE")
        pid = blocker.info.backend_pid
        result = rtx_migrate(
            database,
            "-version=101",
            env={
                "RTX_LOCK_TIMEOUT": "300ms",
                "RTX_LOCK_RETRIES": "2",
                "RTX_LOCK_RETRY_DELAY": "0.1",
            },
        )
        blocker.execute("ROLLBACK")
    assert result.returncode == 5
    message = result.stderr.strip()
    assert message.startswith(
        "CommandError: could not apply version 101 (demo_ledger_amount): migration "
        "demoapp.0002_ledger_amount waited longer than lock_timeout (300ms) for a lock; nothing "
        f"of version 101 was changed (retried 2 times; it waited for pid {pid} (application "
    )
    assert message.endswith(
        "LOCK TABLE demo_ledger IN ACCESS SHARE MODE)). Retry when that session has finished, "
        "or see docs/migrations.md on choosing RTX_LOCK_TIMEOUT and RTX_LOCK_RETRIES"
    )
    retries = [line for line in result.stdout.splitlines() if "retry" in line]
    assert len(retries) == 2
    assert retries[0].endswith("; retry 1 of 2 in " + retries[0].rsplit(" in ", 1)[1])
    assert f"waiting for a lock held by pid {pid} (" in retries[0]
    assert mirror(database) == up_to(100)
    assert rtx_migrate(database, "-version=101").returncode == 0


def test_error_killed_mid_migration_leaves_no_half_version_and_releases_the_lock(
    database: str,
) -> None:
    assert rtx_migrate(database, "-version=100").returncode == 0
    process = start_manage(
        "rtx_migrate",
        "-up",
        database=database,
        settings=DEMO_SETTINGS,
        env={"PGOPTIONS": "-c rtx.demo_sleep=30"},
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "Applying version 101" in line:
            break
    time.sleep(1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    process.stderr.close()  # type: ignore[union-attr]

    wait_for(lambda: lock_holders(database) == 0)
    assert mirror(database) == up_to(100)
    assert not column_exists(database, "demo_ledger", "amount")
    rerun = rtx_migrate(database, "-up")
    assert rerun.returncode == 0, rerun.stderr
    assert mirror(database) == ALL


@pytest.mark.parametrize("runners", [2, 4])
def test_success_concurrent_ups_migrate_once(database: str, runners: int) -> None:
    processes = [
        start_manage(
            "rtx_migrate",
            "-up",
            database=database,
            settings=DEMO_SETTINGS,
            env={"PGOPTIONS": "-c rtx.demo_sleep=1"},
        )
        for _ in range(runners)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * runners
    stdouts = [stdout for stdout, _ in outputs]
    assert sum("Applying version 1 " in stdout for stdout in stdouts) == 1
    assert (
        sum("Nothing to do: the database is at version 103." in s for s in stdouts) == runners - 1
    )
    assert mirror(database) == ALL


def test_error_lock_wait_expires_naming_the_holder(database: str) -> None:
    assert rtx_migrate(database, "-version=100").returncode == 0
    first = start_manage(
        "rtx_migrate",
        "-up",
        database=database,
        settings=DEMO_SETTINGS,
        env={"PGOPTIONS": "-c rtx.demo_sleep=4"},
    )
    wait_for(lambda: lock_holders(database) == 1)

    status = rtx_migrate(database, "-status")
    second = rtx_migrate(database, "-up", "-lock-wait", "0.5")
    first.communicate(timeout=60)

    assert "A migration is running: pid " in status.stdout
    assert second.returncode == 4
    message = second.stderr.strip()
    assert message.startswith("CommandError: another migration holds the lock (pid ")
    assert "application 'rtx-schema'" in message
    assert message.endswith("waited 0.5s. Retry when it has finished, or raise -lock-wait")
    assert first.returncode == 0
    assert mirror(database) == ALL


# -- the mirror ------------------------------------------------------------------------


def test_success_plain_migrate_keeps_the_mirror_right(database: str) -> None:
    def migrate(*args: str) -> None:
        result = manage("migrate", *args, database=database, settings=DEMO_SETTINGS)
        assert result.returncode == 0, result.stderr

    migrate("demoapp", "0003_ledger_index")
    # Only the demo migrations and what they depend on: version 1 is partly applied, no row.
    assert mirror(database) == [row for row in up_to(102) if row[0] >= 100]
    assert set(fetch_all(database, "SELECT applied_with FROM schema_migrations")) == {("migrate",)}
    completed = rtx_migrate(database, "-version=102")
    assert "Applying version 1 (initial_schema): 22 migration(s)" in completed.stdout
    assert mirror(database) == up_to(102)
    migrate("demoapp", "0001_ledger")
    assert mirror(database) == up_to(100)
    migrate("demoapp", "zero")
    assert mirror(database) == PROJECT
    status = json.loads(rtx_migrate(database, "-status", "-json").stdout)
    assert (status["current"], status["pending"]) == (PROJECT_LATEST, [100, 101, 102, 103])
    migrate()
    assert mirror(database) == ALL


def test_success_foreign_versions_are_shown_and_left_untouched(database: str) -> None:
    with connect(database) as connection:
        connection.execute(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name VARCHAR(255) NOT "
            "NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        connection.execute(
            "INSERT INTO schema_migrations VALUES (7, 'analytics_dashboard_schema', "
            "'2025-01-02 03:04:05')"
        )
    assert rtx_migrate(database, "-version=102").returncode == 0
    assert rtx_migrate(database, "-version=0").returncode == 0

    assert fetch_all(database, "SELECT version, name, applied_at::text FROM schema_migrations") == [
        (7, "analytics_dashboard_schema", "2025-01-02 03:04:05")
    ]
    status = rtx_migrate(database, "-status")
    assert "  7 - analytics_dashboard_schema [APPLIED, not ours: left untouched]" in status.stdout
    total = f"Total: {len(ALL)} versions, 0 applied, {len(ALL)} pending; 1 other version(s)"
    assert f"{total} in schema_migrations" in status.stdout


def test_error_edited_applied_migration_is_reported_and_refused(
    database: str, tmp_path: Path
) -> None:
    copy = tmp_path / "edited_demo_migrations"
    shutil.copytree(PROJECT_ROOT / "tests" / "demoapp" / "migrations", copy)
    env = {"DEMO_MIGRATIONS_MODULE": "edited_demo_migrations", "PYTHONPATH": str(tmp_path)}
    assert rtx_migrate(database, "-version=101", env=env).returncode == 0

    edited = copy / "0002_ledger_amount.py"
    edited.write_text(edited.read_text() + "\n# changed after deployment\n")

    status = rtx_migrate(database, "-status", env=env)
    assert "checksum changed" in status.stdout
    result = rtx_migrate(database, "-up", env=env)
    assert result.returncode == 6
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: version 101 (demo_ledger_amount) was edited after it was applied (its "
        "checksum no longer matches schema_migrations): restore its migration files as "
        "deployed and put the change in a new version; nothing was changed"
    )
    assert mirror(database) == up_to(101)


def test_success_console_script_is_installed(database: str) -> None:
    script = Path(sys.executable).parent / "rtx-migrate"
    import subprocess

    from tests.conftest import command_environment

    result = subprocess.run(
        [str(script), "-status"],
        cwd=PROJECT_ROOT,
        env=command_environment(database, "rtx.settings", {}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "  1 - initial_schema [PENDING]" in result.stdout


def test_success_diff_prints_what_a_range_of_versions_changes(database: str) -> None:
    result = manage("rtx_migrate", "-diff", "1", "2", database=database)
    assert result.returncode == 0, result.stderr
    progress = [line.split("   ", 1)[1] for line in result.stdout.splitlines()[1:4]]
    assert progress == [
        "building versions 1 and 2 in a scratch database",
        "scratch database: version 1 (initial_schema) applied",
        "scratch database: version 2 (audit_log_append_only) applied",
    ]
    assert result.stdout.splitlines()[4:] == [
        "Schema changes from version 1 to 2:",
        "  admin_audit_log: trigger admin_audit_log_append_only added: CREATE TRIGGER "
        "admin_audit_log_append_only BEFORE DELETE OR UPDATE ON public.admin_audit_log FOR EACH "
        "ROW EXECUTE FUNCTION admin_audit_log_append_only()",
        "  admin_audit_log: trigger admin_audit_log_no_truncate added: CREATE TRIGGER "
        "admin_audit_log_no_truncate BEFORE TRUNCATE ON public.admin_audit_log FOR EACH "
        "STATEMENT EXECUTE FUNCTION admin_audit_log_append_only()",
        "  extension pg_trgm: added",
        "  function admin_audit_log_append_only(): added",
    ]
    assert fetch_all(
        "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE %s", (f"{database}_diff%",)
    ) == [(0,)]
    assert fetch_all(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
        (0,)
    ]


def test_success_a_failed_concurrent_build_is_cleaned_up_and_rerun(database: str) -> None:
    assert rtx_migrate(database, "-version=101").returncode == 0
    with connect(database) as connection:
        connection.execute("INSERT INTO demo_ledger (note, amount) VALUES ('a', 1), ('b', 1)")
        # A unique build over duplicates fails and leaves the index behind, INVALID.
        with pytest.raises(psycopg.errors.UniqueViolation):
            connection.execute(
                "CREATE UNIQUE INDEX CONCURRENTLY demo_ledger_amount_idx ON demo_ledger (amount)"
            )
    assert fetch_all(
        database,
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'demo_ledger_amount_idx'::regclass",
    ) == [(False,)]

    result = rtx_migrate(database, "-version=102")

    assert result.returncode == 0, result.stderr
    assert "dropped INVALID index demo_ledger_amount_idx left by a failed build or drop" in (
        result.stdout
    )
    assert fetch_all(
        database,
        "SELECT indisvalid, indisunique FROM pg_index "
        "WHERE indexrelid = 'demo_ledger_amount_idx'::regclass",
    ) == [(True, False)]


def test_error_database_alias_that_is_not_configured(database: str) -> None:
    result = rtx_migrate(database, "-status", "-database", database)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"CommandError: -database '{database}' is not a configured database alias (configured: "
        "default); it names an alias from the settings, not a database: set DB_NAME or "
        "DATABASE_URL to choose the database"
    )


def test_success_a_run_with_nothing_to_do_completes_djangos_bookkeeping(database: str) -> None:
    process = start_manage(
        "rtx_migrate",
        "-up",
        database=database,
        settings=DEMO_SETTINGS,
        env={"PGOPTIONS": "-c rtx.demo_post_migrate_sleep=30"},
    )
    assert process.stdout is not None
    wait_for(
        lambda: (
            fetch_all(
                database,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND query LIKE '%%demo_post_migrate_sleep%%' AND pid <> pg_backend_pid()",
                (database,),
            )
            == [(1,)]
        ),
        seconds=120,
    )
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    process.stderr.close()  # type: ignore[union-attr]
    wait_for(lambda: lock_holders(database) == 0)
    assert mirror(database) == ALL
    missing = (
        "SELECT count(*) FROM auth_permission p JOIN django_content_type c "
        "ON c.id = p.content_type_id WHERE c.app_label = 'trading'"
    )
    assert fetch_all(database, missing) == [(0,)]

    rerun = rtx_migrate(database, "-up")

    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip().endswith("Nothing to do: the database is at version 103.")
    assert fetch_all(database, missing) == [(16,)]


def test_error_console_script_takes_no_django_options(database: str) -> None:
    script = Path(sys.executable).parent / "rtx-migrate"
    result = subprocess.run(
        [str(script), "-status", "--settings=x"],
        env=command_environment(database, "rtx.settings", {}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "rtx-migrate: error: unrecognized arguments: --settings=x (see rtx-migrate --help)"
    ]


TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def test_success_progress_lines_while_an_index_builds(database: str) -> None:
    assert rtx_migrate(database, "-version=101").returncode == 0
    with connect(database) as connection:
        connection.execute(
            "INSERT INTO demo_ledger (note, amount) "
            "SELECT 'n', i FROM generate_series(1, 3000000) i"
        )
    result = rtx_migrate(database, "-version=102", env={"RTX_PROGRESS_INTERVAL": "0.3"})
    assert result.returncode == 0, result.stderr
    beats = [line for line in result.stdout.splitlines() if "CREATE INDEX CONCURRENTLY" in line]
    assert beats, result.stdout
    assert re.fullmatch(
        TIMESTAMP + r"   CREATE INDEX CONCURRENTLY demo_ledger_amount_idx on demo_ledger: "
        r"[a-z][a-z :]+, \d+s(, blocks [\d,]+ of [\d,]+ \(\d+%\))?(, tuples [\d,]+ of [\d,]+ "
        r"\(\d+%\))?",
        beats[0],
    ), beats[0]


def test_success_progress_lines_while_a_lock_waits(database: str) -> None:
    assert rtx_migrate(database, "-version=100").returncode == 0
    with connect(database) as blocker:
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE demo_ledger IN ACCESS SHARE MODE")
        pid = blocker.info.backend_pid
        process = start_manage(
            "rtx_migrate",
            "-version=101",
            database=database,
            settings=DEMO_SETTINGS,
            env={"RTX_LOCK_TIMEOUT": "30s", "RTX_PROGRESS_INTERVAL": "0.5"},
        )
        time.sleep(3)
        blocker.execute("ROLLBACK")
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    waits = [line for line in stdout.splitlines() if " waiting " in line]
    assert waits, stdout
    assert re.fullmatch(
        TIMESTAMP + rf"   waiting \d+s for a relation lock held by pid {pid} \(application "
        r"'[^']*', idle in transaction, transaction started "
        + TIMESTAMP
        + r", query started "
        + TIMESTAMP
        + r": LOCK TABLE demo_ledger IN ACCESS SHARE MODE\)",
        waits[0],
    ), waits[0]


def test_error_missing_database_hint_is_quoted_for_the_shell() -> None:
    result = manage("rtx_migrate", "-status", database="rtx no such 'db'")
    assert result.returncode == 3
    assert result.stderr.strip().endswith(
        "create it with: createdb -h 127.0.0.1 -p 5432 -U postgres 'rtx no such '\"'\"'db'\"'\"''"
    )


def test_success_verbosity_0_prints_the_summary_only(database: str) -> None:
    result = rtx_migrate(database, "-up", "-v", "0")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert re.fullmatch(
        TIMESTAMP + rf" Done: version 0 -> 103; {len(ALL)} applied, 0 reverted in [\d.]+s\n",
        result.stdout,
    )


def test_success_verbosity_2_prints_the_sql_of_each_migration(database: str) -> None:
    assert rtx_migrate(database, "-version=101").returncode == 0
    result = rtx_migrate(database, "-version=102", "-v", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    applying = next(
        i for i, line in enumerate(lines) if line.endswith("applying demoapp.0003_ledger_index")
    )
    assert (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "demo_ledger_amount_idx" ON "demo_ledger" '
        '("amount");' in lines[applying + 1 : applying + 6]
    )
