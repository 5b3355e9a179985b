"""Logins, logouts and failed logins go to the audit log."""

from typing import Any

from django.http import HttpRequest

from adminpanel.models import AdminUser, AuditStatus
from rtx.audit import audit_record
from rtx.network import client_address, user_agent


def record_session(action: str, request: HttpRequest, user: AdminUser) -> None:
    audit_record(
        admin=user,
        action=action,
        resource_type="admin_session",
        resource_id=user.pk,
        ip_address=client_address(request),
        user_agent=user_agent(request),
    )


def record_login(sender: Any, request: HttpRequest, user: AdminUser, **kwargs: Any) -> None:
    record_session("login", request, user)


def record_logout(sender: Any, request: HttpRequest, user: AdminUser | None, **kwargs: Any) -> None:
    if user is not None:
        record_session("logout", request, user)


def record_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    admin = AdminUser.objects.filter(username=username).first() if username else None
    audit_record(
        admin=admin,
        admin_username=username or "(none)",
        action="login_failed",
        resource_type="admin_session",
        resource_id=admin.pk if admin else None,
        ip_address=client_address(request),
        user_agent=user_agent(request),
        status=AuditStatus.FAILED,
        error_message=getattr(request, "login_refusal", None) or "wrong username or password",
    )
