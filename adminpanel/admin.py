import json
from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from adminpanel.forms import AdminUserCreationForm
from adminpanel.models import AdminAuditLog, AdminUser, GroupSymbolSettings
from adminpanel.selectors import audit_log_containing, audit_log_search
from rtx.backoffice.audited import AuditedAdmin
from rtx.backoffice.lists import BackOfficeAdmin

# Roles, not Django groups, decide what an admin may do.
admin.site.unregister(Group)


@admin.register(AdminUser)
class AdminUserAdmin(AuditedAdmin):
    list_display = ("username", "email", "role", "status", "last_login", "created_at")
    list_filter = ("role", "status")
    search_fields = ("username", "email")
    date_hierarchy = "created_at"
    readonly_fields = ("last_login", "updated_at", "created_by")
    fields = ("username", "email", "role", "status", "ip_whitelist", *readonly_fields)
    add_fields = ("username", "email", "role", "ip_whitelist", "password1", "password2")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = AdminUserCreationForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fields if obj is None else super().get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)


@admin.register(AdminAuditLog)
class AdminAuditLogAdmin(BackOfficeAdmin):
    """Read-only for everyone; the database refuses UPDATE and DELETE as well."""

    list_display = (
        "created_at",
        "admin_username",
        "action",
        "resource_type",
        "resource_id",
        "status",
        "ip_address",
    )
    list_filter = ("action", "resource_type", "status", "admin", "created_at")
    search_fields = ("details",)
    search_help_text = (
        'A JSON object, such as {"account_id": 42}, finds the entries whose details contain '
        "it; any other text is looked for anywhere in details."
    )
    date_hierarchy = "created_at"
    list_select_related = ("admin",)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        wanted = json_object(search_term)
        if wanted is not None:
            return audit_log_containing(details=wanted, queryset=queryset), False
        return audit_log_search(queryset=queryset, text=search_term), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def json_object(text: str) -> dict[str, Any] | None:
    """``text`` as a JSON object, or None when it is not one."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


@admin.register(GroupSymbolSettings)
class GroupSymbolSettingsAdmin(AuditedAdmin):
    list_display = (
        "group",
        "symbol",
        "enabled",
        "markup",
        "commission",
        "min_volume",
        "max_volume",
    )
    list_filter = ("enabled", "group")
    search_fields = ("symbol",)
    list_select_related = ("group",)
