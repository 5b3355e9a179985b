"""TimescaleDB where the server has it, plain PostgreSQL where it does not.

The plain-PostgreSQL tests run everywhere. The TimescaleDB tests run against the server
named by RTX_TIMESCALEDB_URL (postgresql://user@host:port, with timescaledb preloaded)
and are skipped with that reason when it is not set.
"""

import json
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import psycopg
import pytest
from django.db.migrations.loader import MigrationLoader

from rtx.db.timescale import TimescaleState, chunk_intervals
from rtx.migrator.catalog import catalog, catalog_differences
from tests.conftest import (
    PROJECT_ROOT,
    command_environment,
    connect,
    fetch_all,
    manage,
    run_python,
)

NOTICE = (
    "TimescaleDB not used ({reason}): trades and order_history stay plain tables; once "
    "TimescaleDB is available, python manage.py rtx_timescale -convert converts them"
)
AGGREGATES_NOTICE = (
    "Continuous aggregates trade_minutes and order_history_days not created ({reason}): "
    "their readers read trades and order_history"
)
SEED_TRADES = """
INSERT INTO users (id, username, email, password_hash) VALUES (1, 'a', 'a@x', 'h');
INSERT INTO accounts (id, user_id, account_number) VALUES (1, 1, 'A-1'), (2, 1, 'A-2');
INSERT INTO trades (account_id, symbol, side, volume, price, trade_type, executed_at)
SELECT 1 + i % 2, 'EURUSD', 'BUY', (i % 7) + 0.5, 1 + (i * 37 % 101) / 1000.0, 'OPEN',
       TIMESTAMPTZ '2026-03-28 20:00:00+00' + i * INTERVAL '7 minutes'
FROM generate_series(1, 400) i;
INSERT INTO order_history (account_id, symbol, side, volume, price, order_time)
SELECT 1 + i % 2, 'EURUSD', 'SELL', 1, 1.1,
       TIMESTAMPTZ '2026-03-28 20:00:00+00' + i * INTERVAL '53 minutes'
FROM generate_series(1, 300) i;
"""
QUERY_SELECTORS = """
import json, os, django
django.setup()
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from trading.selectors import order_counts_per_account_per_day, trade_ohlcv
start, end = datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 5, 1, tzinfo=timezone.utc)
candles = trade_ohlcv(symbol="EURUSD", start=start, end=end, interval=timedelta(hours=4))
days = order_counts_per_account_per_day(start=start, end=end)
print(json.dumps({
    "ohlcv": [asdict(candle) for candle in candles],
    "daily": [asdict(day) for day in days],
}, default=str))
"""


def rtx_migrate(database: str, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return manage("rtx_migrate", *args, database=database, env=env)


def expected_reason(database: str) -> str:
    available = fetch_all(
        database, "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
    )
    if available == [(0,)]:
        return "the server has no timescaledb extension"
    return "timescaledb is installed on the server but not in shared_preload_libraries"


# -- plain PostgreSQL ------------------------------------------------------------------------


def test_success_plain_server_skips_the_hypertables_with_one_line(database: str) -> None:
    result = rtx_migrate(database, "-up")
    assert result.returncode == 0, result.stderr
    reason = expected_reason(database)
    notices = [line for line in result.stdout.splitlines() if "TimescaleDB not used" in line]
    assert [line.split("   ", 1)[1] for line in notices] == [NOTICE.format(reason=reason)]
    aggregates = [line for line in result.stdout.splitlines() if "Continuous aggregates" in line]
    assert [line.split("   ", 1)[1] for line in aggregates] == [
        AGGREGATES_NOTICE.format(reason=reason)
    ]
    assert "WARNING" not in result.stdout + result.stderr

    status = json.loads(rtx_migrate(database, "-status", "-json").stdout)["timescaledb"]
    assert (status["in_use"], status["reason"], status["hypertables"]) == (False, reason, [])
    assert f"TimescaleDB: not in use ({reason}); time-series tables are plain tables" in (
        rtx_migrate(database, "-status").stdout
    )
    assert fetch_all(
        database, "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'"
    ) == [(0,)]

    assert rtx_migrate(database, "-version=3").returncode == 0
    assert rtx_migrate(database, "-up").returncode == 0


def test_error_rtx_timescale_on_a_plain_server(database: str) -> None:
    assert rtx_migrate(database, "-up").returncode == 0
    status = manage("rtx_timescale", "-status", database=database)
    assert status.returncode == 0
    convert = manage("rtx_timescale", "-convert", database=database)
    assert convert.returncode == 2
    assert convert.stderr.strip() == (
        f"CommandError: TimescaleDB is not in use ({expected_reason(database)}); nothing to do"
    )


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (TimescaleState(None, None, False, True, "rtx"), "the server has no timescaledb extension"),
        (
            TimescaleState(None, "2.28.3", False, True, "rtx"),
            "timescaledb is installed on the server but not in shared_preload_libraries",
        ),
        (
            TimescaleState(None, "2.28.3", True, False, "rtx"),
            "role rtx may not create the timescaledb extension",
        ),
        (TimescaleState("2.28.3", "2.28.3", True, False, "rtx"), None),
        (TimescaleState(None, "2.28.3", True, True, "rtx"), None),
    ],
)
def test_when_timescaledb_can_be_used(state: TimescaleState, reason: str | None) -> None:
    assert state.unusable_because == reason


def test_chunk_intervals_are_version_4s_until_a_later_migration_sets_one() -> None:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    up_to = {key: graph.nodes[key] for key in graph.forwards_plan(WEEK_CHUNKS)}
    before = [migration for key, migration in up_to.items() if key != WEEK_CHUNKS]
    assert chunk_intervals(before) == {"trades": "1 day", "order_history": "7 days"}
    assert chunk_intervals(up_to.values()) == {"trades": "7 days", "order_history": "7 days"}


def test_success_switched_off(database: str) -> None:
    result = rtx_migrate(database, "-up", env={"RTX_TIMESCALEDB": "off"})
    assert NOTICE.format(reason="RTX_TIMESCALEDB is off") in result.stdout


def selector_results(database: str, port: int) -> dict:
    environment = command_environment(database, "rtx.settings", {"DB_PORT": str(port)})
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    result = run_python(QUERY_SELECTORS, env=environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_success_time_buckets_on_plain_postgresql(database: str) -> None:
    assert rtx_migrate(database, "-up").returncode == 0
    with connect(database) as connection:
        connection.execute(SEED_TRADES)
    results = selector_results(database, int(os.environ.get("DB_PORT", "5432")))
    first = results["ohlcv"][0]
    # Buckets of 4 hours from 2000-01-03 00:00 UTC: the first fill (20:07) falls in 20:00.
    assert first["bucket"] == "2026-03-28 20:00:00+00:00"
    expected = fetch_all(
        database,
        "SELECT count(*), sum(volume)::text, max(price)::text, min(price)::text FROM trades "
        "WHERE executed_at < '2026-03-29 00:00:00+00'",
    )[0]
    assert (first["fills"], first["volume"], first["high"], first["low"]) == expected
    assert (
        first["open"]
        == fetch_all(database, "SELECT price::text FROM trades ORDER BY executed_at, id LIMIT 1")[
            0
        ][0]
    )
    assert sum(row["orders"] for row in results["daily"]) == 300


# -- TimescaleDB -----------------------------------------------------------------------------


@pytest.fixture
def timescale_server() -> dict[str, object]:
    url = os.environ.get("RTX_TIMESCALEDB_URL")
    if not url:
        pytest.skip("RTX_TIMESCALEDB_URL is not set: no TimescaleDB server to test against")
    parsed = urlparse(url)
    server = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "password": parsed.password or "",
    }
    with psycopg.connect(dbname="postgres", **server) as probe:  # type: ignore[arg-type]
        preload = probe.execute("SHOW shared_preload_libraries").fetchone()[0]
    if "timescaledb" not in preload:
        pytest.skip(f"the server at {url} does not preload timescaledb")
    return server


@pytest.fixture
def timescale_database(timescale_server: dict[str, object]) -> Iterator[str]:
    name = f"rtx_ts_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **timescale_server) as admin:  # type: ignore[arg-type]
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(dbname="postgres", autocommit=True, **timescale_server) as admin:  # type: ignore[arg-type]
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on(server: dict[str, object], extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "DB_HOST": str(server["host"]),
        "DB_PORT": str(server["port"]),
        "DB_USER": str(server["user"]),
        "DB_PASSWORD": str(server["password"]),
        **(extra or {}),
    }


WEEK_CHUNKS = ("trading", "0008_trade_chunks_of_a_week")
VERSION_SQL = "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
AGGREGATES_SQL = (
    "SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates "
    "ORDER BY 1"
)
# Real-time: rows not yet materialized are read from the hypertable.
AGGREGATES = [("order_history_days", False), ("trade_minutes", False)]


def edition(server: dict[str, object], database: str) -> str:
    """``timescale`` (Community) or ``apache``: set in the server's configuration only."""
    return str(ts_fetch(server, database, "SHOW timescaledb.license")[0][0])


def ts_fetch(server: dict[str, object], database: str, sql: str) -> list[tuple]:
    with psycopg.connect(dbname=database, autocommit=True, **server) as connection:  # type: ignore[arg-type]
        return connection.execute(sql).fetchall()


def ts_execute(server: dict[str, object], database: str, *statements: str) -> None:
    with psycopg.connect(dbname=database, autocommit=True, **server) as connection:  # type: ignore[arg-type]
        for statement in statements:
            connection.execute(statement)


@pytest.mark.timescaledb
def test_timescaledb_hypertables_keep_ids_unique_and_the_orm_working(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    result = rtx_migrate(timescale_database, "-up", env=on(timescale_server))
    assert result.returncode == 0, result.stderr
    assert "rtx.timescale" not in result.stderr
    assert ts_fetch(
        timescale_server,
        timescale_database,
        "SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1",
    ) == [("order_history",), ("trades",)]
    assert ts_fetch(
        timescale_server,
        timescale_database,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'trades_pkey'",
    ) == [("PRIMARY KEY (id, executed_at)",)]
    assert ts_fetch(
        timescale_server,
        timescale_database,
        "SELECT attidentity FROM pg_attribute "
        "WHERE attrelid = 'trades'::regclass AND attname = 'id'",
    ) == [("a",)]
    with psycopg.connect(
        dbname=timescale_database, autocommit=True, **timescale_server
    ) as connection:  # type: ignore[arg-type]
        connection.execute(SEED_TRADES)
        with pytest.raises(psycopg.errors.GeneratedAlways):
            connection.execute(
                "INSERT INTO trades (id, account_id, symbol, side, volume, price, trade_type) "
                "VALUES (1, 1, 'X', 'BUY', 1, 1, 'OPEN')"
            )
    orm = run_python(
        "import django; django.setup(); from trading.models import Trade; "
        "t = Trade.objects.order_by('id')[5]; print(Trade.objects.get(pk=t.pk).pk == t.pk, "
        "Trade.objects.filter(pk=t.pk).count())",
        env={
            **command_environment(timescale_database, "rtx.settings", on(timescale_server)),
            "PYTHONPATH": str(PROJECT_ROOT),
        },
    )
    assert orm.stdout.strip() == "True 1", orm.stderr
    status = json.loads(
        rtx_migrate(timescale_database, "-status", "-json", env=on(timescale_server)).stdout
    )
    assert status["timescaledb"]["in_use"] is True
    assert status["timescaledb"]["hypertables"] == ["order_history", "trades"]
    assert status["timescaledb"]["chunk_intervals"] == {
        "order_history": "7 days",
        "trades": "7 days",
    }
    assert "; hypertables: order_history (chunks of 7 days), trades (chunks of 7 days)\n" in (
        rtx_migrate(timescale_database, "-status", env=on(timescale_server)).stdout
    )


@pytest.mark.timescaledb
def test_timescaledb_time_buckets_equal_plain_postgresql(
    timescale_server: dict[str, object], timescale_database: str, database: str
) -> None:
    assert rtx_migrate(timescale_database, "-up", env=on(timescale_server)).returncode == 0
    assert rtx_migrate(database, "-up").returncode == 0
    ts_execute(timescale_server, timescale_database, SEED_TRADES)
    with connect(database) as connection:
        connection.execute(SEED_TRADES)
    on_timescale = selector_results(timescale_database, int(timescale_server["port"]))  # type: ignore[arg-type]
    on_plain = selector_results(database, int(os.environ.get("DB_PORT", "5432")))
    assert len(on_timescale["ohlcv"]) == 12
    assert on_timescale == on_plain
    kept = [] if edition(timescale_server, timescale_database) == "apache" else AGGREGATES
    assert ts_fetch(timescale_server, timescale_database, AGGREGATES_SQL) == kept


@pytest.mark.timescaledb
def test_timescaledb_down_restores_plain_tables_with_their_rows(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    env = on(timescale_server)
    assert rtx_migrate(timescale_database, "-version=3", env=env).returncode == 0
    with psycopg.connect(
        dbname=timescale_database, autocommit=True, **timescale_server
    ) as connection:  # type: ignore[arg-type]
        before = catalog(connection.cursor())
    assert rtx_migrate(timescale_database, "-up", env=env).returncode == 0
    ts_execute(timescale_server, timescale_database, SEED_TRADES)
    down = rtx_migrate(timescale_database, "-version=3", env=env)
    assert down.returncode == 0, down.stderr
    with psycopg.connect(
        dbname=timescale_database, autocommit=True, **timescale_server
    ) as connection:  # type: ignore[arg-type]
        after = catalog(connection.cursor())
        assert catalog_differences(before, after) == ["extension timescaledb: added"]
        assert connection.execute("SELECT count(*), max(id) FROM trades").fetchone() == (400, 400)
        new_id = connection.execute(
            "INSERT INTO trades (account_id, symbol, side, volume, price, trade_type) "
            "VALUES (1, 'X', 'BUY', 1, 1, 'OPEN') RETURNING id"
        ).fetchone()
        assert new_id == (401,)


def installed_later(server: dict[str, object], database: str, target: str):  # type: ignore[no-untyped-def]
    """Migrate to ``target`` with TimescaleDB switched off, add rows, then ``-convert``."""
    off = on(server, {"RTX_TIMESCALEDB": "off"})
    assert rtx_migrate(database, target, env=off).returncode == 0
    ts_execute(server, database, SEED_TRADES)
    return manage("rtx_timescale", "-convert", database=database, env=on(server))


@pytest.mark.timescaledb
def test_timescaledb_installed_later_converts_existing_tables(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    result = installed_later(timescale_server, timescale_database, "-up")
    assert result.returncode == 0, result.stderr
    # Version 15 is applied: the rows go into the chunks it set, a week each.
    assert "trades: hypertable on executed_at, chunks of 7 days, 400 rows kept (" in result.stdout
    assert ts_fetch(timescale_server, timescale_database, CHUNK_SPANS_SQL) == [
        ("order_history", "7 days"),
        ("trades", "7 days"),
    ]
    assert (
        "order_history: hypertable on order_time, chunks of 7 days, 300 rows kept ("
        in result.stdout
    )
    # Every row moved into the chunks: none is left in the parent table.
    assert ts_fetch(
        timescale_server,
        timescale_database,
        "SELECT (SELECT count(*) FROM trades), (SELECT count(*) FROM ONLY trades)",
    ) == [(400, 0)]
    if edition(timescale_server, timescale_database) != "apache":
        assert "trade_minutes: continuous aggregate of trades per 1 minute, refreshed every " in (
            result.stdout
        )
        assert ts_fetch(timescale_server, timescale_database, AGGREGATES_SQL) == AGGREGATES


CHUNK_SPANS_SQL = (
    "SELECT DISTINCT hypertable_name, (range_end - range_start)::text "
    "FROM timescaledb_information.chunks "
    "WHERE hypertable_name IN ('trades', 'order_history') ORDER BY 1"
)
TRADE_INTERVAL_SQL = (
    "SELECT time_interval::text FROM timescaledb_information.dimensions "
    "WHERE hypertable_name = 'trades'"
)
WEEK_OF_TRADES = """
INSERT INTO trades (account_id, symbol, side, volume, price, trade_type, executed_at)
SELECT 1, 'EURUSD', 'BUY', 1, 1.1, 'OPEN', TIMESTAMPTZ '{start}' + i * INTERVAL '1 hour'
FROM generate_series(0, 167) i
"""


@pytest.mark.timescaledb
def test_timescaledb_version_15_makes_new_trade_chunks_a_week_and_its_revert_a_day(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    env = on(timescale_server)
    assert rtx_migrate(timescale_database, "-version=14", env=env).returncode == 0
    assert ts_fetch(timescale_server, timescale_database, TRADE_INTERVAL_SQL) == [("1 day",)]
    ts_execute(
        timescale_server,
        timescale_database,
        SEED_TRADES,
        WEEK_OF_TRADES.format(start="2026-01-05 00:00:00+00"),
    )

    result = rtx_migrate(timescale_database, "-up", env=env)
    assert result.returncode == 0, result.stderr
    assert ts_fetch(timescale_server, timescale_database, TRADE_INTERVAL_SQL) == [("7 days",)]
    with psycopg.connect(dbname=timescale_database, autocommit=True, **timescale_server) as c:  # type: ignore[arg-type]
        # TimescaleDB's chunks start at multiples of their span from the Unix epoch, a
        # Thursday: this week of fills, from a Thursday, fits one weekly chunk.
        c.execute(WEEK_OF_TRADES.format(start="2026-06-04 00:00:00+00"))
        spans = c.execute(
            "SELECT range_start >= '2026-06-04', (range_end - range_start)::text, count(*) "
            "FROM timescaledb_information.chunks WHERE hypertable_name = 'trades' "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    # The chunks made before keep their day (3 for SEED_TRADES, 7 for the week of January).
    assert spans == [(False, "1 day", 3 + 7), (True, "7 days", 1)]
    assert ts_fetch(timescale_server, timescale_database, "SELECT count(*) FROM trades") == [
        (400 + 168 + 168,)
    ]

    down = rtx_migrate(timescale_database, "-version=14", env=env)
    assert down.returncode == 0, down.stderr
    assert ts_fetch(timescale_server, timescale_database, TRADE_INTERVAL_SQL) == [("1 day",)]
    status = json.loads(rtx_migrate(timescale_database, "-status", "-json", env=env).stdout)
    assert status["timescaledb"]["chunk_intervals"]["trades"] == "1 day"


@pytest.mark.timescaledb
def test_timescaledb_converted_at_version_14_makes_day_chunks_and_15_follows_with_it_off(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    converted = installed_later(timescale_server, timescale_database, "-version=14")
    assert converted.returncode == 0, converted.stderr
    assert "trades: hypertable on executed_at, chunks of 1 day, 400 rows kept (" in (
        converted.stdout
    )
    assert ts_fetch(timescale_server, timescale_database, CHUNK_SPANS_SQL) == [
        ("order_history", "7 days"),
        ("trades", "1 day"),
    ]
    # Switched off, version 15 still sizes the hypertable that trades already is, so that
    # the version recorded is what the catalog holds.
    off = on(timescale_server, {"RTX_TIMESCALEDB": "off"})
    result = rtx_migrate(timescale_database, "-up", env=off)
    assert result.returncode == 0, result.stderr
    assert "stay plain tables" not in result.stdout
    assert ts_fetch(timescale_server, timescale_database, TRADE_INTERVAL_SQL) == [("7 days",)]


@pytest.mark.timescaledb
def test_timescaledb_chunks_sized_by_hand_are_kept_by_version_15_both_ways(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    env = on(timescale_server)
    assert rtx_migrate(timescale_database, "-version=14", env=env).returncode == 0
    ts_execute(
        timescale_server,
        timescale_database,
        "SELECT set_chunk_time_interval('trades', INTERVAL '3 days')",
    )
    up = rtx_migrate(timescale_database, "-up", env=env)
    assert up.returncode == 0, up.stderr
    assert (
        "trades keeps its chunks of 3 days, sized by hand: only chunks of 1 day become 7 days here"
        in up.stdout
    )
    assert ts_fetch(timescale_server, timescale_database, TRADE_INTERVAL_SQL) == [("3 days",)]
    down = rtx_migrate(timescale_database, "-version=14", env=env)
    assert down.returncode == 0, down.stderr
    assert "only chunks of 7 days become 1 day here" in down.stdout
    assert ts_fetch(timescale_server, timescale_database, TRADE_INTERVAL_SQL) == [("3 days",)]


@pytest.mark.timescaledb
def test_timescaledb_policies_are_optional_and_removable(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    assert rtx_migrate(timescale_database, "-up", env=on(timescale_server)).returncode == 0
    if edition(timescale_server, timescale_database) == "apache":
        pytest.skip("the server runs TimescaleDB's Apache-2 edition, which has no policies")
    jobs = (
        "SELECT proc_name, hypertable_name FROM timescaledb_information.jobs "
        "WHERE proc_name IN ('policy_compression', 'policy_retention') ORDER BY 1"
    )
    configured = on(
        timescale_server,
        {"RTX_TRADES_COMPRESS_AFTER": "30 days", "RTX_ORDER_HISTORY_RETENTION": "400 days"},
    )
    result = manage("rtx_timescale", "-policies", database=timescale_database, env=configured)
    assert result.returncode == 0, result.stderr
    assert ts_fetch(timescale_server, timescale_database, jobs) == [
        ("policy_compression", "trades"),
        ("policy_retention", "order_history"),
    ]
    cleared = manage(
        "rtx_timescale", "-policies", database=timescale_database, env=on(timescale_server)
    )
    assert cleared.stdout.splitlines()[1:] == [
        "trades: no compression policy",
        "order_history: no retention policy",
    ]
    assert ts_fetch(timescale_server, timescale_database, jobs) == []


@pytest.mark.timescaledb
def test_timescaledb_apache_edition_refuses_configured_policies_and_changes_nothing(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    assert rtx_migrate(timescale_database, "-up", env=on(timescale_server)).returncode == 0
    if edition(timescale_server, timescale_database) != "apache":
        pytest.skip("the server runs TimescaleDB's Community edition (timescaledb.license)")
    status = manage(
        "rtx_timescale", "-status", database=timescale_database, env=on(timescale_server)
    )
    assert status.stdout.strip() == (
        "TimescaleDB: active (2.28.3, Apache-2 edition: no compression or retention policies);"
        " hypertables: order_history (chunks of 7 days), trades (chunks of 7 days)"
    ).replace("2.28.3", ts_fetch(timescale_server, timescale_database, VERSION_SQL)[0][0])
    cleared = manage(
        "rtx_timescale", "-policies", database=timescale_database, env=on(timescale_server)
    )
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.splitlines()[1:] == [
        "trades: no compression policy",
        "order_history: no retention policy",
    ]
    configured = on(
        timescale_server,
        {"RTX_TRADES_COMPRESS_AFTER": "30 days", "RTX_ORDER_HISTORY_RETENTION": "1 year"},
    )
    refused = manage("rtx_timescale", "-policies", database=timescale_database, env=configured)
    assert (refused.returncode, refused.stderr.strip()) == (
        2,
        "CommandError: RTX_TRADES_COMPRESS_AFTER and RTX_ORDER_HISTORY_RETENTION need"
        " TimescaleDB's Community"
        " edition; this server runs the Apache-2 edition (timescaledb.license = apache), which"
        " has no policies",
    )
    jobs = "SELECT count(*) FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL"
    assert ts_fetch(timescale_server, timescale_database, jobs) == [(0,)]


@pytest.mark.timescaledb
def test_timescaledb_everything_reverts_and_drift_sees_the_hypertables_as_promised(
    timescale_server: dict[str, object], timescale_database: str
) -> None:
    env = on(timescale_server)
    assert rtx_migrate(timescale_database, "-up", env=env).returncode == 0
    status = json.loads(rtx_migrate(timescale_database, "-status", "-json", env=env).stdout)
    assert (status["timescaledb"]["hypertables"], status["drift"]) == (
        ["order_history", "trades"],
        [],
    )
    ts_execute(
        timescale_server,
        timescale_database,
        "CREATE VIEW big_trades AS SELECT id, volume FROM trades WHERE volume > 100",
    )
    # The continuous aggregates and TimescaleDB's own views on the hypertables are ours;
    # another owner's view is not.
    refused = rtx_migrate(timescale_database, "-version=0", env=env)
    assert refused.returncode == 11
    assert refused.stderr.splitlines()[1:] == [
        "  view big_trades depends on table trades (detach: DROP VIEW big_trades)"
    ]
    ts_execute(timescale_server, timescale_database, "DROP VIEW big_trades")
    reverted = rtx_migrate(timescale_database, "-version=0", env=env)
    assert reverted.returncode == 0, reverted.stderr
    assert ts_fetch(
        timescale_server,
        timescale_database,
        "SELECT count(*) FROM pg_class WHERE relname IN ('trades', 'trade_minutes')",
    ) == [(0,)]
