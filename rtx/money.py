"""Money and prices are Decimal end to end, at the columns' own precision."""

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

MONEY = Decimal("0.00001")  # DECIMAL(20,5)
PRICE = Decimal("0.0000000001")  # DECIMAL(20,10)
PERCENT = Decimal("0.01")  # DECIMAL(10,2)
PERCENT_MAX = Decimal("99999999.99")


def decimal(value: Any, *, name: str) -> Decimal:
    """``value`` as a Decimal; floats are refused, because they already lost precision."""
    if isinstance(value, float) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"{name} must be a Decimal (or int or str), not {type(value).__name__}")
    return Decimal(value)


def money(value: Decimal) -> Decimal:
    return value.quantize(MONEY, rounding=ROUND_HALF_EVEN)


def price(value: Decimal) -> Decimal:
    return value.quantize(PRICE, rounding=ROUND_HALF_EVEN)


def percent(value: Decimal) -> Decimal:
    """A DECIMAL(10,2) percentage, held within the column's range (margin levels run wild)."""
    return max(min(value.quantize(PERCENT, rounding=ROUND_HALF_EVEN), PERCENT_MAX), -PERCENT_MAX)
