"""Reads of trading data for the engine's services.

Each function serves one of the seed's "common query patterns" (account_id, symbol,
created_at, status) and is backed by an index named in the models' Meta.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from rtx.db.timebucket import First, Last, TimeBucket
from trading.models import Order, OrderHistory, Position, Trade


@dataclass(frozen=True)
class OrderPage:
    """One page of a keyset-paginated order list; pass ``next_cursor`` to get the next."""

    orders: list[Order]
    next_cursor: tuple[datetime, int] | None


def position_list_open(*, account_id: int) -> QuerySet[Position]:
    """An account's open positions, oldest first."""
    return Position.objects.filter(account_id=account_id, status="OPEN").order_by("open_time", "id")


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
        created_at, order_id = cursor
        orders = orders.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=order_id),
            # The same rows; this bound lets the index scan start at the cursor.
            created_at__lte=created_at,
        )
    page = list(orders.order_by("-created_at", "-id")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    next_cursor = (page[-1].created_at, page[-1].id) if has_more else None
    return OrderPage(page, next_cursor)


def order_list_pending_for_symbol(*, symbol: str) -> QuerySet[Order]:
    """A symbol's pending orders, oldest first (the matching queue)."""
    return Order.objects.filter(symbol=symbol, status="PENDING").order_by("created_at", "id")


def trade_list_for_account(*, account_id: int, start: datetime, end: datetime) -> QuerySet[Trade]:
    """An account's fills with ``start <= executed_at < end``, newest first."""
    return Trade.objects.filter(
        account_id=account_id, executed_at__gte=start, executed_at__lt=end
    ).order_by("-executed_at", "-id")


def trade_list_for_symbol(*, symbol: str, start: datetime, end: datetime) -> QuerySet[Trade]:
    """A symbol's fills with ``start <= executed_at < end``, newest first."""
    return Trade.objects.filter(
        symbol=symbol, executed_at__gte=start, executed_at__lt=end
    ).order_by("-executed_at", "-id")


def order_history_for_account(
    *, account_id: int, start: datetime, end: datetime
) -> QuerySet[OrderHistory]:
    return OrderHistory.objects.filter(
        account_id=account_id, order_time__gte=start, order_time__lt=end
    ).order_by("-order_time", "-id")


def order_history_for_symbol(
    *, symbol: str, start: datetime, end: datetime
) -> QuerySet[OrderHistory]:
    return OrderHistory.objects.filter(
        symbol=symbol, order_time__gte=start, order_time__lt=end
    ).order_by("-order_time", "-id")


def trade_ohlcv(
    *, symbol: str, start: datetime, end: datetime, interval: timedelta
) -> list[dict[str, Any]]:
    """Open, high, low, close, volume and fill count of a symbol's trades per time bucket.

    Rows with ``start <= executed_at < end``; open and close are the first and last fills by
    (executed_at, id).
    """
    return list(
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
    )


def order_counts_per_account_per_day(*, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """How many orders each account placed per UTC day, from order_history."""
    return list(
        OrderHistory.objects.filter(order_time__gte=start, order_time__lt=end)
        .annotate(day=TimeBucket("order_time", timedelta(days=1)))
        .values("account_id", "day")
        .annotate(orders=Count("id"))
        .order_by("account_id", "day")
    )
