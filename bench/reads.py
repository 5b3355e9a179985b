"""Plans and latency of every read pattern of the services' selectors, ORM against SQL.

Usage::

    .venv/bin/python bench/reads.py [--runs 1000] [--scale 1.0] [--database NAME] [--keep]

Without ``--database`` it creates ``rtx_bench_<pid>``, applies the schema, seeds it at
``--scale`` (bench/seed.py) and drops it at the end unless ``--keep``; with ``--database``
it reads that (seeded) database and changes nothing.

For each pattern (a selector of trading, risk or adminpanel with realistic arguments):

1. **Plan.** The selector runs once under Django's query capture; each SQL statement it
   sent (with its parameters, exactly as sent) is EXPLAINed (FORMAT JSON). Reported: the
   plan's nodes with their index names and the filters applied after the index (rows read
   and dropped); a Seq Scan on a table of more than 10,000 rows (by
   ``pg_class.reltuples``) is flagged.
2. **Latency.** ``--runs`` calls (after 20 warm-up calls) with arguments drawn from the
   data (real account ids, symbols, busy hours and days), through the ORM (the selector,
   its rows as model instances, at most 100 where it returns a list) and through
   hand-written SQL on a plain psycopg connection that sends the same statements and
   fetches the same rows as tuples. Each argument is first read once by SQL, timed apart
   as the *first read*: it pays the page reads into shared buffers that would otherwise
   fall on whichever side went first. Then ORM and SQL are timed on the same warm pages,
   alternately, each going first half the time. Reported: p50 and p99 in milliseconds of
   each, the ratio of the p99s (ORM / SQL), i.e. what the ORM costs on top of the
   database round trips, and the p99 of the first reads.
3. **Same rows.** For the first arguments the ORM's rows and the SQL's rows are compared.

Targets on the reference machine: p99 <= 5 ms (ORM and SQL) and an ORM/SQL p99 ratio
<= 1.5, with no flagged Seq Scan. Each pattern is marked PASS or FAIL (with the reason);
a miss never fails the process: this measures, it does not test. Results go to
``bench/results/reads.txt``.
"""

import argparse
import dataclasses
import gc
import json
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from textwrap import shorten
from typing import Any

import psycopg
from common import (
    BenchError,
    Latency,
    Server,
    add_database_arguments,
    bench_database,
    environment_lines,
    say,
    setup_django,
    write_results,
)
from psycopg import sql
from seed import add_seed_arguments, seed_database
from seed import write_report as write_seed_report

TARGET_P99_MS = 5.0
TARGET_RATIO = 1.5
BIG_TABLE_ROWS = 10_000
WARMUP_RUNS = 20
PAGE = 100  # the limit given to a selector that returns a list
BUSY_SYMBOLS = 3
DEEP_ACCOUNTS = 20
SAMPLE_ATTEMPTS = 20
TIME_BUCKET_ORIGIN = "2000-01-03 00:00:00+00"
FILTER_WIDTH = 90

# Hand-written column lists, in the tables' order.
POSITION_COLUMNS = (
    "id, account_id, symbol, side, volume, open_price, current_price, unrealized_pnl, "
    "realized_pnl, swap, commission, stop_loss, take_profit, open_time, close_time, "
    "close_price, status, magic_number, comment"
)
ORDER_COLUMNS = (
    "id, account_id, client_order_id, lp_order_id, symbol, side, order_type, volume, price, "
    "stop_loss, take_profit, execution_mode, selected_lp, status, reject_reason, created_at, "
    "updated_at, executed_at, magic_number, comment"
)
TRADE_COLUMNS = (
    "id, order_id, position_id, account_id, symbol, side, volume, price, commission, swap, "
    "pnl, trade_type, execution_mode, lp_name, executed_at, magic_number, comment"
)
ORDER_HISTORY_COLUMNS = "id, account_id, symbol, side, volume, price, order_time"
RISK_ALERT_COLUMNS = (
    "id, account_id, alert_type, severity, message, acknowledged, acknowledged_at, "
    "acknowledged_by, created_at"
)
LIQUIDATION_COLUMNS = (
    "id, account_id, trigger_reason, margin_level_before, positions_closed, total_pnl, "
    "slippage, executed_at"
)
CORRELATION_COLUMNS = "symbol1, symbol2, correlation, calculated_at"
AUDIT_COLUMNS = (
    "id, admin_id, admin_username, action, resource_type, resource_id, details, reason, "
    "ip_address, user_agent, status, error_message, created_at"
)

Rows = list[tuple[Any, ...]]
Cursor = psycopg.Cursor[Any]


@dataclass(frozen=True)
class Pattern:
    """A read pattern: the selector call, the same reads in SQL, and their arguments."""

    name: str
    note: str
    orm: Callable[[Any], Any]  # arguments -> the selector's materialised result
    orm_rows: Callable[[Any], Rows]  # that result -> comparable tuples
    sql: Callable[[Cursor, Any], Rows]  # cursor, arguments -> the same rows
    arguments: list[Any]
    extra: bool = False  # beyond the list: reported, not counted against the targets


@dataclass(frozen=True)
class Plan:
    """The EXPLAIN of one statement a selector sent."""

    nodes: list[str]
    seq_scans: list[str]  # tables over BIG_TABLE_ROWS read by a Seq Scan


@dataclass(frozen=True)
class Measurement:
    pattern: Pattern
    plans: list[Plan]
    orm: Latency
    sql: Latency
    first: Latency  # the SQL read of each argument before the timed pair
    rows: float  # rows per call, on average
    same_rows: bool

    @property
    def ratio(self) -> float:
        return self.orm.p99 / self.sql.p99 if self.sql.p99 else float("inf")

    def misses(self) -> list[str]:
        found = []
        if self.orm.p99 > TARGET_P99_MS or self.sql.p99 > TARGET_P99_MS:
            found.append(f"p99 > {TARGET_P99_MS:g} ms")
        if self.ratio > TARGET_RATIO:
            found.append(f"ratio > {TARGET_RATIO:g}")
        if any(plan.seq_scans for plan in self.plans):
            found.append("Seq Scan on a big table")
        if not self.same_rows:
            found.append("ORM and SQL rows differ")
        return found


# --- rows of the two sides -----------------------------------------------------------


def model_rows(objects: Sequence[Any]) -> Rows:
    """Model instances as tuples of their column values, in the table's column order."""
    return [tuple(getattr(o, f.attname) for f in o._meta.concrete_fields) for o in objects]


def dict_rows(rows: Sequence[dict[str, Any]]) -> Rows:
    return [tuple(r.values()) for r in rows]


def fetch(cur: Cursor, query: Any, params: Sequence[Any] = ()) -> Rows:
    """Run a hand-written statement and fetch its rows as tuples."""
    cur.execute(query, params)
    return cur.fetchall()


def day_of(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def hour_of(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


def month_before(moment: datetime) -> tuple[datetime, datetime]:
    """The 30 days up to the end of the moment's day."""
    end = day_of(moment)[1]
    return end - timedelta(days=30), end


# --- arguments drawn from the data ---------------------------------------------------


class Sampler:
    """Draws realistic arguments from the seeded rows, deterministically."""

    def __init__(self, cur: Cursor, rng: random.Random, runs: int) -> None:
        self.cur = cur
        self.rng = rng
        self.runs = runs

    def column(self, query: Any, params: Sequence[Any] = ()) -> list[Any]:
        values = [r[0] for r in fetch(self.cur, query, params)]
        if not values:
            raise BenchError(f"no rows for arguments: {query}")
        return values

    def choices(self, values: Sequence[Any]) -> list[Any]:
        return [self.rng.choice(values) for _ in range(self.runs)]

    def random_rows(self, table: str, columns: str, where: str = "TRUE") -> Rows:
        """``runs`` rows of ``table`` picked by random id (ids are dense from 1)."""
        found: Rows = []
        top = self.column(sql.SQL("SELECT max(id) FROM {}").format(sql.Identifier(table)))[0]
        for _ in range(SAMPLE_ATTEMPTS):
            ids = [self.rng.randint(1, top) for _ in range(self.runs * 2)]
            query = (
                f"SELECT {columns} FROM unnest(%s::bigint[]) WITH ORDINALITY AS pick(id, n)"
                f" JOIN {table} USING (id) WHERE {where} ORDER BY n"
            )
            found += fetch(self.cur, query, (ids,))
            if len(found) >= self.runs:
                return found[: self.runs]
        raise BenchError(f"too few {table} rows where {where} to draw arguments from")

    def busy_symbols(self) -> list[str]:
        return self.column(
            "SELECT symbol FROM trades GROUP BY symbol ORDER BY count(*) DESC LIMIT %s",
            (BUSY_SYMBOLS,),
        )


# --- the patterns --------------------------------------------------------------------


def build_patterns(sampler: Sampler) -> list[Pattern]:
    """Every selector with arguments from the data; imported once Django is set up."""
    from adminpanel.models import AdminAuditLog
    from adminpanel.selectors import audit_log_list, audit_log_search, symbol_settings_effective
    from risk.selectors import (
        liquidation_event_list,
        risk_alert_list_unacknowledged,
        symbol_correlation_get,
    )
    from trading import selectors as trading

    rng = sampler.rng
    busy = sampler.busy_symbols()
    busy_list = "'" + "', '".join(busy) + "'"
    patterns = []

    def page(selector: Callable[..., Any]) -> Callable[[dict[str, Any]], list[Any]]:
        return lambda kw: selector(**kw, limit=PAGE)

    # position_list_open
    patterns.append(
        Pattern(
            "position_list_open",
            "accounts with open positions",
            page(trading.position_list_open),
            model_rows,
            lambda cur, kw: fetch(
                cur,
                f"SELECT {POSITION_COLUMNS} FROM positions WHERE account_id = %s"
                f" AND status = 'OPEN' ORDER BY open_time, id LIMIT {PAGE}",
                (kw["account_id"],),
            ),
            [
                {"account_id": a}
                for a in sampler.choices(
                    sampler.column(
                        "SELECT DISTINCT account_id FROM positions WHERE status = 'OPEN' ORDER BY 1"
                    )
                )
            ],
        )
    )

    # order_list_by_status: first page, then a deep page through its cursor
    def order_page_sql(cur: Cursor, kw: dict[str, Any]) -> Rows:
        limit = kw.get("limit", 50)
        if kw.get("cursor") is None:
            rows = fetch(
                cur,
                f"SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = %s AND status = %s"
                " ORDER BY created_at DESC, id DESC LIMIT %s",
                (kw["account_id"], kw["status"], limit + 1),
            )
        else:
            created_at, order_id = kw["cursor"]
            rows = fetch(
                cur,
                f"SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = %s AND status = %s"
                " AND (created_at, id) < (%s, %s) ORDER BY created_at DESC, id DESC LIMIT %s",
                (kw["account_id"], kw["status"], created_at, order_id, limit + 1),
            )
        return rows[:limit]

    patterns.append(
        Pattern(
            "order_list_by_status (first page)",
            "an order's account and status; 50 a page",
            lambda kw: trading.order_list_by_status(**kw),
            lambda result: model_rows(result.orders),
            order_page_sql,
            [
                {"account_id": a, "status": s}
                for a, s in sampler.random_rows("orders", "account_id, status")
            ],
        )
    )
    heavy = fetch(
        sampler.cur,
        "SELECT account_id, count(*) FROM orders WHERE status = 'FILLED'"
        " GROUP BY account_id ORDER BY 2 DESC LIMIT %s",
        (DEEP_ACCOUNTS,),
    )
    deep_arguments = []
    depths = []
    for _ in range(sampler.runs):
        account, filled = rng.choice(heavy)
        depth = int(filled * rng.uniform(0.5, 0.95))
        depths.append(depth)
        cursor = fetch(
            sampler.cur,
            "SELECT created_at, id FROM orders WHERE account_id = %s AND status = 'FILLED'"
            " ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
            (account, depth),
        )[0]
        deep_arguments.append({"account_id": account, "status": "FILLED", "cursor": cursor})
    patterns.append(
        Pattern(
            "order_list_by_status (deep page)",
            f"the {DEEP_ACCOUNTS} heaviest accounts' FILLED orders, {min(depths):,} to "
            f"{max(depths):,} rows deep",
            lambda kw: trading.order_list_by_status(**kw),
            lambda result: model_rows(result.orders),
            order_page_sql,
            deep_arguments,
        )
    )

    # order_list_pending_for_symbol
    patterns.append(
        Pattern(
            "order_list_pending_for_symbol",
            "symbols by their share of pending orders",
            page(trading.order_list_pending_for_symbol),
            model_rows,
            lambda cur, kw: fetch(
                cur,
                f"SELECT {ORDER_COLUMNS} FROM orders WHERE symbol = %s AND status = 'PENDING'"
                f" ORDER BY created_at, id LIMIT {PAGE}",
                (kw["symbol"],),
            ),
            [
                {"symbol": s}
                for (s,) in sampler.random_rows("orders", "symbol", "status = 'PENDING'")
            ],
        )
    )

    # trades and order history, per account (30 days) and per busy symbol
    def window_pattern(
        name: str,
        note: str,
        selector: Callable[..., Any],
        table: str,
        columns: str,
        key: str,
        time_column: str,
        window: Callable[[datetime], tuple[datetime, datetime]],
        where: str = "TRUE",
    ) -> Pattern:
        arguments = []
        for value, moment in sampler.random_rows(table, f"{key}, {time_column}", where):
            start, end = window(moment)
            arguments.append({key: value, "start": start, "end": end})
        query = (
            f"SELECT {columns} FROM {table} WHERE {key} = %s AND {time_column} >= %s"
            f" AND {time_column} < %s ORDER BY {time_column} DESC, id DESC LIMIT {PAGE}"
        )
        return Pattern(
            name,
            note,
            page(selector),
            model_rows,
            lambda cur, kw: fetch(cur, query, (kw[key], kw["start"], kw["end"])),
            arguments,
        )

    in_busy = f"symbol IN ({busy_list})"
    patterns += [
        window_pattern(
            "trade_list_for_account",
            "an account's last 30 days",
            trading.trade_list_for_account,
            "trades",
            TRADE_COLUMNS,
            "account_id",
            "executed_at",
            month_before,
        ),
        window_pattern(
            "trade_list_for_symbol",
            f"1 hour of a busy symbol ({', '.join(busy)})",
            trading.trade_list_for_symbol,
            "trades",
            TRADE_COLUMNS,
            "symbol",
            "executed_at",
            hour_of,
            in_busy,
        ),
        window_pattern(
            "order_history_for_account",
            "an account's last 30 days",
            trading.order_history_for_account,
            "order_history",
            ORDER_HISTORY_COLUMNS,
            "account_id",
            "order_time",
            month_before,
        ),
        window_pattern(
            "order_history_for_symbol",
            "1 day of a busy symbol",
            trading.order_history_for_symbol,
            "order_history",
            ORDER_HISTORY_COLUMNS,
            "symbol",
            "order_time",
            day_of,
            in_busy,
        ),
    ]

    # Time buckets, beyond the list (extra): trade_ohlcv, a day of 5-minute buckets
    # of a busy symbol; order_counts_per_account_per_day, a one-day report of every account.
    ohlcv_arguments = []
    for symbol, moment in sampler.random_rows("trades", "symbol, executed_at", in_busy):
        start, end = day_of(moment)
        ohlcv_arguments.append(
            {"symbol": symbol, "start": start, "end": end, "interval": timedelta(minutes=5)}
        )
    patterns.append(
        Pattern(
            "trade_ohlcv",
            "1 day of 5-minute buckets of a busy symbol",
            lambda kw: trading.trade_ohlcv(**kw),
            dict_rows,
            lambda cur, kw: fetch(
                cur,
                "SELECT date_bin(%s::interval, executed_at, %s::timestamptz) AS bucket,"
                " (array_agg(price ORDER BY executed_at, id))[1],"
                " max(price), min(price),"
                " (array_agg(price ORDER BY executed_at DESC, id DESC))[1],"
                " sum(volume), count(id)"
                " FROM trades WHERE executed_at >= %s AND executed_at < %s AND symbol = %s"
                " GROUP BY 1 ORDER BY 1",
                (kw["interval"], TIME_BUCKET_ORIGIN, kw["start"], kw["end"], kw["symbol"]),
            ),
            ohlcv_arguments,
            extra=True,
        )
    )

    patterns.append(
        Pattern(
            "order_counts_per_account_per_day",
            "one day, every account",
            lambda kw: trading.order_counts_per_account_per_day(**kw),
            dict_rows,
            lambda cur, kw: fetch(
                cur,
                "SELECT account_id, date_bin(%s::interval, order_time, %s::timestamptz) AS day,"
                " count(*) FROM order_history WHERE order_time >= %s AND order_time < %s"
                " GROUP BY 1, 2 ORDER BY 1, 2",
                (timedelta(days=1), TIME_BUCKET_ORIGIN, kw["start"], kw["end"]),
            ),
            [
                dict(zip(("start", "end"), day_of(moment), strict=True))
                for (moment,) in sampler.random_rows("order_history", "order_time")
            ],
            extra=True,
        )
    )

    # risk
    unacknowledged = (
        f"SELECT {RISK_ALERT_COLUMNS} FROM risk_alerts"
        " WHERE NOT (acknowledged AND acknowledged IS NOT NULL){severity}"
        f" ORDER BY created_at DESC, id DESC LIMIT {PAGE}"
    )
    patterns.append(
        Pattern(
            "risk_alert_list_unacknowledged",
            "one severity",
            page(risk_alert_list_unacknowledged),
            model_rows,
            lambda cur, kw: fetch(
                cur, unacknowledged.format(severity=" AND severity = %s"), (kw["severity"],)
            ),
            [
                {"severity": s}
                for s in sampler.choices(
                    sampler.column("SELECT DISTINCT severity FROM risk_alerts ORDER BY 1")
                )
            ],
        )
    )
    patterns.append(
        Pattern(
            "risk_alert_list_unacknowledged (all)",
            "every severity",
            page(risk_alert_list_unacknowledged),
            model_rows,
            lambda cur, kw: fetch(cur, unacknowledged.format(severity=""), ()),
            [{}] * sampler.runs,
            extra=True,
        )
    )
    patterns.append(
        Pattern(
            "liquidation_event_list",
            "accounts with liquidations",
            page(liquidation_event_list),
            model_rows,
            lambda cur, kw: fetch(
                cur,
                f"SELECT {LIQUIDATION_COLUMNS} FROM liquidation_events WHERE account_id = %s"
                f" ORDER BY executed_at DESC, id DESC LIMIT {PAGE}",
                (kw["account_id"],),
            ),
            [
                {"account_id": a}
                for a in sampler.choices(
                    sampler.column("SELECT DISTINCT account_id FROM liquidation_events ORDER BY 1")
                )
            ],
        )
    )

    def correlation_sql(cur: Cursor, kw: dict[str, str]) -> Rows:
        query = (
            f"SELECT {CORRELATION_COLUMNS} FROM symbol_correlations"
            " WHERE symbol1 = %s AND symbol2 = %s ORDER BY symbol1, symbol2 LIMIT 1"
        )
        return fetch(cur, query, (kw["symbol_a"], kw["symbol_b"])) or fetch(
            cur, query, (kw["symbol_b"], kw["symbol_a"])
        )

    pairs = fetch(sampler.cur, "SELECT symbol1, symbol2 FROM symbol_correlations ORDER BY 1, 2")
    for label, order in (("stored order", 1), ("reversed", -1)):
        patterns.append(
            Pattern(
                f"symbol_correlation_get ({label})",
                "one query" if order == 1 else "the second query finds it",
                lambda kw: symbol_correlation_get(**kw),
                lambda found: model_rows([found] if found else []),
                correlation_sql,
                [
                    dict(zip(("symbol_a", "symbol_b"), pair[::order], strict=True))
                    for pair in sampler.choices(pairs)
                ],
            )
        )

    def settings_sql(cur: Cursor, kw: dict[str, Any]) -> Rows:
        group = fetch(
            cur, "SELECT markup, commission FROM trading_groups WHERE id = %s", (kw["group_id"],)
        )
        own = fetch(
            cur,
            "SELECT enabled, markup, commission, min_volume, max_volume, step_volume"
            " FROM group_symbol_settings WHERE group_id = %s AND symbol = %s ORDER BY id LIMIT 1",
            (kw["group_id"], kw["symbol"]),
        )
        defaults = (True, group[0][0] or 0, group[0][1] or 0, None, None, None)
        values = own[0] if own else (None,) * 6
        picked = tuple(d if v is None else v for v, d in zip(values, defaults, strict=True))
        return [(kw["group_id"], kw["symbol"], *picked)]

    groups = sampler.column("SELECT id FROM trading_groups ORDER BY id")
    symbols = sampler.column("SELECT DISTINCT symbol FROM trades ORDER BY 1")
    patterns.append(
        Pattern(
            "symbol_settings_effective",
            "any group and symbol",
            lambda kw: symbol_settings_effective(**kw),
            lambda found: [dataclasses.astuple(found)],
            settings_sql,
            [
                {"group_id": g, "symbol": s}
                for g, s in zip(sampler.choices(groups), sampler.choices(symbols), strict=True)
            ],
        )
    )

    # audit log: a day of one admin, one action, one resource
    def audit_sql(keys: tuple[str, ...]) -> Callable[[Cursor, dict[str, Any]], Rows]:
        condition = "".join(f" AND {k} = %s" for k in keys)
        query = (
            f"SELECT {AUDIT_COLUMNS} FROM admin_audit_log WHERE created_at >= %s"
            f" AND created_at < %s{condition} ORDER BY created_at DESC, id DESC LIMIT {PAGE}"
        )
        return lambda cur, kw: fetch(cur, query, (kw["start"], kw["end"], *(kw[k] for k in keys)))

    for label, keys in (
        ("admin", ("admin_id",)),
        ("action", ("action",)),
        ("resource", ("resource_type", "resource_id")),
    ):
        arguments = []
        where = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        for *values, moment in sampler.random_rows(
            "admin_audit_log", ", ".join((*keys, "created_at")), where
        ):
            start, end = day_of(moment)
            arguments.append({**dict(zip(keys, values, strict=True)), "start": start, "end": end})
        patterns.append(
            Pattern(
                f"audit_log_list (by {label})",
                "one day",
                page(audit_log_list),
                model_rows,
                audit_sql(keys),
                arguments,
            )
        )

    # audit_log_search: the admin's search for an account number, over the whole log
    accounts = sampler.random_rows("admin_audit_log", "resource_id", "resource_type = 'account'")
    patterns.append(
        Pattern(
            "audit_log_search",
            "an account number anywhere in details, whole log",
            lambda kw: list(
                audit_log_search(
                    queryset=AdminAuditLog.objects.order_by("-created_at", "-id"), text=kw["text"]
                )[:PAGE]
            ),
            model_rows,
            lambda cur, kw: fetch(
                cur,
                f"SELECT {AUDIT_COLUMNS} FROM admin_audit_log"
                " WHERE UPPER((details)::text)::text LIKE %s"
                f" ORDER BY created_at DESC, id DESC LIMIT {PAGE}",
                (f"%{kw['text'].upper()}%",),
            ),
            [{"text": f"rtx{10_000_000 + a}"} for (a,) in accounts],
            extra=True,
        )
    )
    return patterns


# --- plans ---------------------------------------------------------------------------


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


def explain(cur: Cursor, statement: str, table_rows: dict[str, float]) -> Plan:
    """EXPLAIN (FORMAT JSON) one statement as the ORM sent it; flag big Seq Scans."""
    cur.execute(f"EXPLAIN (FORMAT JSON) {statement}".encode())
    document = cur.fetchone()
    if document is None:
        raise BenchError(f"EXPLAIN returned nothing for {statement}")
    plan = document[0] if isinstance(document[0], list) else json.loads(document[0])
    nodes, seq_scans = [], []
    for node in plan_nodes(plan[0]["Plan"]):
        label = node["Node Type"]
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        elif "Relation Name" in node:
            label += f" on {node['Relation Name']}"
        if "Filter" in node:  # rows read and then dropped: not bounded by the index
            label += f" [filter {shorten(node['Filter'], FILTER_WIDTH)}]"
        nodes.append(label)
        relation = node.get("Relation Name", "")
        if node["Node Type"] == "Seq Scan" and table_rows.get(relation, 0) > BIG_TABLE_ROWS:
            seq_scans.append(f"{relation} ({table_rows[relation]:,.0f} rows)")
    return Plan(nodes, seq_scans)


def statements_of(pattern: Pattern) -> list[str]:
    """The SQL the selector sends for the first arguments, exactly as sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        pattern.orm(pattern.arguments[0])
    return [query["sql"] for query in captured.captured_queries]


# --- timing --------------------------------------------------------------------------


def measure(pattern: Pattern, cur: Cursor, table_rows: dict[str, float]) -> Measurement:
    """Warm up, EXPLAIN, compare rows; then per argument a first read, ORM and SQL, timed."""
    for arguments in pattern.arguments[:WARMUP_RUNS]:
        pattern.orm(arguments)
        pattern.sql(cur, arguments)
    plans = [explain(cur, statement, table_rows) for statement in statements_of(pattern)]
    first = pattern.arguments[0]
    same = pattern.orm_rows(pattern.orm(first)) == pattern.sql(cur, first)
    orm_seconds, sql_seconds, first_seconds, rows = [], [], [], 0
    gc.collect()
    for i, arguments in enumerate(pattern.arguments):
        start = time.perf_counter()
        pattern.sql(cur, arguments)
        first_seconds.append(time.perf_counter() - start)
        for side in (0, 1) if i % 2 == 0 else (1, 0):
            if side == 0:
                start = time.perf_counter()
                pattern.orm(arguments)
                orm_seconds.append(time.perf_counter() - start)
            else:
                start = time.perf_counter()
                found = pattern.sql(cur, arguments)
                sql_seconds.append(time.perf_counter() - start)
                rows += len(found)
    return Measurement(
        pattern,
        plans,
        Latency.of(orm_seconds),
        Latency.of(sql_seconds),
        Latency.of(first_seconds),
        rows / len(pattern.arguments),
        same,
    )


def measure_reads(server: Server, dbname: str, *, runs: int, seed: int = 7) -> list[Measurement]:
    """Measure every pattern on ``dbname`` (Django is set up for it here)."""
    setup_django(server, dbname)
    results = []
    with server.connect(dbname) as conn, conn.cursor() as cur:
        # Like the ORM (client-side binding), plan every statement for its own arguments:
        # psycopg's automatic prepared statements could switch to a generic plan.
        conn.prepare_threshold = None
        table_rows: dict[str, float] = dict(
            fetch(
                cur,
                "SELECT relname, reltuples FROM pg_class"
                " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
                (),
            )
        )
        say(f"Drawing arguments for {runs} runs per pattern from {dbname}")
        patterns = build_patterns(Sampler(cur, random.Random(seed), runs))
        # The drawn arguments are many long-lived objects of the bench's own; keep the
        # collector's passes, which run inside the timed calls, from scanning them.
        gc.freeze()
        for pattern in patterns:
            result = measure(pattern, cur, table_rows)
            results.append(result)
            verdict = "PASS" if not result.misses() else "FAIL: " + ", ".join(result.misses())
            say(
                f"{pattern.name}: ORM p50 {result.orm.p50:.2f} p99 {result.orm.p99:.2f} ms,"
                f" SQL p50 {result.sql.p50:.2f} p99 {result.sql.p99:.2f} ms,"
                f" ratio {result.ratio:.2f}; {verdict}"
            )
    return results


def report_lines(results: list[Measurement], runs: int) -> list[str]:
    """The body of bench/results/reads.txt."""
    width = max(len(r.pattern.name) for r in results) + 2
    lines = [
        f"{runs} runs per pattern after {WARMUP_RUNS} warm-up runs; milliseconds; "
        f"targets p99 <= {TARGET_P99_MS:g} ms, ORM/SQL p99 ratio <= {TARGET_RATIO:g}",
        "1st p99: the first (SQL) read of each argument, before the timed ORM and SQL calls;"
        " not held to a target",
        "",
        f"{'pattern':<{width}}  {'rows':>5}  {'ORM p50':>7}  {'ORM p99':>7}  {'SQL p50':>7}"
        f"  {'SQL p99':>7}  {'ratio':>5}  {'1st p99':>7}  result",
    ]
    for r in results:
        name = r.pattern.name + (" *" if r.pattern.extra else "")
        lines.append(
            f"{name:<{width}}  {r.rows:>5.0f}  {r.orm.p50:>7.2f}  {r.orm.p99:>7.2f}"
            f"  {r.sql.p50:>7.2f}  {r.sql.p99:>7.2f}  {r.ratio:>5.2f}  {r.first.p99:>7.2f}  "
            + ("PASS" if not r.misses() else "FAIL (" + ", ".join(r.misses()) + ")")
        )
    counted = [r for r in results if not r.pattern.extra]
    passed = sum(1 for r in counted if not r.misses())
    lines += [
        "",
        f"{passed} of {len(counted)} patterns meet the targets"
        + (
            " (patterns marked * are beyond the issue's list: shown, not counted)."
            if len(counted) < len(results)
            else "."
        ),
        "",
        "Plans (EXPLAIN of each statement the selector sends, for the first arguments):",
    ]
    for r in results:
        lines.append(f"  {r.pattern.name} ({r.pattern.note}):")
        for number, plan in enumerate(r.plans, 1):
            prefix = f"    {number}. " if len(r.plans) > 1 else "    "
            lines.append(prefix + " > ".join(plan.nodes))
            if plan.seq_scans:
                lines.append(f"       SEQ SCAN on {', '.join(plan.seq_scans)}")
    return lines


def write_report(server: Server, dbname: str, results: list[Measurement], runs: int) -> None:
    write_results(
        "reads",
        "rtx-schema benchmark: read patterns, ORM against SQL (bench/reads.py)",
        environment_lines(server, dbname),
        report_lines(results, runs),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=1000, help="timed calls per pattern and side (default 1000)"
    )
    add_seed_arguments(parser)
    add_database_arguments(parser)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, not {args.runs}")
    server = Server.from_environment()

    def seed(dbname: str) -> None:
        write_seed_report(server, seed_database(server, dbname, scale=args.scale, seed=args.seed))

    try:
        with bench_database(server, existing=args.database, keep=args.keep, prepare=seed) as dbname:
            results = measure_reads(server, dbname, runs=args.runs)
            write_report(server, dbname, results, args.runs)
    except BenchError as error:
        print(f"reads: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
