"""Admin pages whose every change writes its audit row, and read-only inlines."""

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from rtx.audit import audit_record, changes, model_values, resource_of
from rtx.backoffice.lists import BackOfficeAdmin
from rtx.db.functions import CurrentTimestamp
from rtx.network import client_address, user_agent


def audit_request(
    request: HttpRequest, *, action: str, instance: models.Model, details: dict[str, Any]
) -> None:
    resource_type, resource_id, key = resource_of(instance)
    audit_record(
        admin=request.user if request.user.is_authenticated else None,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        details={**key, **details},
        ip_address=client_address(request),
        user_agent=user_agent(request),
    )


class AuditedAdmin(BackOfficeAdmin):
    """Every add, change and delete writes an audit row in the same transaction as the change.

    Django runs the add, change and delete views in a transaction; the bulk delete action
    gets one here.
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Time columns the database stamps (``DEFAULT CURRENT_TIMESTAMP``) are history."""
        stamped = [
            field.name
            for field in self.model._meta.concrete_fields
            if isinstance(field.db_default, CurrentTimestamp)
        ]
        return (*super().get_readonly_fields(request, obj), *stamped)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        before = model_values(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        # The values as stored: the database rounds decimals and assigns defaults and ids.
        obj.refresh_from_db()
        audit_request(
            request,
            action="update" if change else "create",
            instance=obj,
            details={"changes": changes(before, model_values(obj))},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        details = {"deleted": model_values(obj)}
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        audit_request(request, action="delete", instance=obj, details=details)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic(using=queryset.db):
            doomed = [(obj, model_values(obj)) for obj in queryset]
            super().delete_queryset(request, queryset)
            for obj, values in doomed:
                audit_request(
                    request, action="bulk_delete", instance=obj, details={"deleted": values}
                )


class ReadOnlyInline(admin.TabularInline):
    """Related rows on their parent's page; they change on their own (audited) pages."""

    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
