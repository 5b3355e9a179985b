"""Fill throughput of ``trading.services.fill_record`` with 1, 4 and 8 concurrent workers.

Usage::

    .venv/bin/python bench/fills.py [--fills-per-worker 200] [--database NAME] [--keep]

Without ``--database`` it creates ``rtx_bench_<pid>``, applies the schema and drops it at
the end unless ``--keep``; with ``--database`` it adds its own users, accounts and orders to
that database (a seeded one, as ``bench/run.py`` does).

Two scenarios, each with 1, 4 and 8 workers:

- **one shared account**: every worker fills its own pre-placed orders, all on the same
  account, so the fills queue on that account's row lock (the worst case for contention);
- **an account per worker**: the same work on separate accounts (no shared row).

Each worker is a process of its own (forked, with its own Django database connection).
Its orders are placed beforehand with ``order_place`` (not timed): half BUY, half SELL, on
EURUSD and XAUUSD, each filled in two fills of half its volume, so positions open,
increase, reduce, close and reverse. The workers start together (a barrier) and each
records every ``fill_record`` call's latency. Measured: fills per second over the wall
clock from the first start to the last finish, and p50/p99 latency of one fill.

Then a check that no update was lost, per account: the balance equals the initial balance
plus the realized P&L minus the commissions of the account's trades, and also plus what
the workers were told (``FillResult.realized_pnl``) minus the commissions they passed; the
account has exactly as many trades and order_history rows as fills were recorded; the net
volume of its open positions equals the net filled volume per symbol; every order is
FILLED. PASS or FAIL is printed for each run. Results go to ``bench/results/fills.txt``.
"""

import argparse
import multiprocessing
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from typing import Any

from common import (
    Latency,
    Server,
    add_database_arguments,
    bench_database,
    close_django_connections,
    environment_lines,
    fmt_int,
    run_script,
    say,
    setup_django,
    write_results,
)

WORKER_COUNTS = (1, 4, 8)
SHARED, OWN = "one shared account", "an account per worker"
INITIAL_BALANCE = Decimal("100000.00000")
COMMISSION = Decimal("0.35000")
SYMBOL_PRICES = {"EURUSD": Decimal("1.08500"), "XAUUSD": Decimal("2350.00")}
ORDER_VOLUMES = (Decimal("0.20"), Decimal("0.40"), Decimal("1.00"))
FILLS_PER_ORDER = 2
BARRIER_TIMEOUT_SECONDS = 120
WORKER_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Fill:
    """One fill_record call a worker will make."""

    order_id: int
    account_id: int
    symbol: str
    side: str
    volume: Decimal
    price: Decimal


@dataclass
class WorkerResult:
    """What one worker did: fills recorded, their latencies, and the totals it was told."""

    worker: int
    started: float = 0.0
    finished: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Per account: fills, realized P&L returned, commission passed; per (account, symbol):
    # net filled volume (BUY positive).
    fills: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    realized: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    commission: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    net_volume: dict[tuple[int, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))


@dataclass
class Run:
    """One scenario with a number of workers: throughput, latency, and the check."""

    scenario: str
    workers: int
    fills: int
    seconds: float
    latency: Latency
    errors: int
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.errors

    @property
    def rate(self) -> float:
        return self.fills / self.seconds if self.seconds else 0.0


# --- preparation (not timed) ---------------------------------------------------------


def create_accounts(label: str, count: int) -> list[int]:
    """``count`` fresh accounts (one user each) with the initial balance."""
    from accounts.models import Account, User

    ids = []
    for i in range(count):
        name = f"bench-{label}-{i}"
        user = User.objects.create(username=name, email=f"{name}@bench.example", password_hash="!")
        account = Account.objects.create(
            user=user,
            account_number=name.upper(),
            account_type="LIVE",
            balance=INITIAL_BALANCE,
            equity=INITIAL_BALANCE,
            free_margin=INITIAL_BALANCE,
        )
        ids.append(account.pk)
    return ids


def place_orders(
    label: str, accounts: list[int], fills_per_worker: int, seed: int
) -> list[list[Fill]]:
    """Each worker's fills: its own orders (placed now) on its account, two fills each."""
    from trading.services import order_place

    rng = random.Random(seed)
    jobs = []
    for worker, account in enumerate(accounts):
        fills = []
        for i in range(fills_per_worker // FILLS_PER_ORDER):
            symbol = rng.choice(tuple(SYMBOL_PRICES))
            side = rng.choice(("BUY", "SELL"))
            volume = rng.choice(ORDER_VOLUMES)
            order, _ = order_place(
                account_id=account,
                client_order_id=f"bench-{label}-{worker}-{i}",
                symbol=symbol,
                side=side,
                order_type="MARKET",
                volume=volume,
            )
            for _ in range(FILLS_PER_ORDER):
                drift = Decimal(rng.randint(-500, 500)) / Decimal(100_000)
                price = (SYMBOL_PRICES[symbol] * (1 + drift)).quantize(Decimal("0.00001"))
                fills.append(Fill(order.pk, account, symbol, side, volume / FILLS_PER_ORDER, price))
        jobs.append(fills)
    return jobs


# --- the workers ---------------------------------------------------------------------


def work(worker: int, fills: list[Fill], barrier: Barrier, results: Any) -> None:
    """A worker process: wait for the others, record its fills, report what it did."""
    from django.db import connection

    from trading.services import fill_record

    result = WorkerResult(worker)
    try:
        connection.ensure_connection()
        barrier.wait(BARRIER_TIMEOUT_SECONDS)
        result.started = time.perf_counter()
        for fill in fills:
            start = time.perf_counter()
            try:
                recorded = fill_record(
                    order_id=fill.order_id,
                    volume=fill.volume,
                    fill_price=fill.price,
                    commission=COMMISSION,
                )
            except Exception as error:  # counted and reported; the run goes on
                result.errors.append(f"order {fill.order_id}: {error!r}")
                continue
            result.latencies.append(time.perf_counter() - start)
            result.fills[fill.account_id] += 1
            result.realized[fill.account_id] += recorded.realized_pnl
            result.commission[fill.account_id] += COMMISSION
            signed = fill.volume if fill.side == "BUY" else -fill.volume
            result.net_volume[(fill.account_id, fill.symbol)] += signed
        result.finished = time.perf_counter()
    except Exception as error:
        result.errors.append(f"worker {worker}: {error!r}")
    finally:
        close_django_connections()
        results.put(result)


def run_workers(jobs: list[list[Fill]]) -> list[WorkerResult]:
    """Fork one process per job, start them together, collect their results."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(jobs))
    results = context.Queue()
    close_django_connections()  # never share a connection with a child
    processes = [
        context.Process(target=work, args=(i, job, barrier, results), daemon=True)
        for i, job in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=WORKER_TIMEOUT_SECONDS) for _ in processes]
    for process in processes:
        process.join(WORKER_TIMEOUT_SECONDS)
    return sorted(collected, key=lambda r: r.worker)


# --- the check -----------------------------------------------------------------------


def check(accounts: list[int], jobs: list[list[Fill]], results: list[WorkerResult]) -> list[str]:
    """Compare each account's rows with what the workers recorded; return the failures."""
    from django.db.models import Count, Q, Sum

    from accounts.models import Account
    from trading.models import Order, OrderHistory, Position, Trade

    failures = []
    expected_fills: dict[int, int] = defaultdict(int)
    expected_realized: dict[int, Decimal] = defaultdict(Decimal)
    expected_commission: dict[int, Decimal] = defaultdict(Decimal)
    expected_net: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for result in results:
        for worked_on, n in result.fills.items():
            expected_fills[worked_on] += n
            expected_realized[worked_on] += result.realized[worked_on]
            expected_commission[worked_on] += result.commission[worked_on]
        for key, volume in result.net_volume.items():
            expected_net[key] += volume
    for account_id in accounts:
        account = Account.objects.get(pk=account_id)
        trades = Trade.objects.filter(account_id=account_id).aggregate(
            n=Count("id"), pnl=Sum("pnl"), commission=Sum("commission")
        )
        history = OrderHistory.objects.filter(account_id=account_id).count()
        pnl, commission = trades["pnl"] or Decimal(0), trades["commission"] or Decimal(0)
        fills = expected_fills[account_id]
        if trades["n"] != fills or history != fills:
            failures.append(
                f"account {account_id}: {fills} fills recorded, but {trades['n']} trades "
                f"and {history} order_history rows"
            )
        from_trades = INITIAL_BALANCE + pnl - commission
        told = INITIAL_BALANCE + expected_realized[account_id] - expected_commission[account_id]
        if not account.balance == from_trades == told:
            failures.append(
                f"account {account_id}: balance {account.balance}, from its trades "
                f"{from_trades}, from the fills' results {told}"
            )
        open_volume: dict[str, Decimal] = defaultdict(Decimal)
        for position in Position.objects.filter(account_id=account_id, status="OPEN"):
            sign = 1 if position.side == "BUY" else -1
            open_volume[position.symbol] += sign * position.volume
        for symbol in SYMBOL_PRICES:
            filled = expected_net[(account_id, symbol)]
            if open_volume[symbol] != filled:
                failures.append(
                    f"account {account_id} {symbol}: open positions net {open_volume[symbol]}, "
                    f"fills net {filled}"
                )
    order_ids = {fill.order_id for job in jobs for fill in job}
    unfilled = Order.objects.filter(pk__in=order_ids).aggregate(
        n=Count("id", filter=~Q(status="FILLED"))
    )["n"]
    if unfilled:
        failures.append(f"{unfilled} of {len(order_ids)} orders are not FILLED")
    return failures


def measure_run(scenario: str, workers: int, fills_per_worker: int, seed: int) -> Run:
    """Prepare accounts and orders, run the workers, check the rows."""
    label = f"{'shared' if scenario == SHARED else 'own'}{workers}-{time.time_ns() % 10**9}"
    accounts = create_accounts(label, 1 if scenario == SHARED else workers)
    worker_accounts = accounts * workers if scenario == SHARED else accounts
    jobs = place_orders(label, worker_accounts, fills_per_worker, seed)
    say(f"{scenario}, {workers} worker(s): {fmt_int(workers * fills_per_worker)} fills")
    results = run_workers(jobs)
    errors = [e for r in results for e in r.errors]
    for error in errors[:5]:
        say(f"  error: {error}")
    latencies = [s for r in results for s in r.latencies]
    started = min((r.started for r in results if r.started), default=0.0)
    seconds = max((r.finished for r in results), default=0.0) - started
    failures = check(accounts, jobs, results)
    run = Run(
        scenario,
        workers,
        len(latencies),
        seconds,
        Latency.of(latencies or [0.0]),
        len(errors),
        failures,
    )
    verdict = "PASS" if run.passed else "FAIL: " + "; ".join(failures or errors[:1])
    say(
        f"  {fmt_int(run.fills)} fills in {run.seconds:.2f}s = {run.rate:,.0f} fills/s "
        f"(p50 {run.latency.p50:.1f} ms, p99 {run.latency.p99:.1f} ms); no lost update: {verdict}"
    )
    return run


def measure_fills(
    server: Server, dbname: str, *, fills_per_worker: int, seed: int = 11
) -> list[Run]:
    """Both scenarios with 1, 4 and 8 workers on ``dbname``."""
    setup_django(server, dbname)
    return [
        measure_run(scenario, workers, fills_per_worker, seed)
        for scenario in (SHARED, OWN)
        for workers in WORKER_COUNTS
    ]


def report_lines(runs: list[Run], fills_per_worker: int) -> list[str]:
    """The body of bench/results/fills.txt."""
    lines = [
        f"fill_record, {fills_per_worker} fills per worker (each order in {FILLS_PER_ORDER} "
        "fills), one process and database connection per worker",
        "",
        f"{'scenario':<24}{'workers':>8}{'fills':>8}{'seconds':>9}{'fills/s':>9}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}  no lost update",
    ]
    for run in runs:
        lines.append(
            f"{run.scenario:<24}{run.workers:>8}{run.fills:>8}{run.seconds:>9.2f}"
            f"{run.rate:>9.0f}{run.latency.p50:>8.1f}{run.latency.p99:>8.1f}{run.errors:>8}  "
            + ("PASS" if run.passed else "FAIL")
        )
    lines += [
        "",
        "Check per account: balance = initial + sum(trades.pnl) - sum(trades.commission)",
        "= initial + sum(FillResult.realized_pnl) - sum(commission passed); trades and",
        "order_history rows = fills; net open position volume = net filled volume per",
        "symbol; every order FILLED.",
    ]
    for run in runs:
        for failure in run.failures:
            lines.append(f"  FAIL {run.scenario}, {run.workers} workers: {failure}")
    return lines


def write_report(server: Server, dbname: str, runs: list[Run], fills_per_worker: int) -> None:
    write_results(
        "fills",
        "rtx-schema benchmark: fill throughput (bench/fills.py)",
        environment_lines(server, dbname),
        report_lines(runs, fills_per_worker),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fills-per-worker",
        type=int,
        default=200,
        help=f"fills each worker records, {FILLS_PER_ORDER} per order (default 200)",
    )
    add_database_arguments(parser)
    args = parser.parse_args(argv)
    if args.fills_per_worker < FILLS_PER_ORDER:
        parser.error(f"--fills-per-worker must be at least {FILLS_PER_ORDER}")

    def measure(server: Server) -> None:
        with bench_database(server, existing=args.database, keep=args.keep) as dbname:
            runs = measure_fills(server, dbname, fills_per_worker=args.fills_per_worker)
            write_report(server, dbname, runs, args.fills_per_worker)

    return run_script("fills", measure)


if __name__ == "__main__":
    sys.exit(main())
