"""Reads of trading data for the engine's services.

Each list serves one of the seed's "common query patterns" (account_id, symbol,
created_at, status) with a plain queryset, backed by an index named in the models' Meta,
and returns at most ``limit`` rows. The two time-bucket reports are explicit SQL (see
there).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models import Model

from rtx.db import aggregates
from rtx.db.keyset import PAGE, RowsBefore
from rtx.db.routers import replica_read
from rtx.db.timebucket import TIME_BUCKET_ORIGIN, next_bucket_start
from trading.models import Order, OrderHistory, OrderStatus, Position, PositionStatus, Trade

MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


@dataclass(frozen=True)
class OrderPage:
    """One page of a keyset-paginated order list; pass ``next_cursor`` to get the next."""

    orders: list[Order]
    next_cursor: tuple[datetime, int] | None


@replica_read
def position_list_open(*, account_id: int, limit: int = PAGE) -> list[Position]:
    """An account's open positions, oldest first."""
    positions = Position.objects.filter(account_id=account_id, status=PositionStatus.OPEN)
    return list(positions.order_by("open_time", "id")[:limit])


@replica_read
def order_list_by_status(
    *,
    account_id: int,
    status: str,
    limit: int = 50,
    cursor: tuple[datetime, int] | None = None,
) -> OrderPage:
    """An account's orders in a status, newest first, a page at a time.

    Keyset pagination on (created_at, id): every page costs the same, however deep.
    """
    orders = Order.objects.filter(account_id=account_id, status=status)
    if cursor is not None:
        orders = orders.filter(RowsBefore(("created_at", "id"), cursor))
    page = list(orders.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = (page[limit - 1].created_at, page[limit - 1].id) if len(page) > limit else None
    return OrderPage(page[:limit], next_cursor)


@replica_read
def order_list_pending_for_symbol(*, symbol: str, limit: int = PAGE) -> list[Order]:
    """A symbol's pending orders, oldest first (the matching queue)."""
    orders = Order.objects.filter(symbol=symbol, status=OrderStatus.PENDING)
    return list(orders.order_by("created_at", "id")[:limit])


@replica_read
def trade_list_for_account(
    *, account_id: int, start: datetime, end: datetime, limit: int = PAGE
) -> list[Trade]:
    """An account's fills with ``start <= executed_at < end``, newest first."""
    trades = Trade.objects.filter(
        account_id=account_id, executed_at__gte=start, executed_at__lt=end
    )
    return list(trades.order_by("-executed_at", "-id")[:limit])


@replica_read
def trade_list_for_symbol(
    *, symbol: str, start: datetime, end: datetime, limit: int = PAGE
) -> list[Trade]:
    """A symbol's fills with ``start <= executed_at < end``, newest first."""
    trades = Trade.objects.filter(symbol=symbol, executed_at__gte=start, executed_at__lt=end)
    return list(trades.order_by("-executed_at", "-id")[:limit])


@replica_read
def order_history_for_account(
    *, account_id: int, start: datetime, end: datetime, limit: int = PAGE
) -> list[OrderHistory]:
    """An account's order history with ``start <= order_time < end``, newest first."""
    history = OrderHistory.objects.filter(
        account_id=account_id, order_time__gte=start, order_time__lt=end
    )
    return list(history.order_by("-order_time", "-id")[:limit])


@replica_read
def order_history_for_symbol(
    *, symbol: str, start: datetime, end: datetime, limit: int = PAGE
) -> list[OrderHistory]:
    """A symbol's order history with ``start <= order_time < end``, newest first."""
    history = OrderHistory.objects.filter(symbol=symbol, order_time__gte=start, order_time__lt=end)
    return list(history.order_by("-order_time", "-id")[:limit])


@dataclass(frozen=True)
class Candle:
    """A bucket of a symbol's fills: open, high, low, close, volume (lots) and fills."""

    bucket: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    fills: int


@dataclass(frozen=True)
class DailyOrders:
    """How many orders an account placed in a UTC day."""

    account_id: int
    day: date
    orders: int


# The two time-bucket reports are explicit SQL: they return hundreds to thousands of rows,
# and a queryset's own cost for them (compiling the aggregates, converting every value)
# was as large as the database's (bench/results/reads.txt); tests/test_selectors.py checks
# their rows against querysets. Open and close are the prices of the first and last fills
# by (executed_at, id): the least and greatest of the arrays [epoch, id, price], which
# PostgreSQL 15 finds in one pass where array_agg(... ORDER BY) sorts every bucket apart.
OHLCV_FROM_TRADES = """
SELECT date_bin(%(interval)s, executed_at, %(origin)s) AS bucket,
       (min(ARRAY[extract(epoch FROM executed_at), id, price]))[3], max(price), min(price),
       (max(ARRAY[extract(epoch FROM executed_at), id, price]))[3], sum(volume), count(*)
FROM trades
WHERE symbol = %(symbol)s AND executed_at >= %(start)s AND executed_at < %(end)s
GROUP BY 1 ORDER BY 1
"""
OHLCV_FROM_MINUTES = """
SELECT date_bin(%(interval)s, minute, %(origin)s) AS bucket,
       (min(ARRAY[extract(epoch FROM minute), open]))[2], max(high), min(low),
       (max(ARRAY[extract(epoch FROM minute), close]))[2], sum(volume), sum(fills)::bigint
FROM trade_minutes
WHERE symbol = %(symbol)s AND minute >= %(start)s AND minute < %(end)s
GROUP BY 1 ORDER BY 1
"""
# Days as dates: a day is a UTC date, and a date is read four times faster than a
# timestamptz, which counts when a day has a row for every active account. Counted by date,
# then account: the order of order_history_day_account_idx, which serves them unsorted.
DAILY_ORDERS_FROM_HISTORY = """
SELECT account_id, ((order_time AT TIME ZONE 'UTC'))::date AS day, count(*)
FROM order_history
WHERE ((order_time AT TIME ZONE 'UTC'))::date >= %(first_day)s
  AND ((order_time AT TIME ZONE 'UTC'))::date < %(end_day)s
GROUP BY 2, 1 ORDER BY 2, 1
"""
DAILY_ORDERS_FROM_DAYS = """
SELECT account_id, ((day AT TIME ZONE 'UTC'))::date, orders FROM order_history_days
WHERE day >= %(start)s AND day < %(end)s
ORDER BY day, account_id
"""


def report_rows(
    model: type[Model], aggregate: str, queries: tuple[str, str], params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of the aggregate's query where the aggregate exists, else the table's.

    On the database the routers choose for reading ``model``.
    """
    using = router.db_for_read(model)
    from_aggregate, from_table = queries
    query = from_aggregate if aggregates.exists(aggregate, using=using) else from_table
    with connections[using].cursor() as cursor:
        cursor.execute(query, {"origin": TIME_BUCKET_ORIGIN, **params})
        return cursor.fetchall()


@replica_read
def trade_ohlcv(
    *, symbol: str, start: datetime, end: datetime, interval: timedelta
) -> list[Candle]:
    """Open, high, low, close, volume and fill count of a symbol's trades per bucket.

    Buckets of ``interval`` (a whole number of minutes, counted from TimescaleDB's origin)
    over the minutes that start in ``[start, end)``, oldest first. Read from the continuous
    aggregate ``trade_minutes`` where TimescaleDB keeps it, else from trades' covering index.
    """
    if interval <= timedelta(0) or interval % MINUTE:
        raise ValueError(f"interval must be a positive whole number of minutes, not {interval}")
    window = {"start": next_bucket_start(start, MINUTE), "end": next_bucket_start(end, MINUTE)}
    rows = report_rows(
        Trade,
        "trade_minutes",
        (OHLCV_FROM_MINUTES, OHLCV_FROM_TRADES),
        {"interval": interval, "symbol": symbol, **window},
    )
    return [Candle(*row) for row in rows]


@replica_read
def order_counts_per_account_per_day(*, start: datetime, end: datetime) -> list[DailyOrders]:
    """How many orders each account placed in each UTC day that starts in ``[start, end)``.

    By day, then account; from order_history, through the continuous aggregate
    ``order_history_days`` where TimescaleDB keeps it, else through the index
    ``order_history_day_account_idx`` alone.
    """
    first, after = next_bucket_start(start, DAY), next_bucket_start(end, DAY)
    rows = report_rows(
        OrderHistory,
        "order_history_days",
        (DAILY_ORDERS_FROM_DAYS, DAILY_ORDERS_FROM_HISTORY),
        {"start": first, "end": after, "first_day": first.date(), "end_day": after.date()},
    )
    return [DailyOrders(*row) for row in rows]
