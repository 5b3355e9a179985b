from django.contrib import admin

from accounts.models import Account, TradingGroup, User
from rtx.backoffice.audited import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ("username", "email", "full_name", "group_id", "status", "kyc_level")
    list_filter = ("status", "kyc_level")
    search_fields = ("username", "email")
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
