from django.contrib import admin

from accounts.admin import AccountAdmin
from accounts.models import Account
from rtx.backoffice.audited import AuditedAdmin, ReadOnlyInline
from trading.models import Order, OrderHistory, Position, Trade


class PositionInline(ReadOnlyInline):
    model = Position
    fields = ("symbol", "side", "volume", "open_price", "unrealized_pnl", "status", "open_time")


class OrderInline(ReadOnlyInline):
    model = Order
    fields = ("client_order_id", "symbol", "side", "order_type", "volume", "price", "status")


class AccountWithTradingAdmin(AccountAdmin):
    """The account's page as accounts registers it, with the account's positions and orders.

    Registered here, in the app that owns positions and orders, so that accounts (which
    trading builds on) never imports trading.
    """

    inlines = (PositionInline, OrderInline)


admin.site.unregister(Account)
admin.site.register(Account, AccountWithTradingAdmin)


@admin.register(Order)
class OrderAdmin(AuditedAdmin):
    list_display = (
        "id",
        "account",
        "client_order_id",
        "symbol",
        "side",
        "order_type",
        "volume",
        "price",
        "status",
        "created_at",
    )
    list_filter = ("status", "side", "execution_mode")
    search_fields = ("id", "client_order_id", "symbol", "account__account_number")
    date_hierarchy = "created_at"
    list_select_related = ("account",)
    raw_id_fields = ("account",)


@admin.register(Position)
class PositionAdmin(AuditedAdmin):
    list_display = (
        "id",
        "account",
        "symbol",
        "side",
        "volume",
        "open_price",
        "unrealized_pnl",
        "status",
        "open_time",
    )
    list_filter = ("status", "side")
    search_fields = ("id", "symbol", "account__account_number")
    date_hierarchy = "open_time"
    list_select_related = ("account",)
    raw_id_fields = ("account",)


@admin.register(Trade)
class TradeAdmin(AuditedAdmin):
    list_display = (
        "id",
        "account",
        "order",
        "symbol",
        "side",
        "volume",
        "price",
        "pnl",
        "executed_at",
    )
    list_filter = ("side", "trade_type", "execution_mode")
    search_fields = ("id", "symbol", "account__account_number", "order")
    date_hierarchy = "executed_at"
    list_select_related = ("account", "order")
    raw_id_fields = ("account", "order", "position")


@admin.register(OrderHistory)
class OrderHistoryAdmin(AuditedAdmin):
    list_display = ("id", "account", "symbol", "side", "volume", "price", "order_time")
    list_filter = ("side",)
    search_fields = ("id", "symbol", "account__account_number")
    date_hierarchy = "order_time"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
