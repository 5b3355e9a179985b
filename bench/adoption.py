"""What adopting a Go-built database costs: ``rtx_migrate`` on 1M trades and 1M order_history.

Usage::

    .venv/bin/python bench/adoption.py [--trades N] [--order-history N] [--keep]

The script creates a database of its own, ``rtx_bench_<pid>_adoption``, on the server that
DB_HOST, DB_PORT, DB_USER (and DB_PASSWORD) name (default postgres@127.0.0.1:5432), and
builds in it what the Go tool leaves behind: the 15 tables of
``rtx/migrator/go_initial_schema.sql`` and ``schema_migrations`` holding version 1. It fills
them on the server (``INSERT ... SELECT`` over ``generate_series``, with every index and
foreign key in place): a dozen trading groups, thousands of users and accounts, orders and
positions, the requested numbers of trades and order_history rows with timestamps spread
over a year, NULLs in the nullable columns, lower-case FIX statuses as the Go code wrote
them. Seeding is followed by ``VACUUM ANALYZE`` and a ``CHECKPOINT``, and is not measured.

Measured, each as the wall-clock time (``time.perf_counter``) of one ``manage.py rtx_migrate``
process, Python and Django start-up included:

- ``-status``: recognising the Go-built database;
- ``-up -dry-run``: the adoption plan (shape verification and value checks, read-only);
- ``-up``: the adoption (verification, conversion of the 15 tables, recording version 1)
  followed by every later version; its lines for tables that took a second or more
  ("converted trades: N rows in Xs") and for each version are kept;
- a second ``-up``: the no-op of an adopted, up-to-date database.

Then it checks that the 15 tables hold as many rows as before, that no ``timestamp without
time zone`` column is left in them, and that new trades and order_history rows get the id
after the highest one. The results block (headed by the date, command, PostgreSQL version
and settings, machine, TimescaleDB and statement timeout) is printed and written to
``bench/results/adoption.txt``, or ``adoption_timescaledb.txt`` on a server where
TimescaleDB is usable (version 4 then also converts trades and order_history). The
database is dropped at the end, failed or not, unless ``--keep`` is given. Any failed step
ends the script with one line on stderr and status 1.
"""

import argparse
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import psycopg
from common import (
    PROJECT_ROOT,
    BenchError,
    CommandRun,
    Server,
    bench_database_name,
    create_database,
    drop_database,
    environment_lines,
    run_manage,
    seconds_since,
    write_results,
)
from psycopg import sql

GO_SCHEMA = PROJECT_ROOT / "rtx" / "migrator" / "go_initial_schema.sql"
SCHEMA_MIGRATIONS_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
    "name VARCHAR(255) NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)
# Each rtx_migrate run is bounded; -up runs one statement at a time under
# RTX_STATEMENT_TIMEOUT (15 min), so an hour is far beyond any healthy run.
MIGRATE_TIMEOUT_SECONDS = 3600
SEED_STATEMENT_TIMEOUT = "30min"
PROGRESS_LINE = re.compile(
    r"^(?:\S+Z )?\s*(converted \S+: \d+ rows in [\d.]+s|Re-case .*|Version .* in [\d.]+s|Done: .*)$"
)
# Symbol and a typical price, so that prices have the magnitudes of the real instruments.
SYMBOLS = (
    ("EURUSD", "1.08"),
    ("GBPUSD", "1.27"),
    ("USDJPY", "150.2"),
    ("USDCHF", "0.88"),
    ("AUDUSD", "0.66"),
    ("USDCAD", "1.36"),
    ("NZDUSD", "0.61"),
    ("EURGBP", "0.85"),
    ("EURJPY", "162.4"),
    ("GBPJPY", "190.7"),
    ("EURCHF", "0.95"),
    ("AUDJPY", "99.1"),
    ("XAUUSD", "2310.5"),
    ("XAGUSD", "27.3"),
    ("BTCUSD", "65120"),
    ("ETHUSD", "3210.4"),
    ("US30", "39012"),
    ("US500", "5204.3"),
    ("NAS100", "18110.6"),
    ("GER40", "18050.2"),
    ("UK100", "8012.7"),
    ("JPN225", "38100"),
    ("USOIL", "78.4"),
    ("UKOIL", "82.1"),
)
# Timestamps are spread over this year.
YEAR_START = "2025-03-01 00:00:00"


@dataclass(frozen=True)
class Sizes:
    """How many rows each table gets."""

    trades: int
    order_history: int
    orders: int
    positions: int
    trading_groups: int = 12
    users: int = 6_000
    accounts: int = 9_000
    admin_users: int = 25
    admin_audit_log: int = 20_000
    risk_alerts: int = 10_000
    liquidation_events: int = 1_000
    fix_credentials: int = 500
    fix_sessions: int = 2_000


@dataclass(frozen=True)
class MigrateRun:
    """One timed ``manage.py rtx_migrate`` process, with what it stood for."""

    label: str
    run: CommandRun

    @property
    def flags(self) -> str:
        """Its arguments after ``rtx_migrate``, e.g. ``-up -dry-run``."""
        return " ".join(self.run.arguments[1:])

    def progress(self) -> list[str]:
        """rtx_migrate's per-table, per-version and re-casing lines, without timestamps."""
        found = (PROGRESS_LINE.match(line) for line in self.run.stdout.splitlines())
        return [match.group(1) for match in found if match]

    def converted(self) -> list[str]:
        """The Go tool's tables this run converted, from its ``converting <table>`` lines.

        A ``converted`` line, with its time, comes only for a table that took a second or more.
        """
        return re.findall(r"converting (\w+): [\d,]+ rows$", self.run.stdout, re.MULTILINE)


@dataclass
class Results:
    """Everything the results block reports."""

    timescaledb: str = "unknown"
    seeding: list[tuple[str, int, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    runs: list[MigrateRun] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    adoption_ms: int | None = None


def legacy_tables() -> tuple[str, ...]:
    """The Go tool's tables, in the order its schema file creates them."""
    tables = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", GO_SCHEMA.read_text()))
    if len(tables) != 15:
        raise BenchError(f"expected 15 tables in {GO_SCHEMA.name}, found {len(tables)}")
    return tables


SYMBOL_ARRAY = "ARRAY[" + ", ".join(f"'{symbol}'" for symbol, _ in SYMBOLS) + "]"
PRICE_ARRAY = "ARRAY[" + ", ".join(price for _, price in SYMBOLS) + "]::numeric[]"


def seed_statements(sizes: Sizes) -> dict[str, str]:
    """The SELECT that fills each legacy table, by table name (its INSERT: :func:`insert`).

    Each statement numbers its rows ``g`` (``generate_series``) with ``k``, a symbol number
    (1-based), and ``t``, an instant of the year that grows with ``g`` (``ordered(n)``) or
    one at random (``year``); ``symbol`` is that symbol's name and ``price`` a price near
    its typical one.
    """

    def price_of(k: str) -> str:
        return f"round(({PRICE_ARRAY})[{k}] * (0.9 + 0.2 * random())::numeric, 5)"

    symbol = f"({SYMBOL_ARRAY})[k]"
    price = price_of("k")
    year = f"(TIMESTAMP '{YEAR_START}' + random() * INTERVAL '365 days')"

    def ordered(total: int) -> str:
        return f"(TIMESTAMP '{YEAR_START}' + (g - random()) * INTERVAL '365 days' / {total})"

    def series(total: int, *extra: str, t: str | None = None) -> str:
        numbered = ("g", f"1 + mod(g, {len(SYMBOLS)}) AS k", f"{t or ordered(total)} AS t")
        columns = ", ".join((*numbered, *extra))
        return f"(SELECT {columns} FROM generate_series(1, {total}) AS g) AS s"

    z = sizes
    return {
        "trading_groups": f"""SELECT CASE WHEN g = 1 THEN 'default' ELSE 'group-' || g END,
                CASE WHEN mod(g, 3) = 0 THEN NULL ELSE 'Trading group ' || g END,
                (ARRAY['BBOOK', 'ABOOK', 'HYBRID'])[1 + mod(g, 3)],
                round((random() * 2)::numeric, 5), round((random() * 10)::numeric, 2),
                (ARRAY[100, 200, 500, 1000])[1 + mod(g, 4)], 10000,
                (ARRAY['HEDGING', 'NETTING'])[1 + mod(g, 2)], 'ACTIVE', t, t,
                CASE WHEN mod(g, 2) = 0 THEN NULL ELSE 'SYSTEM' END
            FROM {series(z.trading_groups, t=year)}""",
        "users": f"""SELECT 'trader' || g, 'trader' || g || '@example.com',
                '$2a$10$' || md5(g::text) || 'abcdefghijklmnopqrstu',
                CASE WHEN mod(g, 7) = 0 THEN NULL ELSE 'Trader ' || g END,
                CASE WHEN mod(g, 50) = 0 THEN NULL ELSE 1 + mod(g, {z.trading_groups}) END,
                (ARRAY['ACTIVE', 'ACTIVE', 'ACTIVE', 'SUSPENDED', 'CLOSED'])[1 + mod(g, 5)],
                mod(g, 4), t, t + random() * INTERVAL '30 days',
                CASE WHEN mod(g, 5) = 0 THEN NULL ELSE t + random() * INTERVAL '60 days' END
            FROM {series(z.users)}""",
        "accounts": f"""SELECT 1 + mod(g - 1, {z.users}), 'ACC-' || lpad(g::text, 8, '0'),
                CASE WHEN mod(g, 3) = 0 THEN 'DEMO' ELSE 'LIVE' END,
                (ARRAY['USD', 'EUR', 'GBP', 'JPY'])[1 + mod(g, 4)],
                b, b + e, m, b + e - m,
                CASE WHEN mod(g, 4) = 0 THEN NULL ELSE round((b + e) / m * 100, 2) END,
                (ARRAY[50, 100, 200, 500])[1 + mod(g, 4)],
                CASE WHEN mod(g, 10) = 0 THEN NULL ELSE 0 END, b + abs(e),
                CASE WHEN mod(g, 40) = 0 THEN 'SUSPENDED' ELSE 'ACTIVE' END,
                t, t + random() * INTERVAL '90 days'
            FROM {
            series(
                z.accounts,
                "round((1000 + random() * 100000)::numeric, 5) AS b",
                "round(((random() - 0.5) * 2000)::numeric, 5) AS e",
                "round((100 + random() * 5000)::numeric, 5) AS m",
            )
        }""",
        "positions": f"""SELECT 1 + mod(g - 1, {z.accounts}), {symbol},
                CASE WHEN mod(g, 2) = 0 THEN 'BUY' ELSE 'SELL' END,
                round((0.01 + random() * 10)::numeric, 2), p,
                CASE WHEN closed THEN NULL ELSE round(p * 1.001, 10) END,
                CASE WHEN closed THEN 0 ELSE round(((random() - 0.5) * 500)::numeric, 5) END,
                CASE WHEN closed THEN round(((random() - 0.5) * 500)::numeric, 5) ELSE 0 END,
                CASE WHEN mod(g, 9) = 0 THEN NULL ELSE round((random() * -3)::numeric, 5) END,
                round((random() * 7)::numeric, 5),
                CASE WHEN mod(g, 3) = 0 THEN round(p * 0.98, 10) END,
                CASE WHEN mod(g, 4) = 0 THEN round(p * 1.02, 10) END,
                t, CASE WHEN closed THEN t + random() * INTERVAL '3 days' END,
                CASE WHEN closed THEN round(p * (0.99 + 0.02 * random())::numeric, 10) END,
                CASE WHEN closed THEN 'CLOSED' ELSE 'OPEN' END,
                CASE WHEN mod(g, 3) = 0 THEN g END,
                CASE WHEN mod(g, 20) = 0 THEN 'EA "scalper" #' || mod(g, 7) END
            FROM {
            series(
                z.positions,
                "mod(g, 5) <> 0 AS closed",
                f"{price_of(f'1 + mod(g, {len(SYMBOLS)})')} AS p",
            )
        }""",
        "orders": f"""SELECT 1 + mod(g - 1, {z.accounts}),
                CASE WHEN mod(g, 10) = 0 THEN NULL ELSE 'cli-' || g END,
                CASE WHEN mode = 'ABOOK' THEN 'lp-' || g END, {symbol},
                CASE WHEN mod(g, 2) = 0 THEN 'BUY' ELSE 'SELL' END,
                (ARRAY['MARKET', 'MARKET', 'MARKET', 'LIMIT', 'STOP'])[1 + mod(g, 5)],
                round((0.01 + random() * 10)::numeric, 2),
                CASE WHEN mod(g, 5) < 3 THEN NULL ELSE {price} END,
                NULL, NULL, mode, CASE WHEN mode = 'ABOOK' THEN 'LMAX' END, state,
                CASE WHEN state = 'REJECTED' THEN 'price moved; "slippage"' END,
                t, t + random() * INTERVAL '2 seconds',
                CASE WHEN state = 'FILLED' THEN t + random() * INTERVAL '1 second' END,
                CASE WHEN mod(g, 3) = 0 THEN g END, NULL
            FROM {
            series(
                z.orders,
                "(ARRAY['BBOOK', 'BBOOK', 'ABOOK', 'HYBRID', NULL])[1 + mod(g, 5)] AS mode",
                "(ARRAY['FILLED', 'FILLED', 'FILLED', 'FILLED', 'FILLED', 'FILLED', "
                "'REJECTED', 'CANCELLED', 'PENDING'])[1 + mod(g, 9)] AS state",
            )
        }""",
        "trades": f"""SELECT CASE WHEN mod(g, 10) = 0 THEN NULL ELSE o END,
                CASE WHEN mod(g, 4) = 0 THEN NULL ELSE 1 + mod(g - 1, {z.positions}) END,
                1 + mod(o - 1, {z.accounts}), {symbol},
                CASE WHEN mod(g, 2) = 0 THEN 'BUY' ELSE 'SELL' END,
                round((0.01 + random() * 10)::numeric, 2), {price},
                CASE WHEN mod(g, 8) = 0 THEN NULL ELSE round((random() * 7)::numeric, 5) END,
                CASE WHEN mod(g, 8) = 0 THEN NULL ELSE 0 END,
                CASE WHEN closing THEN round(((random() - 0.5) * 800)::numeric, 5) ELSE 0 END,
                CASE WHEN closing THEN 'CLOSE' ELSE 'OPEN' END,
                (ARRAY['BBOOK', 'BBOOK', 'ABOOK', 'HYBRID', NULL])[1 + mod(g, 5)],
                CASE WHEN mod(g, 5) = 2 THEN 'LMAX' END, t,
                CASE WHEN mod(g, 3) = 0 THEN g END,
                CASE WHEN mod(g, 50) = 0 THEN 'partial fill ' || mod(g, 13) END
            FROM {
            series(z.trades, f"1 + mod(g - 1, {z.orders}) AS o", "mod(g, 2) = 0 AS closing")
        }""",
        "admin_users": f"""SELECT 'admin' || g, 'admin' || g || '@example.com',
                '$2b$10$' || md5(g::text) || 'abcdefghijklmnopqrstu',
                (ARRAY['super_admin', 'admin', 'support', 'support'])[1 + mod(g, 4)],
                CASE WHEN mod(g, 3) = 0 THEN ARRAY['10.0.0.0/8', '192.0.2.' || g] END,
                (ARRAY['ACTIVE', 'ACTIVE', 'ACTIVE', 'DISABLED', 'SUSPENDED'])[1 + mod(g, 5)],
                t, t, CASE WHEN mod(g, 4) = 0 THEN NULL ELSE t + INTERVAL '3 days' END,
                CASE WHEN g = 1 THEN NULL ELSE 'admin1' END
            FROM {series(z.admin_users)}""",
        "admin_audit_log": f"""SELECT
                CASE WHEN failed THEN NULL ELSE 1 + mod(g, {z.admin_users}) END,
                CASE WHEN failed THEN 'ghost' ELSE 'admin' || (1 + mod(g, {z.admin_users})) END,
                CASE WHEN failed THEN 'login_failed'
                    ELSE (ARRAY['update', 'create', 'login', 'adjust_balance'])[1 + mod(g, 4)]
                END,
                (ARRAY['accounts', 'users', 'admin_session', 'trading_groups'])[1 + mod(g, 4)],
                CASE WHEN failed THEN NULL ELSE 1 + mod(g, {z.accounts}) END,
                CASE WHEN mod(g, 6) = 0 THEN NULL ELSE jsonb_build_object(
                    'changes', jsonb_build_object('balance', jsonb_build_object(
                        'before', round((random() * 10000)::numeric, 5)::text,
                        'after', round((random() * 10000)::numeric, 5)::text)),
                    'note', 'ticket "#' || g || '" (ünï)') END,
                CASE WHEN mod(g, 3) = 0 THEN 'customer request' END,
                '192.0.2.' || mod(g, 250), 'Mozilla/5.0 (X11; Linux x86_64)',
                CASE WHEN failed THEN 'FAILED' ELSE 'SUCCESS' END,
                CASE WHEN failed THEN 'wrong password' END, t
            FROM {series(z.admin_audit_log, "mod(g, 25) = 0 AS failed")}""",
        "risk_alerts": f"""SELECT 'alert-' || g,
                CASE WHEN mod(g, 20) = 0 THEN NULL ELSE 1 + mod(g, {z.accounts}) END,
                (ARRAY['MARGIN_CALL', 'EXPOSURE', 'STOP_OUT', 'LARGE_LOSS'])[1 + mod(g, 4)],
                (ARRAY['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[1 + mod(g, 4)],
                'margin level ' || round((random() * 100)::numeric, 2) || '%',
                CASE WHEN mod(g, 7) = 0 THEN NULL ELSE mod(g, 2) = 0 END,
                CASE WHEN mod(g, 2) = 0 THEN t + INTERVAL '15 minutes' END,
                CASE WHEN mod(g, 2) = 0 THEN 'admin' || (1 + mod(g, {z.admin_users})) END, t
            FROM {series(z.risk_alerts)}""",
        "liquidation_events": f"""SELECT 'liq-' || g, 1 + mod(g, {z.accounts}),
                CASE WHEN mod(g, 10) = 0 THEN 'manual' ELSE 'margin level below 50%' END,
                CASE WHEN mod(g, 10) = 0 THEN NULL ELSE round((random() * 50)::numeric, 2) END,
                CASE WHEN mod(g, 10) = 0 THEN NULL ELSE jsonb_build_array(
                    jsonb_build_object('id', g, 'symbol', {symbol})) END,
                round(((random() - 0.8) * 5000)::numeric, 5),
                CASE WHEN mod(g, 3) = 0 THEN NULL ELSE round((random() / 100)::numeric, 5) END, t
            FROM {series(z.liquidation_events)}""",
        "fix_credentials": f"""SELECT g::text, 'RTX' || lpad(g::text, 6, '0'),
                decode(md5(g::text), 'hex'),
                (ARRAY['basic', 'standard', 'premium', 'unlimited'])[1 + mod(g, 4)],
                1 + mod(g, 3), CASE WHEN mod(g, 2) = 0 THEN ARRAY['198.51.100.' || mod(g, 250)] END,
                CASE WHEN mod(g, 5) = 0 THEN t + INTERVAL '365 days' END,
                (ARRAY['active', 'active', 'ACTIVE', 'suspended', 'revoked', 'expired'])[
                    1 + mod(g, 6)],
                t, t, CASE WHEN mod(g, 3) = 0 THEN NULL ELSE t + INTERVAL '1 day' END
            FROM {series(z.fix_credentials)}""",
        "fix_sessions": f"""SELECT 'FIX-' || g, u::text, 'RTX' || lpad(u::text, 6, '0'),
                CASE WHEN mod(g, 8) = 0 THEN NULL ELSE '198.51.100.' || mod(g, 250) END,
                t, t + random() * INTERVAL '8 hours', (random() * 100000)::bigint,
                CASE WHEN mod(g, 6) = 0 THEN NULL ELSE (random() * 1000)::bigint END,
                CASE WHEN mod(g, 10) = 0 THEN 'ACTIVE' ELSE 'CLOSED' END
            FROM {series(z.fix_sessions, f"1 + mod(g, {z.fix_credentials}) AS u")}""",
        "group_symbol_settings": f"""SELECT tg.id, symbols.name, mod(tg.id + symbols.n, 9) <> 0,
                CASE WHEN mod(symbols.n, 4) = 0 THEN NULL ELSE round((random() * 2)::numeric, 5)
                END,
                CASE WHEN mod(symbols.n, 3) = 0 THEN NULL ELSE round((random() * 7)::numeric, 2)
                END,
                0.01, CASE WHEN mod(symbols.n, 5) = 0 THEN NULL ELSE 100 END, 0.01
            FROM trading_groups AS tg
            CROSS JOIN unnest({SYMBOL_ARRAY}) WITH ORDINALITY AS symbols(name, n)""",
        "order_history": f"""SELECT 1 + mod(g - 1, {z.accounts}), {symbol},
                CASE WHEN mod(g, 2) = 0 THEN 'BUY' ELSE 'SELL' END,
                round((0.01 + random() * 10)::numeric, 2), {price}, t
            FROM {series(z.order_history)}""",
        "symbol_correlations": f"""SELECT a.name, b.name,
                round((random() * 2 - 1)::numeric, 4), {year}
            FROM unnest({SYMBOL_ARRAY}) AS a(name)
            CROSS JOIN unnest({SYMBOL_ARRAY}) AS b(name)
            WHERE a.name <> b.name""",
    }


def run_sql(connection: psycopg.Connection[Any], statement: str) -> int:
    """Run one statement without parameters (so ``%`` is literal); its row count."""
    return connection.execute(statement).rowcount


def insert(connection: psycopg.Connection[Any], table: str, select: str) -> str:
    """``INSERT ... SELECT`` into every column of ``table`` but its serial id, in their order."""
    columns = connection.execute(
        "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position)"
        " FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = %s AND coalesce(column_default, '') NOT LIKE 'nextval(%%'",
        [table],
    ).fetchone()[0]  # type: ignore[index]
    return f"INSERT INTO {table} ({columns}) {select}"


def build_go_database(server: Server, database: str, sizes: Sizes, results: Results) -> None:
    """The Go tool's tables and schema_migrations row, filled on the server."""
    with server.connect(database) as connection:
        run_sql(connection, GO_SCHEMA.read_text())
        run_sql(connection, SCHEMA_MIGRATIONS_SQL)
        run_sql(
            connection, "INSERT INTO schema_migrations (version, name) VALUES (1, 'initial_schema')"
        )
        run_sql(connection, f"SET statement_timeout = '{SEED_STATEMENT_TIMEOUT}'")
        run_sql(connection, "SET synchronous_commit = off")
        run_sql(connection, "SELECT setseed(0.42)")
        statements = seed_statements(sizes)
        for table in legacy_tables():
            started = time.perf_counter()
            rows = run_sql(connection, insert(connection, table, statements[table]))
            seconds = seconds_since(started)
            results.seeding.append((table, rows, seconds))
            print(f"seeded {table}: {rows:,} rows in {seconds:.1f}s", flush=True)
        started = time.perf_counter()
        run_sql(connection, "VACUUM ANALYZE")
        run_sql(connection, "CHECKPOINT")
        seconds = seconds_since(started)
        results.seeding.append(("(VACUUM ANALYZE, CHECKPOINT)", 0, seconds))
        print(f"vacuumed, analyzed and checkpointed in {seconds:.1f}s", flush=True)


def row_counts(server: Server, database: str) -> dict[str, int]:
    with server.connect(database) as connection:
        return {
            table: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]  # type: ignore[index]
            for table in legacy_tables()
        }


def rtx_migrate(
    server: Server, database: str, label: str, *arguments: str, expect: str
) -> MigrateRun:
    """Time one ``manage.py rtx_migrate`` process; it must succeed and print ``expect``."""
    print(f"rtx_migrate {' '.join(arguments)} ({label}) ...", flush=True)
    done = MigrateRun(
        label,
        run_manage(server, database, "rtx_migrate", *arguments, timeout=MIGRATE_TIMEOUT_SECONDS),
    )
    if expect not in done.run.stdout:
        raise BenchError(f"rtx_migrate {done.flags} did not print {expect!r}")
    for line in done.progress():
        print(f"  {line}", flush=True)
    print(f"  {done.run.seconds:.2f}s", flush=True)
    return done


def verify(server: Server, database: str, results: Results) -> None:
    """Row counts unchanged, no naive timestamp left, ids continuing after the highest."""
    after = row_counts(server, database)
    changed = [
        f"{table} {results.counts[table]} -> {after[table]}"
        for table in after
        if after[table] != results.counts[table]
    ]
    if changed:
        raise BenchError(f"row counts changed by adoption: {', '.join(changed)}")
    results.checks.append("row counts of the 15 tables unchanged by adoption: yes")
    with server.connect(database) as connection:
        naive = connection.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ANY(%s) "
            "AND data_type = 'timestamp without time zone'",
            [list(legacy_tables())],
        ).fetchone()[0]  # type: ignore[index]
        if naive:
            raise BenchError(f"{naive} timestamp without time zone column(s) left")
        results.checks.append("timestamp without time zone columns left: 0")
        recorded = connection.execute(
            "SELECT duration_ms, applied_with FROM schema_migrations WHERE version = 1"
        ).fetchone()
        if recorded is None or recorded[1] != "adoption":
            raise BenchError(f"schema_migrations does not record version 1 as adopted: {recorded}")
        results.adoption_ms = recorded[0]
        results.checks.append("schema_migrations version 1: applied_with = adoption")
        inserts = {
            "trades": "INSERT INTO trades (account_id, symbol, side, volume, price, trade_type) "
            "VALUES (1, 'EURUSD', 'BUY', 1, 1.1, 'OPEN') RETURNING id",
            "order_history": "INSERT INTO order_history (account_id, symbol, side, volume, "
            "price) VALUES (1, 'EURUSD', 'BUY', 1, 1.1) RETURNING id",
        }
        for table, insert in inserts.items():
            highest = connection.execute(
                sql.SQL("SELECT max(id) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]  # type: ignore[index]
            new_id = connection.execute(insert).fetchone()[0]  # type: ignore[index]
            if new_id != highest + 1:
                raise BenchError(f"new {table} row got id {new_id}, expected {highest + 1}")
            results.checks.append(f"next {table} id: {new_id} (highest was {highest})")


def report_body(results: Results) -> list[str]:
    """The results block below its header."""
    lines = ["Rows in the 15 tables (the same before and after adoption):"]
    lines += [f"  {table:<22}{count:>12,}" for table, count in results.counts.items()]
    lines.append(f"  {'total':<22}{sum(results.counts.values()):>12,}")
    seeding = sum(seconds for _, _, seconds in results.seeding)
    lines += [
        f"Seeding (not part of the adoption): {seeding:.1f}s, VACUUM ANALYZE and CHECKPOINT "
        "included",
        "",
        "Timings (wall clock of one `manage.py rtx_migrate` process, start-up included):",
    ]
    for run in results.runs:
        lines.append(f"  {run.flags:<14}{run.label:<42}{run.run.seconds:>8.2f}s")
        if run.converted() and results.adoption_ms is not None:
            label = "of which version 1's adoption transaction"
            lines.append(f"  {'':<14}{label:<42}{results.adoption_ms / 1000:>8.2f}s")
    for run in results.runs:
        progress = run.progress()
        if progress:
            lines += ["", f"rtx_migrate {run.flags} ({run.label}) printed:"]
            lines += [f"  {line}" for line in progress]
    lines += ["", "Checks after adoption:"]
    lines += [f"  {check}" for check in results.checks]
    return lines


def benchmark(server: Server, database: str, sizes: Sizes, results: Results) -> None:
    """Seed ``database`` (created empty), time the four runs, verify, write the results."""
    print(f"Database {database}: building the Go tool's schema and seeding it", flush=True)
    build_go_database(server, database, sizes, results)
    results.counts = row_counts(server, database)
    status = rtx_migrate(
        server, database, "recognition", "-status", expect="Built by the Go migration tool"
    )
    results.runs.append(status)
    found = re.search(r"^TimescaleDB: (.*)$", status.run.stdout, re.MULTILINE)
    results.timescaledb = found.group(1) if found else "unknown"
    results.runs.append(
        rtx_migrate(
            server, database, "plan", "-up", "-dry-run", expect="Adoption of this Go-built database"
        )
    )
    adoption = rtx_migrate(
        server, database, "adoption, then versions 2 to latest", "-up", expect="Done:"
    )
    converted = adoption.converted()
    if len(converted) != len(legacy_tables()):
        raise BenchError(f"rtx_migrate -up reported {len(converted)} converted tables, not 15")
    results.runs.append(adoption)
    results.runs.append(
        rtx_migrate(server, database, "again: nothing to do", "-up", expect="Nothing to do")
    )
    verify(server, database, results)
    statement_timeout = os.environ.get("RTX_STATEMENT_TIMEOUT", "15min")
    write_results(
        "adoption" if results.timescaledb.startswith("not in use") else "adoption_timescaledb",
        "rtx-schema: adopting a Go-built database (bench/adoption.py)",
        [
            *environment_lines(server, database),
            f"TimescaleDB: {results.timescaledb}",
            f"Timeouts:    RTX_STATEMENT_TIMEOUT {statement_timeout} per statement",
        ],
        report_body(results),
    )


def positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of rows, got {text!r}")
    return value


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure rtx_migrate's adoption of a Go-built database of a given size."
    )
    parser.add_argument("--trades", type=positive, default=1_000_000, help="default 1,000,000")
    parser.add_argument(
        "--order-history", type=positive, default=1_000_000, help="default 1,000,000"
    )
    parser.add_argument(
        "--orders", type=positive, help="default: half the trades (each trade has an order)"
    )
    parser.add_argument("--positions", type=positive, help="default: a fifth of the trades")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards (its name is printed)"
    )
    return parser.parse_args(argv)


def interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT and SIGTERM end the run through the ``finally`` that drops the database."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)
    sizes = Sizes(
        trades=options.trades,
        order_history=options.order_history,
        orders=options.orders or max(1, options.trades // 2),
        positions=options.positions or max(1, options.trades // 5),
    )
    server = Server.from_environment()
    database = bench_database_name("adoption")
    created = False
    try:
        create_database(server, database)
        created = True
        benchmark(server, database, sizes, Results())
    except (BenchError, psycopg.Error, OSError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"bench/adoption.py: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench/adoption.py: interrupted", file=sys.stderr)
        return 130
    finally:
        if created and options.keep:
            print(f"Kept database {database}", file=sys.stderr)
        elif created:
            try:
                drop_database(server, database)
            except psycopg.Error as error:
                print(f"bench/adoption.py: could not drop {database}: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
