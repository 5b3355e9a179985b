"""rtx-migrate under live traffic: what writers feel, and what -status says after.

Usage::

    .venv/bin/python bench/live_writers.py [--trades 2000000] [--writers 4]
        [--reader-seconds 12] [--long-reader-seconds 40] [--keep]

On a database of its own with ``--trades`` trades (and a quarter as many orders), it runs
``--writers`` threads that each insert an order and its trade in one transaction, as fast
as they can, and one report that holds a REPEATABLE READ snapshot of ``orders`` for
``--reader-seconds``, while rtx-migrate runs, in turn:

1. ``-version=4``: reverts versions 9, 8, 6 and 5, dropping their indexes CONCURRENTLY;
   the reader (``--reader-seconds``) makes the drops on ``orders`` wait and retry;
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
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import psycopg
from common import (
    MANAGE_PY,
    PROJECT_ROOT,
    BenchError,
    Server,
    bench_database,
    environment_lines,
    fmt_int,
    percentile,
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
FROM generate_series(1, %(orders)s) i;
INSERT INTO trades (order_id, account_id, symbol, side, volume, price, trade_type, executed_at)
SELECT 1 + i % %(orders)s, 1 + i % 1000, 'SYM' || (i % 50), 'BUY', 1, 1.1, 'OPEN',
       now() - i * interval '500 milliseconds'
FROM generate_series(1, %(trades)s) i;
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
    p50_ms: float
    p99_ms: float
    max_ms: float


def rtx_migrate(server: Server, dbname: str, *arguments: str) -> tuple[int, float, str]:
    """Run ``manage.py rtx_migrate`` and return its exit status, seconds and output."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(MANAGE_PY), "rtx_migrate", *arguments],
        cwd=PROJECT_ROOT,
        env=server.environment(dbname),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    return done.returncode, seconds_since(start), done.stdout + done.stderr


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
    status, seconds, output = rtx_migrate(server, dbname, *arguments)
    time.sleep(1)
    writers.stop()
    if reader_seconds:
        reader.join()
    retries = sum(1 for line in output.splitlines() if "; retry " in line)
    exit_status, _, status_output = rtx_migrate(server, dbname, "-status", "-json")
    if exit_status != 0:
        raise BenchError(f"-status -json exited {exit_status}: {status_output[-300:]}")
    state = json.loads(status_output)
    states = ", ".join(
        f"{item['number']}: {item['state']}" + (f" ({item['detail']})" if item["detail"] else "")
        for item in state["versions"]
        if item["number"] >= 5
    )
    latencies = writers.latencies or [0.0]
    result = StepResult(
        command=" ".join(arguments),
        reader_seconds=reader_seconds,
        exit_status=status,
        seconds=seconds,
        retries=retries,
        states=states,
        drift=len(state["drift"]),
        transactions=len(writers.latencies),
        errors=len(writers.errors),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=max(latencies) * 1000,
    )
    say(
        f"exit {result.exit_status} in {result.seconds:.1f}s, {result.retries} retries; "
        f"writers: {fmt_int(result.transactions)} transactions, {result.errors} errors, "
        f"p99 {result.p99_ms:.1f} ms, max {result.max_ms:.1f} ms; versions: {states}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=2_000_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--reader-seconds", type=float, default=12.0)
    parser.add_argument("--long-reader-seconds", type=float, default=40.0)
    parser.add_argument("--keep", action="store_true")
    arguments = parser.parse_args()
    server = Server.from_environment()

    def seed(dbname: str) -> None:
        orders = fmt_int(arguments.trades // 4)
        say(f"Seeding {fmt_int(arguments.trades)} trades and {orders} orders")
        start = time.perf_counter()
        with server.connect(dbname) as connection:
            connection.execute(
                SEED.replace("%(orders)s", str(arguments.trades // 4)).replace(
                    "%(trades)s", str(arguments.trades)
                )
            )
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
            f"Trades: {fmt_int(arguments.trades)}; orders: {fmt_int(arguments.trades // 4)}; "
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
                f"{r.drift} | {fmt_int(r.transactions)} | {r.errors} | {r.p50_ms:.1f} | "
                f"{r.p99_ms:.1f} | {r.max_ms:.1f} |"
                for r in results
            ],
        ]
        write_results("live_writers", "rtx-migrate under live writers", header, body)


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        print(f"live_writers: {error}", file=sys.stderr)
        sys.exit(1)
