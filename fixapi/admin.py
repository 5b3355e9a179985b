from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from fixapi.errors import FixApiError
from fixapi.models import FixCredential, FixSession
from fixapi.services import (
    Actor,
    credential_reset_password,
    credential_revoke,
    credential_suspend,
)
from rtx.backoffice.audited import AuditedAdmin
from rtx.network import client_address, user_agent


def actor_of(request: HttpRequest) -> Actor:
    return Actor(
        admin=request.user if request.user.is_authenticated else None,
        ip_address=client_address(request),
        user_agent=user_agent(request),
    )


@admin.register(FixCredential)
class FixCredentialAdmin(AuditedAdmin):
    """Credentials without their secrets; suspend, revoke and reset are audited actions.

    Credentials are created by ``manage.py fix_provision`` (or its service), never by the
    add form: the password must be generated, encrypted and shown exactly once.
    """

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
    actions = ("suspend", "revoke", "reset_password")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description="Suspend selected FIX credentials (closes their sessions)",
        permissions=["change"],
    )
    def suspend(self, request: HttpRequest, queryset: QuerySet[FixCredential]) -> None:
        self._change_each(request, queryset, credential_suspend, "Suspended")

    @admin.action(
        description="Revoke selected FIX credentials for good (closes their sessions)",
        permissions=["change"],
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[FixCredential]) -> None:
        self._change_each(request, queryset, credential_revoke, "Revoked")

    @admin.action(
        description="Reset the password of selected FIX credentials (shown once)",
        permissions=["change"],
    )
    def reset_password(self, request: HttpRequest, queryset: QuerySet[FixCredential]) -> None:
        for credential in queryset.order_by("user_id"):
            try:
                issued = credential_reset_password(
                    user_id=credential.user_id, actor=actor_of(request)
                )
            except FixApiError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            self.message_user(
                request,
                f"New FIX password for {credential.sender_comp_id} (user_id "
                f"{credential.user_id!r}): {issued.password} - shown only this once, "
                "copy it now.",
                messages.WARNING,
            )

    def _change_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[FixCredential],
        change: Callable[..., FixCredential],
        verb: str,
    ) -> None:
        """Each credential in a transaction of its own; a refusal does not stop the rest."""
        done = []
        for credential in queryset.order_by("user_id"):
            try:
                change(user_id=credential.user_id, actor=actor_of(request))
            except FixApiError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                done.append(credential.sender_comp_id)
        if done:
            self.message_user(request, f"{verb} {len(done)}: {', '.join(done)}.", messages.SUCCESS)


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
    search_fields = ("session_id", "credential", "credential__sender_comp_id")
    date_hierarchy = "connected_at"
    list_select_related = ("credential",)
    raw_id_fields = ("credential",)
