from django.contrib import admin

from adminpanel.admin_base import AuditedAdmin
from risk.models import LiquidationEvent, RiskAlert


@admin.register(RiskAlert)
class RiskAlertAdmin(AuditedAdmin):
    list_display = ("id", "account", "alert_type", "severity", "acknowledged", "created_at")
    list_filter = ("acknowledged", "severity", "alert_type")
    search_fields = ("id", "message", "account__account_number")
    date_hierarchy = "created_at"
    list_select_related = ("account",)
    raw_id_fields = ("account",)


@admin.register(LiquidationEvent)
class LiquidationEventAdmin(AuditedAdmin):
    list_display = (
        "id",
        "account",
        "trigger_reason",
        "margin_level_before",
        "total_pnl",
        "executed_at",
    )
    search_fields = ("id", "account__account_number", "trigger_reason")
    date_hierarchy = "executed_at"
    list_select_related = ("account",)
    raw_id_fields = ("account",)


# symbol_correlations has a composite primary key, which Django 5.2's ModelAdmin refuses;
# rtx.admin_site serves it as a read-only page (risk.admin_views.symbol_correlations).
