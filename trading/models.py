"""Orders, the positions they open, their fills (trades) and the order analytics history."""

from decimal import Decimal

from django.db import models

from accounts.models import Account, ExecutionMode
from rtx.db.constraints import NamedIndex, index, one_of, unique
from rtx.db.fields import money_field, price_field, status_field
from rtx.db.functions import CurrentTimestamp, UTCDate


class Side(models.TextChoices):
    BUY = "BUY"
    SELL = "SELL"


class PositionStatus(models.TextChoices):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class OrderStatus(models.TextChoices):
    PENDING = "PENDING"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


class TradeType(models.TextChoices):
    """What a fill did to its account's position in the symbol."""

    OPEN = "OPEN"
    INCREASE = "INCREASE"
    REDUCE = "REDUCE"
    CLOSE = "CLOSE"
    REVERSE = "REVERSE"


class Position(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, db_index=False, related_name="positions"
    )
    symbol = models.CharField(max_length=50)
    side = models.CharField(max_length=10, choices=Side)
    volume = money_field(db_comment="Lots")
    open_price = price_field()
    current_price = price_field(null=True, blank=True)
    unrealized_pnl = money_field(null=True, blank=True, db_default=Decimal(0))
    realized_pnl = money_field(null=True, blank=True, db_default=Decimal(0))
    swap = money_field(null=True, blank=True, db_default=Decimal(0))
    commission = money_field(null=True, blank=True, db_default=Decimal(0))
    stop_loss = price_field(null=True, blank=True)
    take_profit = price_field(null=True, blank=True)
    open_time = models.DateTimeField(db_default=CurrentTimestamp())
    close_time = models.DateTimeField(null=True, blank=True)
    close_price = price_field(null=True, blank=True)
    status = status_field(PositionStatus, PositionStatus.OPEN)
    magic_number = models.BigIntegerField(null=True, blank=True)
    comment = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "positions"
        constraints = [one_of("positions", "side", Side.values)]
        indexes = [
            index("positions", "account_id"),
            index("positions", "symbol"),
            index("positions", "status"),
            index("positions", "open_time"),
            # position_list_open
            NamedIndex(
                fields=["account_id", "open_time", "id"],
                condition=models.Q(status=PositionStatus.OPEN),
                name="positions_open_account_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.side} {self.volume} {self.symbol}"


class Order(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, db_index=False, related_name="orders"
    )
    client_order_id = models.CharField(max_length=255, null=True, blank=True)
    lp_order_id = models.CharField(max_length=255, null=True, blank=True)
    symbol = models.CharField(max_length=50)
    side = models.CharField(max_length=10, choices=Side)
    order_type = models.CharField(max_length=50)
    volume = money_field(db_comment="Lots")
    price = price_field(null=True, blank=True)
    stop_loss = price_field(null=True, blank=True)
    take_profit = price_field(null=True, blank=True)
    execution_mode = models.CharField(
        max_length=50, choices=ExecutionMode, null=True, blank=True, db_default=ExecutionMode.BBOOK
    )
    selected_lp = models.CharField(max_length=50, null=True, blank=True)
    status = status_field(OrderStatus, OrderStatus.PENDING)
    reject_reason = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    updated_at = models.DateTimeField(auto_now=True, db_default=CurrentTimestamp())
    executed_at = models.DateTimeField(null=True, blank=True)
    magic_number = models.BigIntegerField(null=True, blank=True)
    comment = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "orders"
        constraints = [
            unique("orders", "client_order_id"),
            one_of("orders", "side", Side.values),
            one_of("orders", "execution_mode", ExecutionMode.values),
        ]
        indexes = [
            index("orders", "account_id"),
            index("orders", "symbol"),
            index("orders", "status"),
            index("orders", "created_at"),
            # order_list_by_status (keyset pagination, newest first)
            NamedIndex(
                fields=["account_id", "status", "-created_at", "-id"],
                name="orders_account_status_created_idx",
            ),
            # order_list_pending_for_symbol
            NamedIndex(
                fields=["symbol", "created_at", "id"],
                condition=models.Q(status=OrderStatus.PENDING),
                name="orders_pending_symbol_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.side} {self.volume} {self.symbol}"


class Trade(models.Model):
    """An order fill."""

    order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="trades",
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="trades",
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, db_index=False, related_name="trades"
    )
    symbol = models.CharField(max_length=50)
    side = models.CharField(max_length=10, choices=Side)
    volume = money_field(db_comment="Lots")
    price = price_field()
    commission = money_field(null=True, blank=True, db_default=Decimal(0))
    swap = money_field(null=True, blank=True, db_default=Decimal(0))
    pnl = money_field(null=True, blank=True, db_default=Decimal(0))
    trade_type = models.CharField(max_length=50, choices=TradeType)
    execution_mode = models.CharField(max_length=50, choices=ExecutionMode, null=True, blank=True)
    lp_name = models.CharField(max_length=50, null=True, blank=True)
    executed_at = models.DateTimeField(db_default=CurrentTimestamp())
    magic_number = models.BigIntegerField(null=True, blank=True)
    comment = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "trades"
        constraints = [one_of("trades", "side", Side.values)]
        indexes = [
            index("trades", "account_id"),
            index("trades", "order_id"),
            index("trades", "position_id"),
            index("trades", "symbol"),
            index("trades", "executed_at"),
            # trade_list_for_account, trade_list_for_symbol
            NamedIndex(fields=["account_id", "-executed_at"], name="trades_account_executed_idx"),
            # Covering: trade_ohlcv reads a symbol's day from the index alone.
            NamedIndex(
                fields=["symbol", "-executed_at"],
                include=["id", "price", "volume"],
                name="trades_symbol_executed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.side} {self.volume} {self.symbol} @ {self.price}"


class OrderHistory(models.Model):
    """Order analytics: one row per order, kept for pattern analysis."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, db_index=False, related_name="order_history"
    )
    symbol = models.CharField(max_length=50)
    side = models.CharField(max_length=10, choices=Side)
    volume = money_field(db_comment="Lots")
    price = price_field()
    order_time = models.DateTimeField(db_default=CurrentTimestamp())

    class Meta:
        db_table = "order_history"
        verbose_name_plural = "order history"
        constraints = [one_of("order_history", "side", Side.values)]
        indexes = [
            index("order_history", "account_id"),
            index("order_history", "symbol"),
            index("order_history", "order_time"),
            # order_history_for_account, order_history_for_symbol
            NamedIndex(fields=["account_id", "-order_time"], name="order_history_account_time_idx"),
            NamedIndex(fields=["symbol", "-order_time"], name="order_history_symbol_time_idx"),
            # Version 9's covering index, read by no query since version 14 (kept: see
            # trading/migrations/0007_order_history_day_account_index.py).
            NamedIndex(
                fields=["order_time"], include=["account_id"], name="order_history_day_counts_idx"
            ),
            # order_counts_per_account_per_day reads a day's accounts from the index alone,
            # in the order it counts them: by UTC date, then account.
            NamedIndex(
                UTCDate("order_time"),
                "account_id",
                include=["order_time"],
                name="order_history_day_account_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.side} {self.volume} {self.symbol} @ {self.price}"
