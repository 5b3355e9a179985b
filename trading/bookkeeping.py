"""The arithmetic of a fill, without the database: what it does to a position and an account.

:func:`trading.services.fill_record` applies it to the rows it has locked; the
benchmark's seed books a year of simulated fills with it, so both follow one set of rules.
Money and prices are Decimal, rounded to their columns as :mod:`rtx.money` says.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rtx.money import money, percent, price
from trading.models import Side, TradeType


@dataclass(frozen=True)
class Holding:
    """An open position: its side, volume (lots) and average open price."""

    side: str
    volume: Decimal
    open_price: Decimal


@dataclass(frozen=True)
class FillEffect:
    """What a fill did: its trade type, the P&L it realized, and the positions after it."""

    trade_type: TradeType
    realized_pnl: Decimal
    closed_volume: Decimal  # of the position held before the fill
    holding: Holding | None  # the position held before, after the fill (None: closed)
    opened: Holding | None  # a new position: the first fill, or what a reversal opens


def apply_fill(
    holding: Holding | None, *, side: str, volume: Decimal, fill_price: Decimal
) -> FillEffect:
    """Open, increase, reduce, close or reverse ``holding`` by a fill of ``volume`` lots.

    Increasing averages the open price; reducing realizes (fill - open) x lots, signed by
    the position's side; a fill larger than the position closes it and opens the rest the
    other way.
    """
    if holding is None:
        opened = Holding(side, volume, fill_price)
        return FillEffect(TradeType.OPEN, Decimal(0), Decimal(0), None, opened)
    if holding.side == side:
        total = holding.volume + volume
        average = price((holding.open_price * holding.volume + fill_price * volume) / total)
        increased = Holding(side, total, average)
        return FillEffect(TradeType.INCREASE, Decimal(0), Decimal(0), increased, None)
    closing = min(volume, holding.volume)
    direction = 1 if holding.side == Side.BUY else -1
    realized = money((fill_price - holding.open_price) * closing * direction)
    left = holding.volume - closing
    remaining = Holding(holding.side, left, holding.open_price) if left else None
    if volume > closing:
        reversed_into = Holding(side, volume - closing, fill_price)
        return FillEffect(TradeType.REVERSE, realized, closing, remaining, reversed_into)
    trade_type = TradeType.REDUCE if remaining else TradeType.CLOSE
    return FillEffect(trade_type, realized, closing, remaining, None)


@dataclass(frozen=True)
class AccountFigures:
    balance: Decimal
    equity: Decimal
    margin: Decimal
    free_margin: Decimal
    margin_level: Decimal  # percent; 0 without margin


def account_figures(
    *,
    balance: Decimal,
    credit: Decimal,
    leverage: int,
    open_positions: Iterable[tuple[Decimal, Decimal, Decimal]],
) -> AccountFigures:
    """An account's figures from its balance and open positions (volume, open price, unrealized).

    Margin is the open exposure (volume x open price) over the leverage; equity is the
    balance plus credit plus unrealized P&L.
    """
    balance = money(balance)
    exposure = unrealized = Decimal(0)
    for volume, open_price, pnl in open_positions:
        exposure += volume * open_price
        unrealized += pnl
    margin = money(exposure / leverage)
    equity = money(balance + credit + unrealized)
    return AccountFigures(
        balance=balance,
        equity=equity,
        margin=margin,
        free_margin=money(equity - margin),
        margin_level=percent(equity / margin * 100) if margin else Decimal(0),
    )
