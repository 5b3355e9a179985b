from django.contrib import admin

from accounts.models import Account, TradingGroup, User
from adminpanel.admin_base import AuditedAdmin, ReadOnlyInline
from trading.models import Order, Position


class PositionInline(ReadOnlyInline):
    model = Position
    fields = ("symbol", "side", "volume", "open_price", "unrealized_pnl", "status", "open_time")


class OrderInline(ReadOnlyInline):
    model = Order
    fields = ("client_order_id", "symbol", "side", "order_type", "volume", "price", "status")


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ("username", "email", "full_name", "group_id", "status", "kyc_level")
    list_filter = ("status", "kyc_level")
    search_fields = ("username", "email", "full_name")
    date_hierarchy = "created_at"
    exclude = ("password_hash",)


@admin.register(Account)
class AccountAdmin(AuditedAdmin):
    list_display = (
        "account_number",
        "user",
        "account_type",
        "currency",
        "balance",
        "equity",
        "margin_level",
        "leverage",
        "status",
    )
    list_filter = ("status", "account_type", "currency")
    search_fields = ("account_number", "user__username")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    inlines = (PositionInline, OrderInline)


@admin.register(TradingGroup)
class TradingGroupAdmin(AuditedAdmin):
    list_display = (
        "name",
        "execution_mode",
        "markup",
        "commission",
        "max_leverage",
        "margin_mode",
        "status",
    )
    list_filter = ("status", "execution_mode", "margin_mode")
    search_fields = ("name",)
    date_hierarchy = "created_at"
