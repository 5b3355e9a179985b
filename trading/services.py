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
from rtx.money import decimal, money, price
from trading.bookkeeping import FillEffect, Holding, account_figures, apply_fill
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

    position, effect = _apply_to_position(order, volume, fill_price, executed_at)
    realized = effect.realized_pnl
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
        trade_type=effect.trade_type,
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
) -> tuple[Position, FillEffect]:
    """Open, increase, reduce, close or reverse the account's open position in the symbol."""
    position = (
        Position.objects.select_for_update()
        .filter(account_id=order.account_id, symbol=order.symbol, status=PositionStatus.OPEN)
        .order_by("open_time", "id")
        .first()
    )
    held = (
        None if position is None else Holding(position.side, position.volume, position.open_price)
    )
    effect = apply_fill(held, side=order.side, volume=volume, fill_price=fill_price)
    if position is None:
        assert effect.opened is not None
        return _open(order, effect.opened, executed_at), effect
    position.current_price = fill_price
    if effect.trade_type == TradeType.INCREASE:
        assert effect.holding is not None
        position.open_price, position.volume = effect.holding.open_price, effect.holding.volume
        position.save(update_fields=["open_price", "volume", "current_price"])
        return position, effect
    position.realized_pnl = money((position.realized_pnl or Decimal(0)) + effect.realized_pnl)
    position.volume -= effect.closed_volume
    if effect.holding is None:
        position.status = PositionStatus.CLOSED
        position.close_time, position.close_price = executed_at, fill_price
        position.unrealized_pnl = Decimal(0)
    position.save()
    if effect.opened is not None:
        _open(order, effect.opened, executed_at)
    return position, effect


def _open(order: Order, holding: Holding, executed_at: datetime) -> Position:
    return Position.objects.create(
        account_id=order.account_id,
        symbol=order.symbol,
        side=holding.side,
        volume=holding.volume,
        open_price=holding.open_price,
        current_price=holding.open_price,
        open_time=executed_at,
        magic_number=order.magic_number,
    )


def _revalue(account: Account, cash: Decimal) -> None:
    """Balance, equity, margin, free margin and margin level after a fill."""
    open_positions = Position.objects.filter(account=account, status=PositionStatus.OPEN)
    figures = account_figures(
        balance=account.balance + cash,
        credit=account.credit or Decimal(0),
        leverage=account.leverage,
        open_positions=(
            (p.volume, p.open_price, p.unrealized_pnl or Decimal(0)) for p in open_positions
        ),
    )
    account.balance = figures.balance
    account.equity = figures.equity
    account.margin = figures.margin
    account.free_margin = figures.free_margin
    account.margin_level = figures.margin_level
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
