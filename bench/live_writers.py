"""rtx-migrate under live traffic: what writers feel, and what -status says after.

Usage::

    .venv/bin/python bench/live_writers.py [--trades 2000000] [--writers 4]
        [--reader-seconds 12] [--long-reader-seconds 40] [--keep]

On a database of its own with ``--trades`` trades (and a quarter as many orders), it runs
``--writers`` threads that each insert an order and its trade in one transaction, as fast
as they can, and one report that holds a REPEATABLE READ snapshot of ``orders`` for
``--reader-seconds``, while rtx-migrate runs, in turn:

1. ``-version=4``: reverts every version above 4, among them the index versions (5, 6, 8,
   9, 11, 13 and 14), dropping their indexes CONCURRENTLY; the reader
   (``--reader-seconds``) makes the drops on ``orders`` wait and retry;
2. ``-up``: builds the indexes again, CONCURRENTLY, under the same reader;
3. ``-version=4`` under a reader that outlasts the retries (``--long-reader-seconds``): the
   revert stops half-way, exit 5, and ``-status`` must say so;
4. ``-up`` without a reader: finishes what step 3 left and builds the rest.

For each step it reports the exit status, the retries rtx-migrate printed, the state
``-status -json`` gives afterwards (and whether it matches the catalog), and the writers'
transactions, errors, p50, p99 and maximum latency. Results go to
``bench/results/live_writers.txt``.
"""

import argparse
import json
import sys
import threading
import time
from dataclasses import dataclass, field

import psycopg
from common import (
    Latency,
    Server,
    bench_database,
    environment_lines,
    fmt_int,
    run_manage,
    run_script,
    say,
    seconds_since,
    write_results,
)

SEED = """
INSERT INTO users (username, email, password_hash)
SELECT 'u' || i, 'u' || i || '@x', 'h' FROM generate_series(1, 1000) i;
INSERT INTO accounts (user_id, account_number) SELECT id, 'A-' || id FROM users;
INSERT INTO orders (account_id, symbol, side, order_type, volume, status, created_at)
SELECT 1 + i % 1000, 'SYM' || (i % 50), CASE WHEN i % 2 = 0 THEN 'BUY' ELSE 'SELL' END,
       'MARKET', 1, CASE WHEN i % 10 = 0 THEN 'PENDING' ELSE 'FILLED' END,
       now() - i * interval '1 second'
FROM generate_series(1, {orders}) i;
INSERT INTO trades (order_id, account_id, symbol, side, volume, price, trade_type, executed_at)
SELECT 1 + i % {orders}, 1 + i % 1000, 'SYM' || (i % 50), 'BUY', 1, 1.1, 'OPEN',
       now() - i * interval '500 milliseconds'
FROM generate_series(1, {trades}) i;
ANALYZE;
"""
WRITE = """
WITH placed AS (
    INSERT INTO orders (account_id, symbol, side, order_type, volume)
    VALUES (%(account)s, 'SYM1', 'BUY', 'MARKET', 1) RETURNING id
)
INSERT INTO trades (order_id, account_id, symbol, side, volume, price, trade_type)
SELECT id, %(account)s, 'SYM1', 'BUY', 1, 1.1, 'OPEN' FROM placed
"""


@dataclass
class Writers:
    """Threads inserting an order and its trade per transaction, each timed."""

    server: Server
    dbname: str
    count: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self._stop.clear()
        self.latencies, self.errors = [], []
        self._threads = [
            threading.Thread(target=self._write, args=(number,), daemon=True)
            for number in range(self.count)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _write(self, number: int) -> None:
        with self.server.connect(self.dbname) as connection:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    connection.execute(WRITE, {"account": 1 + number})
                except psycopg.Error as error:
                    with self._lock:
                        self.errors.append(str(error).splitlines()[0])
                    continue
                with self._lock:
                    self.latencies.append(seconds_since(start))


def hold_reader(server: Server, dbname: str, seconds: float, ready: threading.Event) -> None:
    """A report: a REPEATABLE READ snapshot that has read orders, held open."""
    with server.connect(dbname, autocommit=False) as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        connection.execute("SELECT count(*) FROM orders")
        ready.set()
        time.sleep(seconds)
        connection.rollback()


@dataclass(frozen=True)
class StepResult:
    command: str
    reader_seconds: float
    exit_status: int
    seconds: float
    retries: int
    states: str
    drift: int
    transactions: int
    errors: int
    latency: Latency
    max_ms: float


def run_step(
    server: Server, dbname: str, writers: Writers, reader_seconds: float, *arguments: str
) -> StepResult:
    say(f"rtx-migrate {' '.join(arguments)} with {writers.count} writers and a reader")
    writers.start()
    ready = threading.Event()
    reader = threading.Thread(
        target=hold_reader, args=(server, dbname, reader_seconds, ready), daemon=True
    )
    if reader_seconds:
        reader.start()
        ready.wait()
    time.sleep(1)  # writers in full flow before the migration starts
    run = run_manage(server, dbname, "rtx_migrate", *arguments, check=False)
    time.sleep(1)
    writers.stop()
    if reader_seconds:
        reader.join()
    retries = sum(1 for line in (run.stdout + run.stderr).splitlines() if "; retry " in line)
    state = json.loads(run_manage(server, dbname, "rtx_migrate", "-status", "-json").stdout)
    states = ", ".join(
        f"{item['number']}: {item['state']}" + (f" ({item['detail']})" if item["detail"] else "")
        for item in state["versions"]
        if item["number"] >= 5
    )
    latencies = writers.latencies or [0.0]
    result = StepResult(
        command=" ".join(arguments),
        reader_seconds=reader_seconds,
        exit_status=run.returncode,
        seconds=run.seconds,
        retries=retries,
        states=states,
        drift=len(state["drift"]),
        transactions=len(writers.latencies),
        errors=len(writers.errors),
        latency=Latency.of(latencies),
        max_ms=max(latencies) * 1000,
    )
    say(
        f"exit {result.exit_status} in {result.seconds:.1f}s, {result.retries} retries; "
        f"writers: {fmt_int(result.transactions)} transactions, {result.errors} errors, "
        f"p99 {result.latency.p99:.1f} ms, max {result.max_ms:.1f} ms; versions: {states}"
    )
    return result


def measure(server: Server, arguments: argparse.Namespace) -> None:
    """Seed a database of its own, run the four steps under the writers, report them."""
    orders = arguments.trades // 4

    def seed(dbname: str) -> None:
        say(f"Seeding {fmt_int(arguments.trades)} trades and {fmt_int(orders)} orders")
        start = time.perf_counter()
        with server.connect(dbname) as connection:
            connection.execute(SEED.format(orders=orders, trades=arguments.trades))
        say(f"Seeded in {seconds_since(start):.1f}s")

    with bench_database(server, existing=None, keep=arguments.keep, prepare=seed) as dbname:
        writers = Writers(server, dbname, arguments.writers)
        short, long = arguments.reader_seconds, arguments.long_reader_seconds
        results = [
            run_step(server, dbname, writers, short, "-version=4"),
            run_step(server, dbname, writers, short, "-up"),
            # A reader that outlasts the retries: the revert stops half-way (exit 5) ...
            run_step(server, dbname, writers, long, "-version=4"),
            # ... and the next run finishes what it left.
            run_step(server, dbname, writers, 0, "-up"),
        ]
        header = [
            *environment_lines(server, dbname),
            f"Trades: {fmt_int(arguments.trades)}; orders: {fmt_int(orders)}; "
            f"writers: {arguments.writers}; a REPEATABLE READ reader of orders held for the "
            "seconds given, from 1s before the step; rtx-migrate's defaults "
            "(RTX_LOCK_TIMEOUT=1s, RTX_LOCK_RETRIES=5, RTX_LOCK_RETRY_DELAY=0.5)",
        ]
        body = [
            "| Step | Reader s | Exit | Seconds | Retries | Versions 5+ after (-status) | Drift | "
            "Writer txns | Errors | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
            *[
                f"| `{r.command}` | {r.reader_seconds:g} | {r.exit_status} | {r.seconds:.1f} | "
                f"{r.retries} | {r.states} | "
                f"{r.drift} | {fmt_int(r.transactions)} | {r.errors} | {r.latency.p50:.1f} | "
                f"{r.latency.p99:.1f} | {r.max_ms:.1f} |"
                for r in results
            ],
        ]
        write_results("live_writers", "rtx-migrate under live writers", header, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--trades", type=int, default=2_000_000, help="trades seeded first (default 2000000)"
    )
    parser.add_argument(
        "--writers", type=int, default=4, help="threads inserting orders and trades (default 4)"
    )
    parser.add_argument(
        "--reader-seconds",
        type=float,
        default=12.0,
        help="how long the report holds its snapshot in steps 1 and 2 (default 12)",
    )
    parser.add_argument(
        "--long-reader-seconds",
        type=float,
        default=40.0,
        help="how long it holds it in step 3, past the retries (default 40)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database instead of dropping it"
    )
    arguments = parser.parse_args(argv)
    return run_script("live_writers", lambda server: measure(server, arguments))


if __name__ == "__main__":
    sys.exit(main())
