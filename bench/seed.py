"""Seed a migrated rtx-schema database with a realistic trading data set, fast (COPY).

Usage::

    .venv/bin/python bench/seed.py [--scale 1.0] [--seed 42] [--database NAME] [--keep]

Without ``--database`` it creates ``rtx_bench_<pid>``, applies the schema with
``rtx-migrate -up``, seeds it, and drops it at the end unless ``--keep``. With
``--database`` it seeds that database, which must be migrated and empty.

At ``--scale 1.0`` (rows scale linearly; trading groups, symbols, admins are fixed):

    users 100k, accounts 120k, positions 200k, orders 1M, trades 2M, order_history 1M,
    admin_audit_log 500k, risk_alerts 50k, liquidation_events 10k,
    12 trading groups with per-symbol settings, 30 symbols and their 435 correlations,
    50 admin users.

The data: one year of activity (2025-11-01 to 2026-11-01 UTC), busier on weekdays and in
European and American trading hours. Account activity is Pareto-distributed (most
accounts trade little or not at all, a few hundred are heavy traders) and symbols follow
a popularity list (EURUSD, XAUUSD, GBPUSD, USDJPY, BTCUSD first). Every position is
simulated as a series of orders (an opening order, orders that increase or reduce it, and
for closed positions a closing order), each filled in one or more fills (trades) whose
prices follow the symbol's price path; each fill is booked by ``trading.bookkeeping``, the
arithmetic ``fill_record`` applies (trade type, realized P&L, average open price), and the
accounts' figures by its ``account_figures``. About 86% of orders are
FILLED (some PARTIALLY_FILLED), the rest PENDING, CANCELLED or REJECTED; order_history has
one row per order; account balances are a deposit plus the P&L and commissions of their
trades. Rows are written in time order with ids increasing in time (as a live system writes
them), all foreign keys resolve, timestamps are timezone-aware, and decimals are written as
text within their columns' precision; each table's columns are its model's. The audit log
holds small JSON change sets, naming the account (``account_id``) where there is one.

Everything comes from ``random.Random(--seed)``: the same seed and scale give the same rows.
After the COPYs each identity sequence is set past its table's highest id, the continuous
aggregates, where TimescaleDB keeps them, are refreshed, and the tables, theirs included,
VACUUM ANALYZEd.
Measured and written to ``bench/results/seed.txt``: rows and seconds per table (generation
and COPY) and the total.
"""

import argparse
import itertools
import json
import math
import random
import sys
import time
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from common import (
    BenchError,
    Server,
    add_database_arguments,
    bench_database,
    environment_lines,
    fmt_int,
    run_script,
    say,
    seconds_since,
    setup_django,
    write_results,
)
from psycopg import sql

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
SPAN_END_MS = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000)
SPAN_MS = 365 * DAY_MS
SPAN_START_MS = SPAN_END_MS - SPAN_MS
EPOCH_DAY = date(1970, 1, 1)
LOT = 100_000  # volumes are integers in units of 0.00001 lot, the columns' scale
COPY_CHUNK_ROWS = 20_000
PROGRESS_EVERY_ROWS = 500_000
NULL = "\\N"

# Share of orders that belong to positions (FILLED or PARTIALLY_FILLED); the others:
POSITION_ORDER_SHARE = 0.86
OTHER_ORDER_STATUSES = (("PENDING", 5), ("CANCELLED", 7), ("REJECTED", 2))
OPEN_POSITION_SHARE = 0.12


@dataclass(frozen=True)
class Symbol:
    """A traded instrument: typical price, decimals, popularity, commission per lot."""

    name: str
    price: float
    decimals: int
    weight: float
    commission: float
    amplitude: float  # relative swing of the price over the year


SYMBOLS = (
    Symbol("EURUSD", 1.085, 5, 18, 3.5, 0.04),
    Symbol("XAUUSD", 2350.0, 2, 14, 5.0, 0.10),
    Symbol("GBPUSD", 1.27, 5, 9, 3.5, 0.04),
    Symbol("USDJPY", 151.2, 3, 8, 3.5, 0.05),
    Symbol("BTCUSD", 65000.0, 2, 7, 10.0, 0.30),
    Symbol("NAS100", 18100.0, 2, 6, 1.0, 0.12),
    Symbol("US30", 39000.0, 2, 4, 1.0, 0.08),
    Symbol("USOIL", 78.4, 3, 3, 2.0, 0.15),
    Symbol("ETHUSD", 3200.0, 2, 3, 5.0, 0.35),
    Symbol("AUDUSD", 0.66, 5, 4, 3.5, 0.05),
    Symbol("USDCAD", 1.36, 5, 3, 3.5, 0.04),
    Symbol("USDCHF", 0.88, 5, 3, 3.5, 0.04),
    Symbol("US500", 5200.0, 2, 3, 1.0, 0.08),
    Symbol("GER40", 18000.0, 2, 2, 1.0, 0.08),
    Symbol("EURJPY", 162.4, 3, 3, 3.5, 0.05),
    Symbol("GBPJPY", 190.7, 3, 3, 3.5, 0.06),
    Symbol("XAGUSD", 27.5, 3, 3, 5.0, 0.15),
    Symbol("NZDUSD", 0.61, 5, 2, 3.5, 0.05),
    Symbol("EURGBP", 0.855, 5, 2, 3.5, 0.03),
    Symbol("UK100", 8000.0, 2, 1, 1.0, 0.06),
    Symbol("JPN225", 38000.0, 2, 1, 1.0, 0.10),
    Symbol("UKOIL", 82.1, 3, 1, 2.0, 0.15),
    Symbol("EURCHF", 0.95, 5, 1, 3.5, 0.03),
    Symbol("AUDJPY", 99.1, 3, 1, 3.5, 0.06),
    Symbol("CADJPY", 110.5, 3, 1, 3.5, 0.06),
    Symbol("EURAUD", 1.64, 5, 1, 3.5, 0.04),
    Symbol("GBPAUD", 1.92, 5, 1, 3.5, 0.04),
    Symbol("SOLUSD", 150.0, 3, 1, 5.0, 0.45),
    Symbol("XRPUSD", 0.52, 5, 1, 5.0, 0.40),
    Symbol("NATGAS", 2.1, 4, 1, 2.0, 0.25),
)
GROUPS = (
    # name, execution_mode, markup, commission, max_leverage, margin_mode, share of users
    ("Standard", "BBOOK", "0.00010", "0.00", 500, "HEDGING", 30),
    ("Standard-Plus", "BBOOK", "0.00008", "0.00", 500, "HEDGING", 12),
    ("ECN", "ABOOK", "0.00000", "3.50", 200, "NETTING", 10),
    ("ECN-Pro", "ABOOK", "0.00000", "2.50", 200, "NETTING", 4),
    ("VIP", "HYBRID", "0.00002", "1.50", 200, "HEDGING", 2),
    ("Islamic", "BBOOK", "0.00012", "0.00", 100, "HEDGING", 6),
    ("Demo", "BBOOK", "0.00010", "0.00", 500, "HEDGING", 25),
    ("Demo-Contest", "BBOOK", "0.00010", "0.00", 100, "HEDGING", 3),
    ("Institutional", "ABOOK", "0.00000", "1.00", 50, "NETTING", 1),
    ("Cent", "BBOOK", "0.00015", "0.00", 1000, "HEDGING", 4),
    ("Pro-ABook", "ABOOK", "0.00001", "3.00", 100, "NETTING", 2),
    ("Hybrid-EU", "HYBRID", "0.00005", "2.00", 30, "HEDGING", 1),
)


def words(line: str) -> tuple[str, ...]:
    return tuple(line.split())


FIRST_NAMES = words(
    "Anna Ben Carla David Elena Farid Grace Hiro Ines Jonas Kofi Lena Marco Nadia Omar "
    "Priya Quentin Rosa Sven Tara Umar Vera Wei Ximena Yusuf Zoe"
)
LAST_NAMES = words(
    "Adams Becker Costa Dubois Evans Fischer Garcia Haddad Ivanov Jensen Kim Lopez "
    "Muller Nakamura Okafor Petrov Rossi Silva Tanaka Ueda Varga Weber Xu Yilmaz Zhang"
)
LIQUIDITY_PROVIDERS = ("LMAX", "Integral", "Currenex", "PrimeXM", "Finalto")
PASSWORD_HASH = (
    "argon2$argon2id$v=19$m=102400,t=2,p=8$c2VlZHNhbHRzZWVkc2FsdA$"
    "Jq1qkG0v4mYb7lqfVd2N3Ae5b0Zs9n1iKq0Q2wq8c8E"
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "rtx-backoffice-cli/2.3",
)


@dataclass(frozen=True)
class Sizes:
    """How many rows each table gets at a scale (fixed-size tables do not scale)."""

    users: int
    accounts: int
    positions: int
    orders: int
    trades: int
    admin_audit_log: int
    risk_alerts: int
    liquidation_events: int
    admin_users: int = 50

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        def n(base: int) -> int:
            return max(1, round(base * scale))

        positions = n(200_000)
        orders = max(n(1_000_000), math.ceil(positions / POSITION_ORDER_SHARE) + 1)
        position_orders = round(orders * POSITION_ORDER_SHARE)
        return cls(
            users=n(100_000),
            accounts=n(120_000),
            positions=positions,
            orders=orders,
            trades=max(n(2_000_000), position_orders),
            admin_audit_log=n(500_000),
            risk_alerts=n(50_000),
            liquidation_events=n(10_000),
        )


# --- text values for COPY ------------------------------------------------------------


@lru_cache(maxsize=4096)
def day_text(day: int) -> str:
    return (EPOCH_DAY + timedelta(days=day)).isoformat()


def stamp(ms: int) -> str:
    """A UTC timestamptz literal for a time in milliseconds since the epoch."""
    day, rest = divmod(ms, DAY_MS)
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{day_text(day)} {hour:02d}:{minute:02d}:{second:02d}.{millis:03d}+00"


def lots(units: int) -> str:
    """A volume in 0.00001-lot units as DECIMAL(20,5) text, exactly."""
    whole, fraction = divmod(units, LOT)
    return f"{whole}.{fraction:05d}"


def amount(value: float) -> str:
    """A DECIMAL(20,5) amount of generated data (booked amounts are Decimal)."""
    return f"{value:.5f}"


def text(value: str | None) -> str:
    """Free text escaped for COPY's text format (NULL for None)."""
    if value is None:
        return NULL
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def jsonb(value: Any) -> str:
    return text(json.dumps(value, separators=(", ", ": ")))


def row(*values: object) -> str:
    return "\t".join(NULL if v is None else str(v) for v in values) + "\n"


# --- COPY ----------------------------------------------------------------------------


@dataclass
class TableReport:
    """Rows written to a table and the seconds spent generating and copying them."""

    table: str
    rows: int = 0
    generate_seconds: float = 0.0
    copy_seconds: float = 0.0


@dataclass
class SeedReport:
    scale: float
    seed: int
    database: str
    tables: dict[str, TableReport] = field(default_factory=dict)
    simulate_seconds: float = 0.0
    finish_seconds: float = 0.0
    total_seconds: float = 0.0
    database_size: str = ""

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport(name))


# --- the data set --------------------------------------------------------------------


@dataclass
class AccountState:
    """What the trading simulation leaves in an account."""

    cash: Decimal = Decimal(0)  # realized P&L minus commissions
    # (volume, open price, unrealized P&L) of each open position
    open_positions: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)
    first_ms: int = SPAN_END_MS


class Seeder:
    """Generates every table from one PRNG and copies it into the database."""

    def __init__(
        self, conn: psycopg.Connection[Any], sizes: Sizes, seed: int, report: SeedReport
    ) -> None:
        self.conn = conn
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.report = report
        rng = self.rng
        self.account_ids = range(1, sizes.accounts + 1)
        # Pareto activity: most accounts trade little, a few hundred trade a lot.
        weights = [min(rng.paretovariate(1.2), 5000.0) for _ in self.account_ids]
        self.account_cum = list(itertools.accumulate(weights))
        self.symbol_cum = list(itertools.accumulate(s.weight for s in SYMBOLS))
        self.accounts = [AccountState() for _ in range(sizes.accounts + 1)]
        self.account_user = [0] * (sizes.accounts + 1)
        self.price_phase = [(rng.random(), rng.random(), rng.uniform(1, 3)) for _ in SYMBOLS]
        self.admin_names: list[str] = []

    # Draws ------------------------------------------------------------------------

    def active_account(self) -> int:
        return self.rng.choices(self.account_ids, cum_weights=self.account_cum)[0]

    def active_accounts(self, k: int) -> list[int]:
        return self.rng.choices(self.account_ids, cum_weights=self.account_cum, k=k)

    def symbols(self, k: int) -> list[int]:
        return self.rng.choices(range(len(SYMBOLS)), cum_weights=self.symbol_cum, k=k)

    def activity_ms(self) -> int:
        """A moment in the year, three times likelier in trading hours, rare on weekends."""
        rng = self.rng
        while True:
            ms = SPAN_START_MS + int(rng.random() * SPAN_MS)
            day, rest = divmod(ms, DAY_MS)
            weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
            hour = rest // HOUR_MS
            accept = 0.12 if weekend else (1.0 if 7 <= hour < 21 else 0.35)
            if rng.random() < accept:
                return ms

    def lot_units(self) -> int:
        """An order volume: median 0.10 lot, from 0.01 to 100 lots, in 0.01-lot steps."""
        hundredths = max(1, min(10_000, int(math.exp(self.rng.gauss(2.3, 1.1)))))
        return hundredths * (LOT // 100)

    def price(self, symbol: int, ms: int) -> float:
        """The symbol's price at a moment: a yearly swing, an hourly ripple and noise."""
        s = SYMBOLS[symbol]
        phase, ripple, cycles = self.price_phase[symbol]
        x = (ms - SPAN_START_MS) / SPAN_MS
        trend = 1 + s.amplitude * math.sin(2 * math.pi * (x * cycles + phase))
        wave = 1 + 0.002 * math.sin(ms / HOUR_MS * 0.9 + ripple * 6.28)
        return s.price * trend * wave * (1 + self.rng.gauss(0, 0.0003))

    def execution(self) -> tuple[str, str | None]:
        """An execution mode (mostly BBOOK) and, when routed out, the liquidity provider."""
        roll = self.rng.random()
        mode = "BBOOK" if roll < 0.7 else ("ABOOK" if roll < 0.9 else "HYBRID")
        return mode, self.rng.choice(LIQUIDITY_PROVIDERS) if mode != "BBOOK" else None

    def spread(self, total: int, bins: int) -> list[int]:
        """``total`` items over ``bins`` bins, at least one each, the rest at random."""
        counts = [1] * bins
        randrange = self.rng.randrange
        for _ in range(total - bins):
            counts[randrange(bins)] += 1
        return counts

    # Tables -----------------------------------------------------------------------

    def copy(
        self,
        model: str,
        rows: Iterable[str],
        total: int,
        conn: psycopg.Connection[Any] | None = None,
    ) -> None:
        """COPY text rows (tab-separated, newline-ended) into ``model``'s table, with progress.

        On ``conn`` if given (a parallel lane), else the seeder's connection. The columns are
        the model's (``app.Model``), in its order. The time of the whole loop is the table's
        copy time; the part spent producing the rows (their generator) is measured separately
        and moved to its generation time.
        """
        from django.apps import apps

        conn = conn or self.conn
        meta = apps.get_model(model)._meta
        table = meta.db_table
        entry = self.report.table(table)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(f.column) for f in meta.concrete_fields),
        )
        start = time.perf_counter()
        producing = 0.0
        written = 0
        next_progress = PROGRESS_EVERY_ROWS
        iterator = iter(rows)
        with conn.cursor() as cur, cur.copy(statement) as copy:
            while True:
                produce_start = time.perf_counter()
                chunk = list(itertools.islice(iterator, COPY_CHUNK_ROWS))
                producing += seconds_since(produce_start)
                if not chunk:
                    break
                copy.write("".join(chunk))
                written += len(chunk)
                if written >= next_progress and written < total:
                    say(f"  {table}: {fmt_int(written)} / {fmt_int(total)} rows")
                    next_progress += PROGRESS_EVERY_ROWS
        conn.commit()
        elapsed = seconds_since(start)
        entry.rows += written
        entry.generate_seconds += producing
        entry.copy_seconds += elapsed - producing
        rate = written / elapsed if elapsed else 0.0
        say(f"{table}: {fmt_int(written)} rows in {elapsed:.1f}s ({fmt_int(round(rate))} rows/s)")

    def trading_groups(self) -> None:
        created = stamp(SPAN_START_MS - 700 * DAY_MS)

        def rows() -> Iterator[str]:
            for i, (name, mode, markup, commission, leverage, margin, _) in enumerate(GROUPS, 1):
                yield row(
                    i,
                    name,
                    text(f"{name} trading conditions"),
                    mode,
                    markup,
                    commission,
                    leverage,
                    "10000.00000" if name.startswith("Demo") else "0.00000",
                    margin,
                    "ACTIVE",
                    created,
                    created,
                    "system",
                )

        self.copy("accounts.TradingGroup", rows(), len(GROUPS))

    def group_symbol_settings(self) -> None:
        rng = self.rng
        lines: list[str] = []
        for group in range(1, len(GROUPS) + 1):
            for s in SYMBOLS:
                if rng.random() < 0.4:
                    continue  # the group's defaults apply to this symbol
                step = "0.01000" if s.decimals >= 3 else "0.10000"
                lines.append(
                    row(
                        len(lines) + 1,
                        group,
                        s.name,
                        "f" if rng.random() < 0.05 else "t",
                        f"{rng.randint(0, 30) / 100000:.5f}" if rng.random() < 0.6 else None,
                        f"{rng.choice((0, 1.5, 2.5, 3.5, 7)):.2f}" if rng.random() < 0.4 else None,
                        "0.01000" if rng.random() < 0.7 else None,
                        f"{rng.choice((50, 100, 200)):.5f}" if rng.random() < 0.7 else None,
                        step if rng.random() < 0.5 else None,
                    )
                )
        self.copy("adminpanel.GroupSymbolSettings", lines, len(lines))

    def symbol_correlations(self) -> None:
        rng = self.rng
        calculated = stamp(SPAN_END_MS - 3 * HOUR_MS)
        lines = []
        for a, b in itertools.combinations(SYMBOLS, 2):
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            value = max(-1.0, min(1.0, rng.gauss(0.1, 0.45)))
            lines.append(row(first.name, second.name, f"{value:.4f}", calculated))
        self.copy("risk.SymbolCorrelation", lines, len(lines))

    def admin_users(self) -> None:
        rng = self.rng
        count = self.sizes.admin_users
        lines = []
        for i in range(1, count + 1):
            role = "super_admin" if i <= 3 else ("admin" if i <= count // 3 else "support")
            name = f"{rng.choice(FIRST_NAMES).lower()}.{rng.choice(LAST_NAMES).lower()}{i}"
            self.admin_names.append(name)
            created = SPAN_START_MS - rng.randint(30, 900) * DAY_MS
            status = "DISABLED" if rng.random() < 0.06 else "ACTIVE"
            updated = created + rng.randint(0, 300) * DAY_MS
            last_login = SPAN_END_MS - rng.randint(1, 30 * DAY_MS // 1000) * 1000
            lines.append(
                row(
                    i,
                    stamp(last_login),
                    name,
                    f"{name}@rtx.example",
                    PASSWORD_HASH,
                    role,
                    "{10.0.0.0/8}" if role == "super_admin" else None,
                    status,
                    stamp(created),
                    stamp(updated),
                    self.admin_names[0] if i > 1 else None,
                )
            )
        self.copy("adminpanel.AdminUser", lines, len(lines))

    def simulate_trading(self) -> tuple[list[str], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Positions with their orders and fills, booked by trading.bookkeeping.

        Returns the position rows (ids in open order), and the orders and trades as
        ``(time, sequence, ...)`` tuples still to be sorted by time and given ids.
        """
        from rtx.money import money
        from trading.bookkeeping import Holding, apply_fill
        from trading.models import TradeType

        rng, sizes = self.rng, self.sizes
        commissions = [Decimal(str(symbol.commission)) for symbol in SYMBOLS]
        start = time.perf_counter()
        position_orders = round(sizes.orders * POSITION_ORDER_SHARE)
        per_position = self.spread(position_orders, sizes.positions)
        fills_per_order = self.spread(sizes.trades, position_orders)
        open_times = sorted(self.activity_ms() for _ in range(sizes.positions))
        accounts = self.active_accounts(sizes.positions)
        symbols = self.symbols(sizes.positions)
        positions: list[str] = []
        orders: list[tuple[Any, ...]] = []
        trades: list[tuple[Any, ...]] = []
        order_index = 0
        for p in range(sizes.positions):
            if p and p % 50_000 == 0:
                say(f"  simulated {fmt_int(p)} / {fmt_int(sizes.positions)} positions")
            account, symbol, t0 = accounts[p], symbols[p], open_times[p]
            s = SYMBOLS[symbol]
            k = per_position[p]
            hold = int(math.exp(rng.gauss(math.log(4 * HOUR_MS), 2.0)))
            hold = max(60_000, min(hold, 60 * DAY_MS))
            is_open = k == 1 or t0 + hold >= SPAN_END_MS or rng.random() < OPEN_POSITION_SHARE
            times = [
                t0,
                *sorted(min(t0 + rng.randint(1, hold), SPAN_END_MS - 1) for _ in range(k - 1)),
            ]
            side = "BUY" if rng.random() < 0.55 else "SELL"
            other = "SELL" if side == "BUY" else "BUY"
            direction = 1 if side == "BUY" else -1
            magic = rng.randint(1000, 999_999) if rng.random() < 0.25 else None
            stop = take = None
            if rng.random() < 0.3:
                ref = self.price(symbol, t0)
                stop = f"{ref * (1 - direction * 0.01):.{s.decimals}f}"
                take = f"{ref * (1 + direction * 0.02):.{s.decimals}f}"
            holding: Holding | None = None
            volume = 0  # the position's volume in units
            open_price = last_price = Decimal(0)
            realized = commission_total = Decimal(0)
            open_ms = close_ms = 0
            state = self.accounts[account]
            for j in range(k):
                if j == 0:
                    order_side, order_units = side, self.lot_units()
                elif not is_open and j == k - 1:
                    order_side, order_units = other, volume
                elif volume >= 2 * (LOT // 100) and rng.random() < 0.35:
                    order_side = other
                    order_units = rng.randint(1, volume // (LOT // 100) - 1) * (LOT // 100)
                else:
                    order_side, order_units = side, self.lot_units()
                fills = fills_per_order[order_index]
                mode, lp = self.execution()
                base = order_units // fills
                ms = times[j]
                order_ms = ms
                for f in range(fills):
                    fill_units = base if f < fills - 1 else order_units - base * (fills - 1)
                    ms += rng.randint(5, 900)
                    fill_price = Decimal(f"{self.price(symbol, ms):.{s.decimals}f}")
                    fill_lots = Decimal(fill_units).scaleb(-5)
                    booked = apply_fill(
                        holding, side=order_side, volume=fill_lots, fill_price=fill_price
                    )
                    holding = booked.holding or booked.opened
                    if booked.trade_type == TradeType.OPEN:
                        open_ms = ms
                    if holding is not None:
                        open_price = holding.open_price
                    volume = 0 if holding is None else int(holding.volume.scaleb(5))
                    commission = money(commissions[symbol] * fill_lots)
                    realized += booked.realized_pnl
                    commission_total += commission
                    last_price = fill_price
                    state.cash += booked.realized_pnl - commission
                    fill_row = row(
                        p + 1,
                        account,
                        s.name,
                        order_side,
                        fill_lots,
                        fill_price,
                        commission,
                        "0.00000",
                        booked.realized_pnl,
                        booked.trade_type,
                        mode,
                        lp,
                        stamp(ms),
                        magic,
                        None,
                    )
                    trades.append((ms, len(trades), order_index, fill_row))
                close_ms = ms
                partial = is_open and j == k - 1 and j > 0 and order_side == side
                partial = partial and rng.random() < 0.3
                extra = self.lot_units() if partial else 0
                orders.append(
                    self.order_tuple(
                        order_ms,
                        order_index,
                        account,
                        symbol,
                        order_side,
                        order_units + extra,
                        "PARTIALLY_FILLED" if partial else "FILLED",
                        mode=mode,
                        lp=lp,
                        executed_ms=ms,
                        magic=magic,
                        stop=stop if j == 0 else None,
                        take=take if j == 0 else None,
                    )
                )
                order_index += 1
            state.first_ms = min(state.first_ms, t0)
            unrealized = Decimal(0)
            if holding is not None:
                unrealized = money((last_price - open_price) * holding.volume * direction)
                state.open_positions.append((holding.volume, open_price, unrealized))
            days_held = (close_ms - open_ms) // DAY_MS
            swap = -0.35 * days_held * max(volume, LOT // 10) / LOT if days_held else 0.0
            positions.append(
                row(
                    p + 1,
                    account,
                    s.name,
                    side,
                    lots(volume),
                    f"{open_price:.10f}",
                    f"{last_price:.10f}",
                    unrealized,
                    realized,
                    amount(swap),
                    commission_total,
                    stop,
                    take,
                    stamp(open_ms),
                    None if is_open else stamp(close_ms),
                    None if is_open else f"{last_price:.10f}",
                    "OPEN" if is_open else "CLOSED",
                    magic,
                    None if magic is None else text(f"EA #{magic}"),
                )
            )
        self.other_orders(orders, order_index)
        self.report.simulate_seconds = seconds_since(start)
        say(
            f"Simulated {fmt_int(len(positions))} positions, {fmt_int(len(orders))} orders, "
            f"{fmt_int(len(trades))} fills in {self.report.simulate_seconds:.1f}s"
        )
        return positions, orders, trades

    def order_tuple(
        self,
        created_ms: int,
        index: int,
        account: int,
        symbol: int,
        side: str,
        units: int,
        status: str,
        *,
        mode: str,
        lp: str | None,
        executed_ms: int | None = None,
        magic: int | None = None,
        stop: str | None = None,
        take: str | None = None,
    ) -> tuple[Any, ...]:
        """An order as ``(created, index, order row, order_history row)``.

        The rows miss their leading id, given once the orders are sorted by time.
        """
        rng = self.rng
        s = SYMBOLS[symbol]
        price = f"{self.price(symbol, created_ms):.{s.decimals}f}"
        roll = rng.random()
        if status in ("FILLED", "PARTIALLY_FILLED"):
            order_type = "MARKET" if roll < 0.7 else ("LIMIT" if roll < 0.95 else "STOP")
        else:
            order_type = "LIMIT" if roll < 0.6 else ("STOP" if roll < 0.85 else "MARKET")
        reject = None
        if status == "REJECTED":
            reject = rng.choice(
                ("Insufficient margin", "Market closed", "Invalid volume", "Price off quotes")
            )
        updated = executed_ms if executed_ms is not None else created_ms + rng.randint(0, 90_000)
        order = row(
            account,
            f"CL{index:010d}" if rng.random() < 0.8 else None,
            f"{lp}-{index:09d}" if lp and executed_ms is not None else None,
            s.name,
            side,
            order_type,
            lots(units),
            None if order_type == "MARKET" else price,
            stop,
            take,
            mode,
            lp,
            status,
            reject,
            stamp(created_ms),
            stamp(updated),
            None if executed_ms is None else stamp(executed_ms),
            magic,
            None if magic is None else text(f"EA #{magic}"),
        )
        history = row(account, s.name, side, lots(units), price, stamp(created_ms))
        return (created_ms, index, order, history)

    def other_orders(self, orders: list[tuple[Any, ...]], index: int) -> None:
        """Orders without fills: PENDING (mostly recent), CANCELLED, REJECTED."""
        rng = self.rng
        count = self.sizes.orders - len(orders)
        statuses = rng.choices(
            [s for s, _ in OTHER_ORDER_STATUSES],
            weights=[w for _, w in OTHER_ORDER_STATUSES],
            k=count,
        )
        accounts = self.active_accounts(count)
        symbols = self.symbols(count)
        for i in range(count):
            status = statuses[i]
            if status == "PENDING":
                ms = SPAN_END_MS - 1 - min(SPAN_MS - 1, int(rng.expovariate(1 / (20 * DAY_MS))))
            else:
                ms = self.activity_ms()
            state = self.accounts[accounts[i]]
            state.first_ms = min(state.first_ms, ms)
            mode, lp = self.execution()
            orders.append(
                self.order_tuple(
                    ms,
                    index + i,
                    accounts[i],
                    symbols[i],
                    "BUY" if rng.random() < 0.55 else "SELL",
                    self.lot_units(),
                    status,
                    mode=mode,
                    lp=lp,
                )
            )

    def users_and_accounts(self) -> None:
        from trading.bookkeeping import account_figures

        rng, sizes = self.rng, self.sizes
        group_cum = list(itertools.accumulate(g[-1] for g in GROUPS))
        user_first = [SPAN_END_MS] * (sizes.users + 1)
        for account in self.account_ids:
            user = account if account <= sizes.users else rng.randint(1, sizes.users)
            self.account_user[account] = user
            user_first[user] = min(user_first[user], self.accounts[account].first_ms)

        def users() -> Iterator[str]:
            groups = rng.choices(range(1, len(GROUPS) + 1), cum_weights=group_cum, k=sizes.users)
            for user in range(1, sizes.users + 1):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                name = f"{first.lower()}.{last.lower()}{user}"
                created = user_first[user] - rng.randint(1, 400) * DAY_MS
                roll = rng.random()
                yield row(
                    user,
                    name,
                    f"{name}@mail.example",
                    PASSWORD_HASH,
                    f"{first} {last}",
                    groups[user - 1],
                    "ACTIVE" if roll < 0.95 else ("SUSPENDED" if roll < 0.98 else "CLOSED"),
                    rng.choice((0, 1, 1, 2, 2, 2, 3)),
                    stamp(created),
                    stamp(created + rng.randint(0, 200) * DAY_MS),
                    stamp(SPAN_END_MS - rng.randint(0, 90 * DAY_MS)),
                )

        self.copy("accounts.User", users(), sizes.users)

        def accounts() -> Iterator[str]:
            for account in self.account_ids:
                state = self.accounts[account]
                live = rng.random() < 0.6
                deposit = round(math.exp(rng.gauss(math.log(3000), 1.3)), 2) if live else 10000.0
                credit = Decimal(rng.choice((0, 0, 0, 100, 500)) if live else 0)
                leverage = rng.choice((50, 100, 100, 200, 500))
                figures = account_figures(
                    balance=Decimal(f"{deposit:.2f}") + state.cash,
                    credit=credit,
                    leverage=leverage,
                    open_positions=state.open_positions,
                )
                created = min(state.first_ms, SPAN_END_MS) - rng.randint(1, 300) * DAY_MS
                yield row(
                    account,
                    self.account_user[account],
                    f"RTX{10_000_000 + account}",
                    "LIVE" if live else "DEMO",
                    rng.choice(("USD",) * 17 + ("EUR", "EUR", "GBP")),
                    figures.balance,
                    figures.equity,
                    figures.margin,
                    figures.free_margin,
                    figures.margin_level,
                    leverage,
                    credit,
                    max(Decimal(f"{deposit:.2f}"), figures.balance, figures.equity),
                    "ACTIVE" if rng.random() < 0.97 else "SUSPENDED",
                    stamp(created),
                    stamp(SPAN_END_MS - rng.randint(0, 30 * DAY_MS)),
                )

        self.copy("accounts.Account", accounts(), sizes.accounts)

    def positions_and_orders(
        self, positions: list[str], orders: list[tuple[Any, ...]], trades: list[tuple[Any, ...]]
    ) -> "array[int]":
        """Copy the positions, then the orders in time order; sort the fills by time too.

        Returns each order's id by its simulation index, for the fills' order_id.
        """
        self.copy("trading.Position", positions, len(positions))
        positions.clear()
        start = time.perf_counter()
        orders.sort(key=lambda o: (o[0], o[1]))
        order_id = array("q", bytes(8 * len(orders)))
        for new_id, entry in enumerate(orders, 1):
            order_id[entry[1]] = new_id
        trades.sort(key=lambda t: (t[0], t[1]))
        self.report.table("orders").generate_seconds += seconds_since(start)
        self.copy("trading.Order", (f"{i}\t{o[2]}" for i, o in enumerate(orders, 1)), len(orders))
        return order_id

    def trades(
        self, conn: psycopg.Connection[Any], trades: list[tuple[Any, ...]], order_id: "array[int]"
    ) -> None:
        """Copy the fills, in time order, on a connection of their own (a parallel lane)."""
        self.copy(
            "trading.Trade",
            (f"{i}\t{order_id[t[2]]}\t{t[3]}" for i, t in enumerate(trades, 1)),
            len(trades),
            conn,
        )
        trades.clear()

    def order_history(self, orders: list[tuple[Any, ...]]) -> None:
        """One order_history row per order, with the order's id and time."""
        self.copy(
            "trading.OrderHistory", (f"{i}\t{o[3]}" for i, o in enumerate(orders, 1)), len(orders)
        )
        orders.clear()

    def risk_alerts(self) -> None:
        rng = self.rng
        kinds = (
            # alert_type, severity weights (LOW, MEDIUM, HIGH, CRITICAL), share, per account
            ("MARGIN_CALL", (0, 2, 6, 2), 20, True),
            ("STOP_OUT_WARNING", (0, 0, 3, 7), 6, True),
            ("HIGH_EXPOSURE", (3, 5, 2, 0), 20, True),
            ("LARGE_ORDER", (5, 4, 1, 0), 18, True),
            ("RAPID_TRADING", (4, 5, 1, 0), 14, True),
            ("NEGATIVE_BALANCE", (0, 1, 5, 4), 4, True),
            ("PRICE_SPIKE", (3, 5, 2, 0), 10, False),
            ("LP_DISCONNECT", (0, 2, 5, 3), 4, False),
            ("NEWS_EVENT", (8, 2, 0, 0), 4, False),
        )
        severities = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
        count = self.sizes.risk_alerts
        chosen = rng.choices(kinds, weights=[k[2] for k in kinds], k=count)
        times = sorted(self.activity_ms() for _ in range(count))

        def rows() -> Iterator[str]:
            for (alert_type, weights, _, per_account), ms in zip(chosen, times, strict=True):
                severity = rng.choices(severities, weights=weights)[0]
                account = self.active_account() if per_account else None
                age_days = (SPAN_END_MS - ms) / DAY_MS
                acknowledged = rng.random() < (0.97 if age_days > 3 else 0.4)
                acked_ms = ms + int(rng.expovariate(1 / HOUR_MS))
                symbol = SYMBOLS[self.symbols(1)[0]].name
                message = (
                    f"{alert_type.replace('_', ' ').title()} on account {account}: {symbol}"
                    if account
                    else f"{alert_type.replace('_', ' ').title()}: {symbol}"
                )
                yield row(
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    account,
                    alert_type,
                    severity,
                    text(message),
                    "t" if acknowledged else "f",
                    stamp(acked_ms) if acknowledged else None,
                    rng.choice(self.admin_names) if acknowledged else None,
                    stamp(ms),
                )

        self.copy("risk.RiskAlert", rows(), count)

    def liquidation_events(self) -> None:
        rng = self.rng
        count = self.sizes.liquidation_events
        times = sorted(self.activity_ms() for _ in range(count))

        def rows() -> Iterator[str]:
            for ms in times:
                closed = []
                total = 0.0
                for symbol in self.symbols(rng.randint(1, 4)):
                    s = SYMBOLS[symbol]
                    pnl = -abs(rng.gauss(0, 300))
                    total += pnl
                    closed.append(
                        {
                            "symbol": s.name,
                            "volume": lots(self.lot_units()),
                            "close_price": f"{self.price(symbol, ms):.{s.decimals}f}",
                            "pnl": amount(pnl),
                        }
                    )
                yield row(
                    f"liq-{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    self.active_account(),
                    rng.choice(("STOP_OUT", "STOP_OUT", "MARGIN_CALL_TIMEOUT", "NEGATIVE_EQUITY")),
                    f"{rng.uniform(5, 50):.2f}",
                    jsonb(closed),
                    amount(total),
                    amount(abs(rng.gauss(0, 5))),
                    stamp(ms),
                )

        self.copy("risk.LiquidationEvent", rows(), count)

    def audit_log(self) -> None:
        """Back-office actions, each with a small JSON change set (append-only table)."""
        rng, sizes = self.rng, self.sizes
        admins = range(1, sizes.admin_users + 1)
        admin_cum = list(itertools.accumulate(min(rng.paretovariate(1.5), 40.0) for _ in admins))
        admin_ip = [f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"]
        admin_ip += [
            f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in admins
        ]
        admin_agent = [rng.choice(USER_AGENTS) for _ in range(sizes.admin_users + 1)]
        orders, positions = self.sizes.orders, self.sizes.positions

        def change(old: object, new: object) -> dict[str, object]:
            return {"old": old, "new": new}

        def account_change() -> tuple[int, dict[str, Any]]:
            field_name = rng.choice(("leverage", "status", "credit", "account_type"))
            values = {
                "leverage": (100, 200),
                "status": ("ACTIVE", "SUSPENDED"),
                "credit": ("0.00", "500.00"),
                "account_type": ("DEMO", "LIVE"),
            }[field_name]
            old, new = values if rng.random() < 0.5 else values[::-1]
            account = self.active_account()
            return account, {
                "account_id": account,
                "account_number": f"RTX{10_000_000 + account}",
                "changes": {field_name: change(old, new)},
            }

        def balance_adjustment() -> tuple[int, dict[str, Any]]:
            account = self.active_account()
            amount = round(rng.choice((1, 1, 1, -1)) * math.exp(rng.gauss(5, 1.5)), 2)
            return account, {
                "account_id": account,
                "account_number": f"RTX{10_000_000 + account}",
                "amount": f"{amount:.2f}",
                "currency": "USD",
                "type": rng.choice(("deposit", "withdrawal", "bonus", "correction")),
            }

        def user_change() -> tuple[int, dict[str, Any]]:
            user = rng.randint(1, sizes.users)
            field_name = rng.choice(("kyc_level", "group_id", "status", "email"))
            values = {
                "kyc_level": (1, 2),
                "group_id": (1, 3),
                "status": ("ACTIVE", "SUSPENDED"),
                "email": ("old@mail.example", "new@mail.example"),
            }[field_name]
            return user, {"changes": {field_name: change(*values)}}

        def order_cancel() -> tuple[int, dict[str, Any]]:
            return rng.randint(1, orders), {
                "symbol": SYMBOLS[self.symbols(1)[0]].name,
                "changes": {"status": change("PENDING", "CANCELLED")},
            }

        def position_close() -> tuple[int, dict[str, Any]]:
            return rng.randint(1, positions), {
                "symbol": SYMBOLS[self.symbols(1)[0]].name,
                "volume": lots(self.lot_units()),
                "changes": {"status": change("OPEN", "CLOSED")},
            }

        def group_change() -> tuple[int, dict[str, Any]]:
            return rng.randint(1, len(GROUPS)), {
                "changes": {"markup": change("0.00010", f"{rng.randint(0, 20) / 100000:.5f}")}
            }

        def symbol_settings() -> tuple[int, dict[str, Any]]:
            return rng.randint(1, 200), {
                "group_id": rng.randint(1, len(GROUPS)),
                "symbol": SYMBOLS[self.symbols(1)[0]].name,
                "changes": {"max_volume": change("100.00000", "50.00000")},
            }

        def session(admin: int) -> tuple[int | None, dict[str, Any]]:
            return admin, {"method": "password", "mfa": rng.random() < 0.8}

        actions: tuple[tuple[str, str, int, Callable[[], tuple[int | None, dict[str, Any]]]], ...]
        actions = (
            ("update_account", "account", 20, account_change),
            ("adjust_balance", "account", 10, balance_adjustment),
            ("update_user", "user", 8, user_change),
            ("cancel_order", "order", 10, order_cancel),
            ("close_position", "position", 8, position_close),
            ("update_group", "trading_group", 2, group_change),
            ("update_symbol_settings", "group_symbol_settings", 3, symbol_settings),
            (
                "acknowledge_alert",
                "risk_alert",
                15,
                lambda: (None, {"alert_id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}),
            ),
            ("login", "admin_session", 14, lambda: (None, {})),
            ("logout", "admin_session", 7, lambda: (None, {})),
            (
                "export_report",
                "report",
                3,
                lambda: (None, {"report": rng.choice(("daily_pnl", "exposure", "kyc"))}),
            ),
        )
        count = sizes.admin_audit_log
        chosen = rng.choices(actions, weights=[a[2] for a in actions], k=count)
        admin_of = rng.choices(admins, cum_weights=admin_cum, k=count)
        times = sorted(self.activity_ms() for _ in range(count))

        def rows() -> Iterator[str]:
            for i, ((action, resource_type, _, details_of), admin, ms) in enumerate(
                zip(chosen, admin_of, times, strict=True), 1
            ):
                resource_id, details = (
                    session(admin) if resource_type == "admin_session" else details_of()
                )
                failed = rng.random() < 0.02
                yield row(
                    i,
                    admin,
                    self.admin_names[admin - 1],
                    action,
                    resource_type,
                    resource_id,
                    jsonb(details),
                    text(f"Ticket #{rng.randint(10_000, 99_999)}") if rng.random() < 0.3 else None,
                    admin_ip[admin],
                    text(admin_agent[admin]),
                    "FAILED" if failed else "SUCCESS",
                    "permission denied for this role" if failed else None,
                    stamp(ms),
                )

        self.copy("adminpanel.AdminAuditLog", rows(), count)

    def finish(self) -> None:
        """Sequences past the highest ids; aggregates refreshed; every table VACUUM ANALYZEd."""
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection

        start = time.perf_counter()
        seeded = [
            model for model in apps.get_models() if model._meta.db_table in self.report.tables
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), seeded):
            self.conn.execute(statement)
        self.conn.commit()
        say("Identity sequences set past the highest ids; VACUUM ANALYZE")
        self.conn.autocommit = True
        from rtx.db.aggregates import AGGREGATES

        # The aggregates are refreshed first, so that their tables are analyzed too: the
        # planner picks their (symbol, minute) and (account, day) indexes from statistics.
        analyzed = [sql.Identifier(table) for table in self.report.tables]
        for aggregate in AGGREGATES:
            found = self.conn.execute("SELECT to_regclass(%s)", (aggregate.name,)).fetchone()
            if found and found[0]:
                say(f"Refreshing the continuous aggregate {aggregate.name}")
                self.conn.execute(
                    "CALL refresh_continuous_aggregate(%s, NULL, NULL)", (aggregate.name,)
                )
                materialized = self.conn.execute(
                    "SELECT materialization_hypertable_schema, materialization_hypertable_name"
                    " FROM timescaledb_information.continuous_aggregates WHERE view_name = %s",
                    (aggregate.name,),
                ).fetchone()
                if materialized is None:
                    raise BenchError(f"{aggregate.name} is not a continuous aggregate")
                analyzed.append(sql.Identifier(*materialized))
        for table in analyzed:
            self.conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(table))
        self.report.finish_seconds = seconds_since(start)
        say(f"VACUUM ANALYZE done in {self.report.finish_seconds:.1f}s")


def seed_database(server: Server, dbname: str, *, scale: float, seed: int) -> SeedReport:
    """Fill ``dbname`` (migrated, empty) at ``scale`` from ``random.Random(seed)``.

    The fills (the biggest table) are copied on a second connection while the main one
    copies order_history and generates and copies the risk and audit tables; those draw
    from the PRNG in a fixed order, so the rows stay the same run after run.
    """
    setup_django(server, dbname)  # the models name the tables and columns
    sizes = Sizes.at(scale)
    report = SeedReport(scale=scale, seed=seed, database=dbname)
    say(f"Seeding {dbname} at scale {scale} (seed {seed})")
    start = time.perf_counter()
    with (
        server.connect(dbname, autocommit=False) as conn,
        server.connect(dbname, autocommit=False) as lane_conn,
        ThreadPoolExecutor(max_workers=1) as lane,
    ):
        found = conn.execute("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM users)")
        if (found.fetchone() or (0,))[0]:
            raise BenchError(f"{dbname} already holds users or orders; seed an empty database")
        conn.commit()
        seeder = Seeder(conn, sizes, seed, report)
        seeder.trading_groups()
        seeder.group_symbol_settings()
        seeder.symbol_correlations()
        seeder.admin_users()
        positions, orders, trades = seeder.simulate_trading()
        seeder.users_and_accounts()
        order_id = seeder.positions_and_orders(positions, orders, trades)
        trades_copied = lane.submit(seeder.trades, lane_conn, trades, order_id)
        seeder.order_history(orders)
        seeder.risk_alerts()
        seeder.liquidation_events()
        seeder.audit_log()
        trades_copied.result()
        seeder.finish()
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        report.database_size = str((size.fetchone() or ("?",))[0])
    report.total_seconds = seconds_since(start)
    say(f"Seeded in {report.total_seconds:.1f}s; database size {report.database_size}")
    return report


def report_lines(report: SeedReport) -> list[str]:
    """The body of bench/results/seed.txt."""
    lines = [
        f"Scale {report.scale}, seed {report.seed}; one year of activity "
        f"({stamp(SPAN_START_MS)[:10]} to {stamp(SPAN_END_MS)[:10]})",
        "",
        f"{'table':<24}{'rows':>12}{'generate s':>12}{'COPY s':>10}{'rows/s':>12}",
    ]
    total_rows = 0
    for entry in report.tables.values():
        seconds = entry.generate_seconds + entry.copy_seconds
        rate = round(entry.rows / seconds) if seconds else 0
        total_rows += entry.rows
        lines.append(
            f"{entry.table:<24}{fmt_int(entry.rows):>12}{entry.generate_seconds:>12.1f}"
            f"{entry.copy_seconds:>10.1f}{fmt_int(rate):>12}"
        )
    lines += [
        f"{'total':<24}{fmt_int(total_rows):>12}",
        "",
        f"Trading simulation (positions, orders, fills in memory): {report.simulate_seconds:.1f}s",
        f"Sequences and VACUUM ANALYZE:                           {report.finish_seconds:.1f}s",
        f"Seeding in all:                                         {report.total_seconds:.1f}s "
        f"({fmt_int(round(total_rows / report.total_seconds))} rows/s)",
        f"Database size: {report.database_size}",
    ]
    return lines


def write_report(server: Server, report: SeedReport) -> None:
    write_results(
        "seed",
        "rtx-schema benchmark: seeding (bench/seed.py)",
        environment_lines(server, report.database),
        report_lines(report),
    )


def positive_scale(text: str) -> float:
    """``--scale``: a positive number (argparse names the option in its error)."""
    try:
        scale = float(text)
    except ValueError:
        scale = math.nan
    if not (scale > 0 and math.isfinite(scale)):
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text!r}")
    return scale


def add_seed_arguments(parser: argparse.ArgumentParser, *, scale: float = 1.0) -> None:
    parser.add_argument(
        "--scale",
        type=positive_scale,
        default=scale,
        help=f"data set size; 1.0 = 100k users, 1M orders, 2M trades (default {scale:g})",
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="seed of the pseudo-random data (default 42)"
    )


def measure_main(
    argv: list[str] | None,
    *,
    doc: str,
    script: str,
    runs: int,
    runs_help: str,
    measure: Callable[[Server, str, int], None],
    scale: float = 1.0,
    report_seed: bool = True,
) -> int:
    """The command line of a script that measures a seeded database ``--runs`` times.

    It seeds a database of its own at ``--scale`` (``scale`` unless given; the seed's report
    written when ``report_seed``) unless ``--database`` names one, and ends with status 1 and
    one line on stderr when a step cannot run.
    """
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=runs, help=f"{runs_help} (default {runs})")
    add_seed_arguments(parser, scale=scale)
    add_database_arguments(parser)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, not {args.runs}")

    def seeded(server: Server) -> None:
        def seed(dbname: str) -> None:
            report = seed_database(server, dbname, scale=args.scale, seed=args.seed)
            if report_seed:
                write_report(server, report)

        with bench_database(server, existing=args.database, keep=args.keep, prepare=seed) as dbname:
            measure(server, dbname, args.runs)

    return run_script(script, seeded)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_seed_arguments(parser)
    add_database_arguments(parser)
    args = parser.parse_args(argv)

    def seed(server: Server) -> None:
        with bench_database(server, existing=args.database, keep=args.keep) as dbname:
            write_report(server, seed_database(server, dbname, scale=args.scale, seed=args.seed))

    return run_script("seed", seed)


if __name__ == "__main__":
    sys.exit(main())
