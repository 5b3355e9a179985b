"""Reads of trading data for the engine's services."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Sum

from rtx.db.timebucket import First, Last, TimeBucket
from trading.models import OrderHistory, Trade


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
