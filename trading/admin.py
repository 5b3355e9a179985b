from django.contrib import admin

from adminpanel.admin_base import AuditedAdmin
from trading.models import Order, OrderHistory, Position, Trade


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
    list_filter = ("status", "side", "order_type", "execution_mode")
    search_fields = ("client_order_id", "symbol", "account__account_number")
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
    search_fields = ("symbol", "account__account_number")
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
    search_fields = ("symbol", "account__account_number")
    date_hierarchy = "executed_at"
    list_select_related = ("account", "order")
    raw_id_fields = ("account", "order", "position")


@admin.register(OrderHistory)
class OrderHistoryAdmin(AuditedAdmin):
    list_display = ("id", "account", "symbol", "side", "volume", "price", "order_time")
    list_filter = ("side",)
    search_fields = ("symbol", "account__account_number")
    date_hierarchy = "order_time"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
