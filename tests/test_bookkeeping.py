"""The arithmetic of fills without the database (trading.bookkeeping), as fill_record applies it."""

from decimal import Decimal

import pytest

from trading.bookkeeping import FillEffect, Holding, account_figures, apply_fill
from trading.models import TradeType

D = Decimal


@pytest.mark.parametrize(
    ("held", "side", "volume", "fill_price", "expected"),
    [
        (
            None,
            "BUY",
            D(2),
            D("1.1"),
            FillEffect(TradeType.OPEN, D(0), D(0), None, Holding("BUY", D(2), D("1.1"))),
        ),
        (
            Holding("BUY", D(2), D("1.1")),
            "BUY",
            D(1),
            D("1.13"),
            FillEffect(TradeType.INCREASE, D(0), D(0), Holding("BUY", D(3), D("1.11")), None),
        ),
        (
            Holding("BUY", D(3), D("1.11")),
            "SELL",
            D(1),
            D("1.15"),
            FillEffect(TradeType.REDUCE, D("0.04"), D(1), Holding("BUY", D(2), D("1.11")), None),
        ),
        (
            Holding("SELL", D(2), D("1.2")),
            "BUY",
            D(2),
            D("1.1"),
            FillEffect(TradeType.CLOSE, D("0.2"), D(2), None, None),
        ),
        (
            Holding("BUY", D(2), D("1.11")),
            "SELL",
            D(3),
            D("1.2"),
            FillEffect(TradeType.REVERSE, D("0.18"), D(2), None, Holding("SELL", D(1), D("1.2"))),
        ),
    ],
)
def test_success_a_fill_opens_increases_reduces_closes_or_reverses(
    held: Holding | None, side: str, volume: Decimal, fill_price: Decimal, expected: FillEffect
) -> None:
    assert apply_fill(held, side=side, volume=volume, fill_price=fill_price) == expected


def test_success_account_figures_from_balance_and_open_positions() -> None:
    figures = account_figures(
        balance=D("1000.123456"),
        credit=D(100),
        leverage=100,
        open_positions=[(D(1), D("1.2"), D("-3.5")), (D("0.5"), D(2400), D(12))],
    )
    assert (figures.balance, figures.margin, figures.equity) == (
        D("1000.12346"),
        D("12.01200"),
        D("1108.62346"),
    )
    assert figures.free_margin == figures.equity - figures.margin
    assert figures.margin_level == D("9229.30")
    assert (
        account_figures(balance=D(5), credit=D(0), leverage=50, open_positions=[]).margin_level == 0
    )


def test_success_a_margin_level_stays_within_its_column() -> None:
    """DECIMAL(10,2): a deep negative equity on a tiny margin would overflow the column."""
    tiny = [(D("0.01"), D(1), D(0))]  # margin 0.00002
    figures = account_figures(balance=D(-50000), credit=D(0), leverage=500, open_positions=tiny)
    assert figures.margin_level == D("-99999999.99")
    figures = account_figures(balance=D(50000), credit=D(0), leverage=500, open_positions=tiny)
    assert figures.margin_level == D("99999999.99")
