"""rtx-migrate on the production topology: a hot standby, PgBouncer in transaction mode,
and a server that is not up yet. Real components, started by the fixtures."""

import re
import time

from rtx.versions import VERSIONS
from tests import topology
from tests.conftest import manage, start_manage

LATEST = VERSIONS[-1]


def rtx_migrate(*args: str, env: dict[str, str], database: str = ""):  # type: ignore[no-untyped-def]
    return manage("rtx_migrate", *args, database=database, env=env)


def test_error_changes_on_a_standby_are_refused_and_status_works(
    primary_server,
    standby_server,
    migrated_primary_database,  # type: ignore[no-untyped-def]
) -> None:
    topology.wait_for_replay(primary_server, standby_server)
    on_standby = {"DATABASE_URL": standby_server.url(migrated_primary_database)}
    where = f"postgres@{standby_server.host}:{standby_server.port}/{migrated_primary_database}"

    for args in (["-up"], ["-down"], ["-version=1"], ["-init"]):
        result = rtx_migrate(*args, env=on_standby)
        assert result.returncode == 14, result.stderr
        assert result.stderr.splitlines() == [
            f"CommandError: {where} is a hot standby (pg_is_in_recovery() is true): run "
            "rtx-migrate against the primary; nothing was changed"
        ]
    status = rtx_migrate("-status", env=on_standby)
    assert status.returncode == 0, status.stderr
    assert re.search(
        rf"^Server: a hot standby \(read-only\); it has replayed version {LATEST.number} "
        rf"\({LATEST.name}\) applied, LSN [0-9A-F]+/[0-9A-F]+$",
        status.stdout,
        re.MULTILINE,
    ), status.stdout


def test_success_status_shows_the_standby_and_wait_replicas_waits_for_it(
    primary_server,
    standby_server,
    primary_database,  # type: ignore[no-untyped-def]
) -> None:
    direct = {"DATABASE_URL": primary_server.url(primary_database), "RTX_PROGRESS_INTERVAL": "1"}
    topology.wait_for_replay(primary_server, standby_server)
    with topology.replay_paused(standby_server):
        behind = rtx_migrate("-up", "-wait-replicas", "2", env=direct)
        status = rtx_migrate("-status", env=direct)
    caught_up = rtx_migrate("-version=8", "-wait-replicas", "60", env=direct)

    assert behind.returncode == 15, behind.stderr
    newest = rf"version {LATEST.number} \({LATEST.name}\) applied, LSN [0-9A-F]+/[0-9A-F]+"
    assert re.fullmatch(
        rf"CommandError: after 2s, 1 of 1 standby\(s\) had not replayed the newest schema "
        rf"change: standby \S+ from 127\.0\.0\.1: streaming, has NOT replayed {newest} \(replay "
        r"at [0-9A-F]+/[0-9A-F]+\)\. The change itself is done; code that reads the new schema "
        r"from a replica must wait for it",
        behind.stderr.strip(),
    ), behind.stderr
    assert "waiting 0s of 2s for standby " in behind.stdout
    assert re.search(
        rf"^Replication: standby \S+ from 127\.0\.0\.1: streaming, has NOT "
        rf"replayed {newest}",
        status.stdout,
        re.MULTILINE,
    ), status.stdout
    assert caught_up.returncode == 0, caught_up.stderr
    assert re.search(
        r"every standby \(1\) has replayed version 9 \(order_history_day_counts_index\) "
        r"reverted, LSN",
        caught_up.stdout,
    ), caught_up.stdout
    after = rtx_migrate("-status", env=direct)
    assert re.search(
        r"^Replication: standby \S+ from 127\.0\.0\.1: streaming, has replayed "
        r"version 9",
        after.stdout,
        re.MULTILINE,
    ), after.stdout


def test_error_wait_replicas_times_out_while_the_standby_is_stopped(
    primary_server,
    standby_server,
    primary_database,  # type: ignore[no-untyped-def]
) -> None:
    direct = {"DATABASE_URL": primary_server.url(primary_database)}
    with standby_server.stopped():
        result = rtx_migrate("-up", "-wait-replicas", "1", env=direct)
    assert result.returncode == 15
    assert re.search(r"standby \S+: not connected, has NOT replayed version \d+ ", result.stderr), (
        result.stderr
    )


def test_error_through_pgbouncer_refused_direct_url_fine(
    primary_server,
    pgbouncer,
    primary_database,  # type: ignore[no-untyped-def]
) -> None:
    pooled = {"DATABASE_URL": pgbouncer.url(primary_database)}
    # A pool with one server connection deals it back to every transaction: only the
    # backend pid PgBouncer made up for the client gives it away.
    undeclared = rtx_migrate("-up", env=pooled)
    pgbouncer.warm_pool(primary_database)
    misdeclared = rtx_migrate("-up", env={**pooled, "DB_POOL_MODE": "session"})
    declared = rtx_migrate("-up", env={**pooled, "DB_POOL_MODE": "transaction"})
    both = {
        **pooled,
        "DB_POOL_MODE": "transaction",
        "RTX_MIGRATE_DATABASE_URL": primary_server.url(primary_database),
    }
    untouched = primary_server.value(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", dbname=primary_database
    )
    direct = rtx_migrate("-up", env=both)

    use = (
        "rtx-migrate needs a session of its own on the primary: set RTX_MIGRATE_DATABASE_URL to "
        "the primary's direct address (not the pooler's)"
    )
    assert undeclared.returncode == 14
    assert re.fullmatch(
        r"CommandError: a connection pooler answers for the server \(the connection was given "
        r"backend pid -?\d+, the server session's is \d+\); "
        + re.escape(
            f"{use}, or set DB_POOL_MODE=session if the pooler keeps one server connection per "
            "client; nothing was changed"
        ),
        undeclared.stderr.strip(),
    ), undeclared.stderr
    assert misdeclared.returncode == 14
    assert re.fullmatch(
        r"CommandError: \d different server sessions answered 4 transactions in a row: the "
        r"connection goes through a pooler in transaction mode; "
        + re.escape(f"{use}; nothing was changed"),
        misdeclared.stderr.strip(),
    ), misdeclared.stderr
    assert declared.returncode == 14
    assert declared.stderr.strip() == (
        "CommandError: DB_POOL_MODE=transaction: the database alias 'default' goes through a "
        f"pooler in transaction mode; {use}; nothing was changed"
    )
    assert untouched == 0
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout.splitlines()[0] == (
        f"Database: postgres@{primary_server.host}:{primary_server.port}/{primary_database}"
    )
    assert f"Done: version 0 -> {LATEST.number}" in direct.stdout


def test_success_connect_wait_waits_for_a_server_that_starts_late(
    primary_server,
    standby_server,
    migrated_primary_database,  # type: ignore[no-untyped-def]
) -> None:
    topology.wait_for_replay(primary_server, standby_server)
    env = {"DATABASE_URL": standby_server.url(migrated_primary_database)}
    with standby_server.stopped():
        gave_up = rtx_migrate("-status", "-connect-wait", "2", env=env)
        process = start_manage(
            "rtx_migrate", "-status", "-connect-wait", "60", database="", env=env
        )
        time.sleep(3)
    stdout, stderr = process.communicate(timeout=90)

    assert gave_up.returncode == 3
    assert gave_up.stderr.strip().endswith(
        "check DB_HOST and DB_PORT and that the server is running (waited 2s: -connect-wait, "
        "RTX_CONNECT_WAIT)"
    ), gave_up.stderr
    assert process.returncode == 0, stderr
    waits = [line for line in stdout.splitlines() if "waiting for PostgreSQL at" in line]
    assert waits, stdout
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ   waiting for PostgreSQL at postgres@127\.0\.0\.1:"
        rf"{standby_server.port}/{migrated_primary_database}: .+ \(\d+s of 60s\)",
        waits[0],
    ), waits[0]
    assert f"Current version: {LATEST.number}" in stdout
