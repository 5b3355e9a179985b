"""Writes of trading data whose integrity the schema and these functions guarantee together.

A fill locks the account row first, then the order, then the position it touches, so
concurrent fills on one account queue instead of losing updates (and always take locks in
the same order, so they cannot deadlock each other).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Account
from rtx.money import decimal, money, percent, price
from trading.models import (
    Order,
    OrderHistory,
    OrderStatus,
    Position,
    PositionStatus,
    Side,
    Trade,
    TradeType,
)

FILLABLE = (OrderStatus.PENDING, OrderStatus.PARTIALLY_FILLED)


class OrderConflict(Exception):
    """A client_order_id already names a different order."""


class FillRefused(Exception):
    """The fill cannot be recorded against this order."""


@dataclass(frozen=True)
class FillResult:
    trade: Trade
    order: Order
    position: Position
    account: Account
    realized_pnl: Decimal


def order_place(
    *,
    account_id: int,
    client_order_id: str,
    symbol: str,
    side: str,
    order_type: str,
    volume: Decimal,
    price_limit: Decimal | None = None,
    stop_loss: Decimal | None = None,
    take_profit: Decimal | None = None,
    execution_mode: str | None = None,
    comment: str | None = None,
) -> tuple[Order, bool]:
    """Place an order once per client_order_id: a retry returns the first order and False.

    The UNIQUE constraint on client_order_id decides between concurrent retries.
    """
    if side not in Side.values:
        raise ValueError(f"side must be BUY or SELL, not {side!r}")
    volume = decimal(volume, name="volume")
    if volume <= 0:
        raise ValueError(f"volume must be positive, not {volume}")
    fields: dict[str, Any] = {
        "account_id": account_id,
        "symbol": symbol,
        "side": side,
        "order_type": order_type,
        "volume": volume,
        "price": None if price_limit is None else decimal(price_limit, name="price_limit"),
        "stop_loss": None if stop_loss is None else decimal(stop_loss, name="stop_loss"),
        "take_profit": None if take_profit is None else decimal(take_profit, name="take_profit"),
        "comment": comment,
    }
    if execution_mode is not None:
        fields["execution_mode"] = execution_mode
    order, created = Order.objects.get_or_create(client_order_id=client_order_id, defaults=fields)
    if not created:
        same = (order.account_id, order.symbol, order.side, order.volume) == (
            account_id,
            symbol,
            side,
            volume,
        )
        if not same:
            raise OrderConflict(
                f"client_order_id {client_order_id!r} already names order {order.pk} "
                f"({order.side} {order.volume} {order.symbol} on account {order.account_id})"
            )
    return order, created


@transaction.atomic
def fill_record(
    *,
    order_id: int,
    volume: Decimal,
    fill_price: Decimal,
    commission: Decimal = Decimal(0),
    lp_name: str | None = None,
    executed_at: datetime | None = None,
) -> FillResult:
    """Record a fill: the trade, the position, the order's status, order_history, the account."""
    volume, fill_price = (
        decimal(volume, name="volume"),
        price(decimal(fill_price, name="fill_price")),
    )
    commission = money(decimal(commission, name="commission"))
    if volume <= 0:
        raise FillRefused(f"a fill needs a positive volume, not {volume}")
    executed_at = executed_at or timezone.now()
    account_id = Order.objects.values_list("account_id", flat=True).get(pk=order_id)
    account = Account.objects.select_for_update().get(pk=account_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status not in FILLABLE:
        raise FillRefused(
            f"order {order.pk} is {order.status}; only PENDING or PARTIALLY_FILLED fill"
        )
    filled = order.trades.aggregate(total=Sum("volume"))["total"] or Decimal(0)
    if filled + volume > order.volume:
        raise FillRefused(
            f"order {order.pk} has {order.volume - filled} left to fill, not {volume}"
        )

    position, realized, trade_type = _apply_to_position(order, volume, fill_price, executed_at)
    trade = Trade.objects.create(
        order=order,
        position=position,
        account=account,
        symbol=order.symbol,
        side=order.side,
        volume=volume,
        price=fill_price,
        commission=commission,
        pnl=realized,
        trade_type=trade_type,
        execution_mode=order.execution_mode,
        lp_name=lp_name,
        executed_at=executed_at,
    )
    OrderHistory.objects.create(
        account=account,
        symbol=order.symbol,
        side=order.side,
        volume=volume,
        price=fill_price,
        order_time=executed_at,
    )
    order.status = (
        OrderStatus.FILLED if filled + volume == order.volume else OrderStatus.PARTIALLY_FILLED
    )
    order.executed_at = executed_at
    order.save(update_fields=["status", "executed_at", "updated_at"])
    _revalue(account, realized - commission)
    return FillResult(trade, order, position, account, realized)


def _apply_to_position(
    order: Order, volume: Decimal, fill_price: Decimal, executed_at: datetime
) -> tuple[Position, Decimal, str]:
    """Open, increase, reduce or close the account's open position in the symbol."""
    position = (
        Position.objects.select_for_update()
        .filter(account_id=order.account_id, symbol=order.symbol, status=PositionStatus.OPEN)
        .order_by("open_time", "id")
        .first()
    )
    if position is None:
        return _open(order, volume, fill_price, executed_at), Decimal(0), TradeType.OPEN
    if position.side == order.side:
        total = position.volume + volume
        position.open_price = price(
            (position.open_price * position.volume + fill_price * volume) / total
        )
        position.volume = total
        position.current_price = fill_price
        position.save(update_fields=["open_price", "volume", "current_price"])
        return position, Decimal(0), TradeType.INCREASE
    closing = min(volume, position.volume)
    direction = 1 if position.side == Side.BUY else -1
    realized = money((fill_price - position.open_price) * closing * direction)
    position.realized_pnl = money((position.realized_pnl or Decimal(0)) + realized)
    position.volume -= closing
    position.current_price = fill_price
    if position.volume == 0:
        position.status = PositionStatus.CLOSED
        position.close_time, position.close_price = executed_at, fill_price
        position.unrealized_pnl = Decimal(0)
    position.save()
    if volume > closing:
        _open(order, volume - closing, fill_price, executed_at)
        return position, realized, TradeType.REVERSE
    closed = position.status == PositionStatus.CLOSED
    return position, realized, TradeType.CLOSE if closed else TradeType.REDUCE


def _open(order: Order, volume: Decimal, fill_price: Decimal, executed_at: datetime) -> Position:
    return Position.objects.create(
        account_id=order.account_id,
        symbol=order.symbol,
        side=order.side,
        volume=volume,
        open_price=fill_price,
        current_price=fill_price,
        open_time=executed_at,
        magic_number=order.magic_number,
    )


def _revalue(account: Account, cash: Decimal) -> None:
    """Balance, equity, margin, free margin and margin level after a fill."""
    open_positions = Position.objects.filter(account=account, status=PositionStatus.OPEN)
    exposure = sum((p.volume * p.open_price for p in open_positions), Decimal(0))
    unrealized = sum((p.unrealized_pnl or Decimal(0) for p in open_positions), Decimal(0))
    account.balance = money(account.balance + cash)
    account.margin = money(exposure / account.leverage)
    account.equity = money(account.balance + (account.credit or Decimal(0)) + unrealized)
    account.free_margin = money(account.equity - account.margin)
    account.margin_level = (
        percent(account.equity / account.margin * 100) if account.margin else Decimal(0)
    )
    account.peak_equity = max(account.peak_equity or Decimal(0), account.equity)
    account.save(
        update_fields=[
            "balance",
            "margin",
            "equity",
            "free_margin",
            "margin_level",
            "peak_equity",
            "updated_at",
        ]
    )
