from django.contrib import admin

from adminpanel.admin_base import AuditedAdmin
from fixapi.models import FixCredential, FixSession


@admin.register(FixCredential)
class FixCredentialAdmin(AuditedAdmin):
    list_display = (
        "user_id",
        "sender_comp_id",
        "rate_limit_tier",
        "max_sessions",
        "status",
        "expires_at",
        "last_used",
    )
    list_filter = ("status", "rate_limit_tier")
    search_fields = ("user_id", "sender_comp_id")
    date_hierarchy = "created_at"
    # The encrypted password is never shown, not even as ciphertext.
    exclude = ("password_encrypted",)
    readonly_fields = ("updated_at", "last_used")


@admin.register(FixSession)
class FixSessionAdmin(AuditedAdmin):
    list_display = (
        "session_id",
        "credential",
        "sender_comp_id",
        "ip_address",
        "status",
        "connected_at",
        "last_activity",
        "message_count",
        "order_count",
    )
    list_filter = ("status",)
    search_fields = ("session_id", "sender_comp_id", "credential__user_id")
    date_hierarchy = "connected_at"
    list_select_related = ("credential",)
    raw_id_fields = ("credential",)
