"""The audit trail: one function writes every admin_audit_log row.

The admin, the login signals, management commands and services outside the admin all
call :func:`audit_record`. It writes through the caller's connection and transaction,
so an audited change and its audit row commit together or not at all.

It lives in the project package, below every app, so that each app's admin and services
record without importing the back-office app (whose models build on accounts). That app
hands its audit log model over at start-up (:func:`keep_audit_log_in`, from
``AdminPanelConfig.ready``); an admin is whatever ``AUTH_USER_MODEL`` names.
"""

import json
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.expressions import DatabaseDefault

_audit_log: list[type[models.Model]] = []  # the model keep_audit_log_in was given

REDACTED = "[redacted]"
SECRET_FIELD_MARKERS = ("password", "secret", "token", "encrypted")


def is_secret(field_name: str) -> bool:
    return any(marker in field_name for marker in SECRET_FIELD_MARKERS)


def jsonable(value: Any) -> Any:
    """A value as JSON would carry it: Decimal and datetime as strings, bytes never."""
    if isinstance(value, bytes | memoryview):
        return REDACTED
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def model_values(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete fields by column attribute, secrets redacted.

    Values the database has yet to assign (``db_default`` on an unsaved row) read
    ``[database default]``.
    """
    values = {}
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        if is_secret(field.name):
            values[field.attname] = REDACTED
        elif isinstance(value, DatabaseDefault):
            values[field.attname] = "[database default]"
        else:
            values[field.attname] = jsonable(value)
    return values


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"before": ..., "after": ...}}`` for every field whose value changed."""
    return {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def resource_of(instance: models.Model) -> tuple[str, int | None, dict[str, Any]]:
    """resource_type, a numeric resource_id when the key is a number, and the key itself."""
    key = instance.pk
    numeric = key if isinstance(key, int) else None
    return instance._meta.db_table, numeric, {"pk": jsonable(key)}


def keep_audit_log_in(model: type[models.Model]) -> None:
    """Write audit rows as ``model`` rows (the app that owns the table calls this once)."""
    _audit_log[:] = [model]


def audit_log_model() -> type[models.Model]:
    if not _audit_log:
        raise ImproperlyConfigured(
            "no audit log model: install the app whose ready() calls keep_audit_log_in (adminpanel)"
        )
    return _audit_log[0]


def audit_record(
    *,
    admin: AbstractBaseUser | None,
    action: str,
    resource_type: str,
    admin_username: str | None = None,
    resource_id: int | None = None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
    status: str | None = None,
    error_message: str | None = None,
) -> models.Model:
    """Write one audit row; ``status`` defaults to the column's own default (SUCCESS)."""
    outcome = {"status": status} if status is not None else {}
    return audit_log_model()._default_manager.create(
        admin=admin,
        admin_username=admin_username or (admin.get_username() if admin else "SYSTEM"),
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        details=jsonable(details) if details is not None else None,
        reason=reason,
        ip_address=ip_address,
        user_agent=user_agent,
        error_message=error_message,
        **outcome,
    )
