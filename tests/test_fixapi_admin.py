"""The FIX credential admin: listed without secrets; suspend, revoke and reset, audited."""

import base64
import re
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from adminpanel.models import AdminAuditLog, AdminUser
from fixapi.models import FixCredential, FixSession
from fixapi.services import (
    Actor,
    IssuedPassword,
    credential_provision,
    credential_revoke,
    credential_verify,
    session_open,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/fixapi/fixcredential/"


@pytest.fixture(autouse=True)
def keys(settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = base64.b64encode(b"A" * 32).decode()
    settings.FIX_ENCRYPTION_KEYS = []


@pytest.fixture
def issued() -> IssuedPassword:
    return credential_provision(user_id="7", actor=Actor(name="pytest"), rate_limit_tier="standard")


def client_for(role: str) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-agent")
    client.force_login(
        AdminUser.objects.create_user(f"{role}_user", f"{role}@rtx.test", "pw", role=role)
    )
    return client


def act(client: Client, action: str, *user_ids: str) -> Any:
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": list(user_ids)}, follow=True
    )


def shown(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def admin_audit_rows() -> list[AdminAuditLog]:
    return list(AdminAuditLog.objects.exclude(action__in=["provision", "login"]).order_by("id"))


def test_success_credentials_are_listed_without_secrets(issued: IssuedPassword) -> None:
    client = client_for("support")
    listing = client.get(CHANGELIST).content.decode()
    change = client.get(f"{CHANGELIST}7/change/").content.decode()
    stored = bytes(FixCredential.objects.get(pk="7").password_encrypted)
    assert issued.credential.sender_comp_id in listing
    for page in (listing, change):
        assert issued.password not in page
        assert "password_encrypted" not in page
        assert stored.hex() not in page and base64.b64encode(stored).decode() not in page


def test_error_credentials_are_not_added_through_the_admin() -> None:
    client = client_for("super_admin")
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert f'href="{CHANGELIST}add/"' not in client.get(CHANGELIST).content.decode()


def test_success_suspend_action_closes_sessions_and_is_audited(issued: IssuedPassword) -> None:
    session = session_open(user_id="7", ip_address="10.1.2.3")
    response = act(client_for("admin"), "suspend", "7")
    assert shown(response) == [f"Suspended 1: {issued.credential.sender_comp_id}."]
    assert FixCredential.objects.get(pk="7").status == "SUSPENDED"
    assert FixSession.objects.get(pk=session.pk).status == "CLOSED"
    [entry] = admin_audit_rows()
    assert (
        entry.admin_username,
        entry.action,
        entry.resource_type,
        entry.resource_id,
        entry.ip_address,
        entry.user_agent,
    ) == ("admin_user", "suspend", "fix_credentials", None, "127.0.0.1", "pytest-agent")
    assert entry.details == {
        "user_id": "7",
        "sender_comp_id": issued.credential.sender_comp_id,
        "status": {"before": "ACTIVE", "after": "SUSPENDED"},
        "sessions_closed": 1,
    }


def test_success_revoke_action_reports_each_refusal(issued: IssuedPassword) -> None:
    other = credential_provision(user_id="8", actor=Actor(name="pytest"))
    credential_revoke(user_id="7", actor=Actor(name="pytest"))
    response = act(client_for("super_admin"), "revoke", "7", "8")
    assert shown(response) == [
        "cannot revoke the credential of user_id '7': it is REVOKED",
        f"Revoked 1: {other.credential.sender_comp_id}.",
    ]
    assert FixCredential.objects.get(pk="8").status == "REVOKED"
    assert [(entry.action, entry.details["user_id"]) for entry in admin_audit_rows()] == [
        ("revoke", "7"),
        ("revoke", "8"),
    ]


def test_success_reset_action_shows_the_new_password_once(issued: IssuedPassword) -> None:
    client = client_for("admin")
    response = act(client, "reset_password", "7")
    [message] = shown(response)
    sender = issued.credential.sender_comp_id
    found = re.fullmatch(
        rf"New FIX password for {sender} \(user_id '7'\): ([A-Za-z0-9]{{32}}) - "
        r"shown only this once, copy it now\.",
        message,
    )
    assert found is not None, message
    new_password = found.group(1)
    assert new_password != issued.password
    assert client.get(CHANGELIST).content.decode().count(new_password) == 0

    def accepted(password: str) -> bool:
        return credential_verify(
            sender_comp_id=sender, password=password, source_address=None
        ).accepted

    assert (accepted(new_password), accepted(issued.password)) == (True, False)
    [entry] = admin_audit_rows()
    assert (entry.admin_username, entry.action, entry.details) == (
        "admin_user",
        "reset_password",
        {"user_id": "7", "sender_comp_id": sender, "key_id": "master", "sessions_closed": 0},
    )


@pytest.mark.parametrize("action", ["suspend", "revoke", "reset_password"])
def test_error_support_cannot_run_the_actions(issued: IssuedPassword, action: str) -> None:
    before = FixCredential.objects.values_list("status", "password_encrypted").get()
    response = act(client_for("support"), action, "7")
    assert (response.status_code, shown(response)) == (200, [])
    assert FixCredential.objects.values_list("status", "password_encrypted").get() == before
    assert admin_audit_rows() == []
