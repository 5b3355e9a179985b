"""Latency of every read pattern of the services' selectors, and what Django adds to the SQL.

Usage::

    .venv/bin/python bench/reads.py [--runs 1000] [--scale 1.0] [--database NAME] [--keep]

Without ``--database`` it creates ``rtx_bench_<pid>``, applies the schema, seeds it at
``--scale`` (bench/seed.py) and drops it at the end unless ``--keep``; with ``--database``
it reads that (seeded) database and changes nothing.

For each pattern (a selector of trading, risk or adminpanel with arguments drawn from the
data: real account ids, symbols, busy hours and days):

1. **Statements.** The selector runs once per argument, untimed, under an execute wrapper
   that keeps each statement it sends with its parameters.
2. **Plan.** The first argument's statements are EXPLAINed (FORMAT JSON): the nodes with
   their index names and the filters applied after an index; a Seq Scan on a table of more
   than 10,000 rows (by ``pg_class.reltuples``) is flagged.
3. **Latency.** ``--runs`` calls after 20 warm-up calls, through the selector (the ORM:
   querysets built, compiled, run, rows turned into model instances or dicts) and as SQL:
   the very statements the selector sent, on a plain psycopg connection binding values as
   Django's does, rows fetched as tuples. Each argument is first read once by SQL, timed
   apart as the *first read*: it pays the page reads into shared buffers that would
   otherwise fall on whichever side went first. Then ORM and SQL are timed on the same
   warm pages, alternately, each going first half the time.

Reported: p50 and p99 in milliseconds of each side; the ratio of the p99s (ORM / SQL), what
Django adds, as a figure; the p99 of the first reads. The target is the ORM's p99: 5 ms,
50 ms for the any-text search of the audit log; a pattern marked * is beyond the targets
and shown for what it tells. A miss never fails the process: this measures, it does not
test. Results go to ``bench/results/reads.txt``, or ``reads_timescaledb.txt`` where
TimescaleDB keeps the continuous aggregates the time-bucket reports read.
"""

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
    environment_lines,
    say,
    setup_django,
    write_results,
)
from psycopg import sql
from seed import measure_main

TARGET_P99_MS = 5.0
BIG_TABLE_ROWS = 10_000
WARMUP_RUNS = 20
PAGE = 100  # the limit given to a selector that returns a list
BUSY_SYMBOLS = 3
BUSY_ACCOUNTS = 20
SAMPLE_ATTEMPTS = 20
FILTER_WIDTH = 90

Rows = list[tuple[Any, ...]]
Cursor = psycopg.ClientCursor[Any]
Statement = tuple[str, Sequence[Any] | dict[str, Any]]


@dataclass(frozen=True)
class Pattern:
    """A read pattern: the selector call, its arguments, its target and what it stands for."""

    name: str
    note: str
    call: Callable[[dict[str, Any]], Any]  # arguments -> the selector's result
    arguments: list[dict[str, Any]]
    target_ms: float | None = TARGET_P99_MS  # None: shown, not held to a target


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

    @property
    def ratio(self) -> float:
        return self.orm.p99 / self.sql.p99 if self.sql.p99 else float("inf")

    def misses(self) -> list[str]:
        found = []
        target = self.pattern.target_ms
        if target is not None and self.orm.p99 > target:
            found.append(f"p99 > {target:g} ms")
        if any(plan.seq_scans for plan in self.plans):
            found.append("Seq Scan on a big table")
        return found


def fetch(cur: Cursor, query: Any, params: Sequence[Any] | dict[str, Any] = ()) -> Rows:
    cur.execute(query, params)
    return cur.fetchall()


def size(result: Any) -> int:
    """How many rows a selector's result holds (a page, a list, one object or none)."""
    if hasattr(result, "orders"):
        return len(result.orders)
    if isinstance(result, list):
        return len(result)
    return 0 if result is None else 1


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

    def windows(
        self, table: str, key: str, time_column: str, window: Callable[..., Any], where: str
    ) -> list[dict[str, Any]]:
        """``{key: value, start, end}`` around the time of random rows of ``table``."""
        arguments = []
        for value, moment in self.random_rows(table, f"{key}, {time_column}", where):
            start, end = window(moment)
            arguments.append({key: value, "start": start, "end": end})
        return arguments


# --- the patterns --------------------------------------------------------------------


def build_patterns(sampler: Sampler) -> list[Pattern]:
    """Every selector with arguments from the data; imported once Django is set up."""
    from adminpanel import selectors as audit
    from risk import selectors as risk
    from trading import selectors as trading

    rng = sampler.rng
    busy = sampler.column(
        "SELECT symbol FROM trades GROUP BY symbol ORDER BY count(*) DESC LIMIT %s",
        (BUSY_SYMBOLS,),
    )
    in_busy = "symbol IN (" + ", ".join(f"'{symbol}'" for symbol in busy) + ")"

    def page(selector: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
        return lambda kw: selector(**kw, limit=PAGE)

    def called(selector: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
        return lambda kw: selector(**kw)

    heavy = fetch(
        sampler.cur,
        "SELECT account_id, count(*) FROM orders WHERE status = 'FILLED'"
        " GROUP BY account_id ORDER BY 2 DESC LIMIT %s",
        (BUSY_ACCOUNTS,),
    )
    deep, depths = [], []
    for _ in range(sampler.runs):
        account, filled = rng.choice(heavy)
        depths.append(int(filled * rng.uniform(0.5, 0.95)))
        [cursor] = fetch(
            sampler.cur,
            "SELECT created_at, id FROM orders WHERE account_id = %s AND status = 'FILLED'"
            " ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
            (account, depths[-1]),
        )
        deep.append({"account_id": account, "status": "FILLED", "cursor": cursor})
    pairs = fetch(sampler.cur, "SELECT symbol1, symbol2 FROM symbol_correlations ORDER BY 1, 2")
    groups = sampler.column("SELECT id FROM trading_groups ORDER BY id")
    symbols = sampler.column("SELECT DISTINCT symbol FROM trades ORDER BY 1")
    audited = sampler.column(
        "SELECT DISTINCT (details->>'account_id')::bigint FROM admin_audit_log"
        " WHERE details ? 'account_id' ORDER BY 1"
    )
    busiest_audited = sampler.column(
        "SELECT resource_id FROM admin_audit_log WHERE resource_type = 'account'"
        " GROUP BY 1 ORDER BY count(*) DESC LIMIT %s",
        (BUSY_ACCOUNTS,),
    )

    def audit_days(keys: tuple[str, ...]) -> list[dict[str, Any]]:
        where = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        rows = sampler.random_rows("admin_audit_log", ", ".join((*keys, "created_at")), where)
        return [
            {
                **dict(zip(keys, values, strict=True)),
                **dict(zip(("start", "end"), day_of(m), strict=True)),
            }
            for *values, m in rows
        ]

    patterns = [
        Pattern(
            "position_list_open",
            "accounts with open positions",
            page(trading.position_list_open),
            [
                {"account_id": a}
                for a in sampler.choices(
                    sampler.column(
                        "SELECT DISTINCT account_id FROM positions WHERE status = 'OPEN' ORDER BY 1"
                    )
                )
            ],
        ),
        Pattern(
            "order_list_by_status (first page)",
            "an order's account and status; 50 a page",
            called(trading.order_list_by_status),
            [
                {"account_id": a, "status": s}
                for a, s in sampler.random_rows("orders", "account_id, status")
            ],
        ),
        Pattern(
            "order_list_by_status (deep page)",
            f"the {BUSY_ACCOUNTS} heaviest accounts' FILLED orders, {min(depths):,} to "
            f"{max(depths):,} rows deep",
            called(trading.order_list_by_status),
            deep,
        ),
        Pattern(
            "order_list_pending_for_symbol",
            "symbols by their share of pending orders",
            page(trading.order_list_pending_for_symbol),
            [
                {"symbol": s}
                for (s,) in sampler.random_rows("orders", "symbol", "status = 'PENDING'")
            ],
        ),
        Pattern(
            "trade_list_for_account",
            "an account's last 30 days",
            page(trading.trade_list_for_account),
            sampler.windows("trades", "account_id", "executed_at", month_before, "TRUE"),
        ),
        Pattern(
            "trade_list_for_symbol",
            f"1 hour of a busy symbol ({', '.join(busy)})",
            page(trading.trade_list_for_symbol),
            sampler.windows("trades", "symbol", "executed_at", hour_of, in_busy),
        ),
        Pattern(
            "order_history_for_account",
            "an account's last 30 days",
            page(trading.order_history_for_account),
            sampler.windows("order_history", "account_id", "order_time", month_before, "TRUE"),
        ),
        Pattern(
            "order_history_for_symbol",
            "1 day of a busy symbol",
            page(trading.order_history_for_symbol),
            sampler.windows("order_history", "symbol", "order_time", day_of, in_busy),
        ),
        Pattern(
            "trade_ohlcv",
            "1 day of 5-minute buckets of a busy symbol",
            called(trading.trade_ohlcv),
            [
                {**kw, "interval": timedelta(minutes=5)}
                for kw in sampler.windows("trades", "symbol", "executed_at", day_of, in_busy)
            ],
        ),
        Pattern(
            "order_counts_per_account_per_day",
            "one day, every account",
            called(trading.order_counts_per_account_per_day),
            [
                dict(zip(("start", "end"), day_of(moment), strict=True))
                for (moment,) in sampler.random_rows("order_history", "order_time")
            ],
        ),
        Pattern(
            "risk_alert_list_unacknowledged",
            "one severity",
            page(risk.risk_alert_list_unacknowledged),
            [
                {"severity": s}
                for s in sampler.choices(
                    sampler.column("SELECT DISTINCT severity FROM risk_alerts ORDER BY 1")
                )
            ],
        ),
        Pattern(
            "risk_alert_list_unacknowledged (all)",
            "every severity",
            page(risk.risk_alert_list_unacknowledged),
            [{}] * sampler.runs,
            target_ms=None,
        ),
        Pattern(
            "liquidation_event_list",
            "accounts with liquidations",
            page(risk.liquidation_event_list),
            [
                {"account_id": a}
                for a in sampler.choices(
                    sampler.column("SELECT DISTINCT account_id FROM liquidation_events ORDER BY 1")
                )
            ],
        ),
        *(
            Pattern(
                f"symbol_correlation_get ({label})",
                "as stored" if order == 1 else "the other way round",
                called(risk.symbol_correlation_get),
                [
                    dict(zip(("symbol_a", "symbol_b"), pair[::order], strict=True))
                    for pair in sampler.choices(pairs)
                ],
            )
            for label, order in (("stored order", 1), ("reversed", -1))
        ),
        Pattern(
            "symbol_settings_effective",
            "any group and symbol",
            called(audit.symbol_settings_effective),
            [
                {"group_id": g, "symbol": s}
                for g, s in zip(sampler.choices(groups), sampler.choices(symbols), strict=True)
            ],
        ),
        *(
            Pattern(
                f"audit_log_list (by {label})",
                "one day",
                page(audit.audit_log_list),
                audit_days(keys),
            )
            for label, keys in (
                ("admin", ("admin_id",)),
                ("action", ("action",)),
                ("resource", ("resource_type", "resource_id")),
            )
        ),
        Pattern(
            "audit_log_containing",
            '{"account_id": N}, any account in the log, whole log',
            lambda kw: list(audit.audit_log_containing(**kw)[:PAGE]),
            [{"details": {"account_id": a}} for a in sampler.choices(audited)],
        ),
        Pattern(
            "audit_log_containing (busiest)",
            f'{{"account_id": N}}, the {BUSY_ACCOUNTS} accounts with the most entries',
            lambda kw: list(audit.audit_log_containing(**kw)[:PAGE]),
            [{"details": {"account_id": a}} for a in sampler.choices(busiest_audited)],
            target_ms=None,
        ),
        Pattern(
            "audit_log_search",
            "an account number anywhere in details (accounts by their share), whole log",
            lambda kw: list(audit.audit_log_search(**kw).order_by("-id")[:PAGE]),
            [
                {"text": f"rtx{10_000_000 + a}"}
                for (a,) in sampler.random_rows(
                    "admin_audit_log", "resource_id", "resource_type = 'account'"
                )
            ],
            target_ms=50.0,
        ),
    ]
    return patterns


# --- statements and plans ------------------------------------------------------------


def statements_of(pattern: Pattern, arguments: dict[str, Any]) -> list[Statement]:
    """The statements the selector sends for ``arguments``, with their parameters."""
    from django.db import connection

    sent: list[Statement] = []

    def keep(execute, statement, params, many, context):  # type: ignore[no-untyped-def]
        sent.append((statement, params if isinstance(params, dict) else tuple(params or ())))
        return execute(statement, params, many, context)

    with connection.execute_wrapper(keep):
        pattern.call(arguments)
    return sent


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


def explain(cur: Cursor, statement: Statement, table_rows: dict[str, float]) -> Plan:
    """EXPLAIN (FORMAT JSON) one statement as the ORM sent it; flag big Seq Scans."""
    document = fetch(cur, f"EXPLAIN (FORMAT JSON) {statement[0]}", statement[1])
    plan = document[0][0] if isinstance(document[0][0], list) else json.loads(document[0][0])
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


# --- timing --------------------------------------------------------------------------


def run_sql(cur: Cursor, statements: list[Statement]) -> int:
    """Send ``statements`` as the selector sent them; the rows fetched."""
    return sum(len(fetch(cur, statement, params)) for statement, params in statements)


def measure(pattern: Pattern, cur: Cursor, table_rows: dict[str, float]) -> Measurement:
    """Statements, warm-up and plans; then per argument a first read, ORM and SQL, timed."""
    sent = [statements_of(pattern, arguments) for arguments in pattern.arguments]
    for arguments, statements in zip(pattern.arguments[:WARMUP_RUNS], sent, strict=False):
        pattern.call(arguments)
        run_sql(cur, statements)
    plans = [explain(cur, statement, table_rows) for statement in sent[0]]
    orm_seconds, sql_seconds, first_seconds, rows = [], [], [], 0
    gc.collect()
    for i, (arguments, statements) in enumerate(zip(pattern.arguments, sent, strict=True)):
        start = time.perf_counter()
        run_sql(cur, statements)
        first_seconds.append(time.perf_counter() - start)
        for side in (0, 1) if i % 2 == 0 else (1, 0):
            start = time.perf_counter()
            if side == 0:
                rows += size(pattern.call(arguments))
                orm_seconds.append(time.perf_counter() - start)
            else:
                run_sql(cur, statements)
                sql_seconds.append(time.perf_counter() - start)
    return Measurement(
        pattern,
        plans,
        Latency.of(orm_seconds),
        Latency.of(sql_seconds),
        Latency.of(first_seconds),
        rows / len(pattern.arguments),
    )


def measure_reads(server: Server, dbname: str, *, runs: int, seed: int = 7) -> list[Measurement]:
    """Measure every pattern on ``dbname`` (Django is set up for it here)."""
    setup_django(server, dbname)
    from django.db import connection

    connection.ensure_connection()  # its set-up queries are not the selectors'
    results = []
    with server.connect(dbname) as conn, psycopg.ClientCursor(conn) as cur:
        # As the ORM does (client-side binding), plan every statement for its own values.
        conn.prepare_threshold = None
        table_rows: dict[str, float] = dict(
            fetch(
                cur,
                "SELECT relname, reltuples FROM pg_class"
                " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
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
        f"{runs} runs per pattern after {WARMUP_RUNS} warm-up runs; milliseconds; target: the"
        f" ORM's p99 <= {TARGET_P99_MS:g} ms (50 ms for audit_log_search); ratio = ORM p99 /"
        " SQL p99, the statements the ORM sent, by hand",
        "1st p99: the first (SQL) read of each argument, before the timed ORM and SQL calls",
        "",
        f"{'pattern':<{width}}  {'rows':>5}  {'ORM p50':>7}  {'ORM p99':>7}  {'SQL p50':>7}"
        f"  {'SQL p99':>7}  {'ratio':>5}  {'1st p99':>7}  result",
    ]
    for r in results:
        name = r.pattern.name + (" *" if r.pattern.target_ms is None else "")
        lines.append(
            f"{name:<{width}}  {r.rows:>5.0f}  {r.orm.p50:>7.2f}  {r.orm.p99:>7.2f}"
            f"  {r.sql.p50:>7.2f}  {r.sql.p99:>7.2f}  {r.ratio:>5.2f}  {r.first.p99:>7.2f}  "
            + ("PASS" if not r.misses() else "FAIL (" + ", ".join(r.misses()) + ")")
        )
    counted = [r for r in results if r.pattern.target_ms is not None]
    passed = sum(1 for r in counted if not r.misses())
    lines += [
        "",
        f"{passed} of {len(counted)} patterns meet their target (* shown, not held to one).",
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


def aggregates_read() -> list[str]:
    """The continuous aggregates the time-bucket reports read, on Django's database."""
    from rtx.db import aggregates

    return [item.name for item in aggregates.AGGREGATES if aggregates.exists(item.name)]


def write_report(server: Server, dbname: str, results: list[Measurement], runs: int) -> None:
    """``reads.txt``, or ``reads_timescaledb.txt`` where the reports read the aggregates."""
    aggregates = aggregates_read()
    write_results(
        "reads_timescaledb" if aggregates else "reads",
        "rtx-schema benchmark: read patterns, ORM against SQL (bench/reads.py)",
        [
            *environment_lines(server, dbname),
            "TimescaleDB: the reports read the continuous aggregates " + ", ".join(aggregates)
            if aggregates
            else "TimescaleDB: not in use; the reports read the tables' indexes",
        ],
        report_lines(results, runs),
    )


def main(argv: list[str] | None = None) -> int:
    def measure(server: Server, dbname: str, runs: int) -> None:
        write_report(server, dbname, measure_reads(server, dbname, runs=runs), runs)

    return measure_main(
        argv,
        doc=__doc__,
        script="reads",
        runs=1000,
        runs_help="timed calls per pattern and side",
        measure=measure,
    )


if __name__ == "__main__":
    sys.exit(main())
