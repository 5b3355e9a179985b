from typing import cast

from django.contrib import admin

from risk.admin_views import VIEW_PERMISSION, symbol_correlations
from risk.models import LiquidationEvent, RiskAlert
from rtx.admin_site import AdminPage, RtxAdminSite
from rtx.backoffice.audited import AuditedAdmin


@admin.register(RiskAlert)
class RiskAlertAdmin(AuditedAdmin):
    list_display = ("id", "account", "alert_type", "severity", "acknowledged", "created_at")
    list_filter = ("acknowledged", "severity", "alert_type")
    search_fields = ("id", "account__account_number")
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
    search_fields = ("id", "account__account_number")
    date_hierarchy = "executed_at"
    list_select_related = ("account",)
    raw_id_fields = ("account",)


# symbol_correlations has a composite primary key, which Django 5.2's ModelAdmin refuses:
# a read-only page of its own.
cast(RtxAdminSite, admin.site).register_page(
    AdminPage(
        app_label="risk",
        model_name="symbolcorrelation",
        title="Symbol correlations",
        view_permission=VIEW_PERMISSION,
        view=symbol_correlations,
    )
)
