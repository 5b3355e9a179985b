"""Reads of trading data for the engine's services.

Each function serves one of the seed's "common query patterns" (account_id, symbol,
created_at, status) and is backed by an index named in the models' Meta. Each runs a
:class:`~rtx.db.compiled.CompiledQuery`: compiled once, then only bound and run, and returns a
list of at most ``limit`` rows.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Min, QuerySet, Sum

from rtx.db.compiled import PAGE, CompiledQuery
from rtx.db.keyset import RowsBefore
from rtx.db.routers import replica_read
from rtx.db.timebucket import First, Last, TimeBucket, timescale_in_use
from trading.models import Order, OrderHistory, Position, Trade


@dataclass(frozen=True)
class OrderPage:
    """One page of a keyset-paginated order list; pass ``next_cursor`` to get the next."""

    orders: list[Order]
    next_cursor: tuple[datetime, int] | None


OPEN_POSITIONS = CompiledQuery(
    lambda account_id: Position.objects.filter(account_id=account_id, status="OPEN").order_by(
        "open_time", "id"
    )
)


@replica_read
def position_list_open(*, account_id: int, limit: int = PAGE) -> list[Position]:
    """An account's open positions, oldest first."""
    return OPEN_POSITIONS.fetch(account_id=account_id, limit=limit)


def orders_by_status(
    account_id: Any, status: Any, created_at: Any = None, order_id: Any = None
) -> QuerySet[Order]:
    orders = Order.objects.filter(account_id=account_id, status=status)
    if created_at is not None:
        orders = orders.filter(RowsBefore(("created_at", "id"), (created_at, order_id)))
    return orders.order_by("-created_at", "-id")


ORDERS_BY_STATUS = CompiledQuery(orders_by_status)


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
    created_at, order_id = cursor if cursor is not None else (None, None)
    page = ORDERS_BY_STATUS.fetch(
        account_id=account_id,
        status=status,
        created_at=created_at,
        order_id=order_id,
        limit=limit + 1,
    )
    has_more = len(page) > limit
    page = page[:limit]
    next_cursor = (page[-1].created_at, page[-1].id) if has_more else None
    return OrderPage(page, next_cursor)


PENDING_ORDERS = CompiledQuery(
    lambda symbol: Order.objects.filter(symbol=symbol, status="PENDING").order_by(
        "created_at", "id"
    )
)


@replica_read
def order_list_pending_for_symbol(*, symbol: str, limit: int = PAGE) -> list[Order]:
    """A symbol's pending orders, oldest first (the matching queue)."""
    return PENDING_ORDERS.fetch(symbol=symbol, limit=limit)


def newest_in_window(
    model: type[Trade | OrderHistory], key: str, time_column: str
) -> CompiledQuery:
    """Rows with ``key = <value>`` and ``start <= time_column < end``, newest first."""

    def build(start: Any, end: Any, **key_value: Any) -> QuerySet[Any]:
        window = {f"{time_column}__gte": start, f"{time_column}__lt": end}
        return model.objects.filter(**{key: key_value[key]}, **window).order_by(
            f"-{time_column}", "-id"
        )

    return CompiledQuery(build)


ACCOUNT_TRADES = newest_in_window(Trade, "account_id", "executed_at")
SYMBOL_TRADES = newest_in_window(Trade, "symbol", "executed_at")
ACCOUNT_ORDER_HISTORY = newest_in_window(OrderHistory, "account_id", "order_time")
SYMBOL_ORDER_HISTORY = newest_in_window(OrderHistory, "symbol", "order_time")


@replica_read
def trade_list_for_account(
    *, account_id: int, start: datetime, end: datetime, limit: int = PAGE
) -> list[Trade]:
    """An account's fills with ``start <= executed_at < end``, newest first."""
    return ACCOUNT_TRADES.fetch(account_id=account_id, start=start, end=end, limit=limit)


@replica_read
def trade_list_for_symbol(
    *, symbol: str, start: datetime, end: datetime, limit: int = PAGE
) -> list[Trade]:
    """A symbol's fills with ``start <= executed_at < end``, newest first."""
    return SYMBOL_TRADES.fetch(symbol=symbol, start=start, end=end, limit=limit)


@replica_read
def order_history_for_account(
    *, account_id: int, start: datetime, end: datetime, limit: int = PAGE
) -> list[OrderHistory]:
    """An account's order history with ``start <= order_time < end``, newest first."""
    return ACCOUNT_ORDER_HISTORY.fetch(account_id=account_id, start=start, end=end, limit=limit)


@replica_read
def order_history_for_symbol(
    *, symbol: str, start: datetime, end: datetime, limit: int = PAGE
) -> list[OrderHistory]:
    """A symbol's order history with ``start <= order_time < end``, newest first."""
    return SYMBOL_ORDER_HISTORY.fetch(symbol=symbol, start=start, end=end, limit=limit)


TRADE_OHLCV = CompiledQuery(
    lambda symbol, start, end, interval: (
        Trade.objects.filter(symbol=symbol, executed_at__gte=start, executed_at__lt=end)
        .annotate(bucket=TimeBucket("executed_at", interval))
        .values("bucket")
        .annotate(
            open=First("price", order_by=("executed_at", "id")),
            high=Max("price"),
            low=Min("price"),
            close=Last("price", order_by=("executed_at", "id")),
            volume=Sum("volume"),
            fills=Count("id"),
        )
        .order_by("bucket")
    ),
    shape=("interval",),
    depends_on=timescale_in_use,  # time_bucket() or date_bin()
)


@replica_read
def trade_ohlcv(
    *, symbol: str, start: datetime, end: datetime, interval: timedelta
) -> list[dict[str, Any]]:
    """Open, high, low, close, volume and fill count of a symbol's trades per time bucket.

    Rows with ``start <= executed_at < end``; open and close are the first and last fills by
    (executed_at, id).
    """
    return TRADE_OHLCV.fetch(symbol=symbol, start=start, end=end, interval=interval)


DAILY_ORDER_COUNTS = CompiledQuery(
    lambda start, end: (
        OrderHistory.objects.filter(order_time__gte=start, order_time__lt=end)
        .annotate(day=TimeBucket("order_time", timedelta(days=1)))
        .values("account_id", "day")
        .annotate(orders=Count("*"))
        .order_by("account_id", "day")
    ),
    depends_on=timescale_in_use,
)


@replica_read
def order_counts_per_account_per_day(*, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """How many orders each account placed per UTC day, from order_history."""
    return DAILY_ORDER_COUNTS.fetch(start=start, end=end)
