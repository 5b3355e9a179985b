"""FIX sessions: open within max_sessions, heartbeat counters, close, and closing stale ones."""

import base64
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models.functions import Now
from pytest_django import Settings

from fixapi.errors import CredentialError, SessionError, SessionLimitError
from fixapi.models import FixCredential, FixSession
from fixapi.services import (
    Actor,
    credential_provision,
    credential_suspend,
    session_close,
    session_heartbeat,
    session_open,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def credential(settings: Settings) -> FixCredential:
    settings.MASTER_ENCRYPTION_KEY = base64.b64encode(b"A" * 32).decode()
    settings.FIX_ENCRYPTION_KEYS = []
    return credential_provision(
        user_id="7", actor=Actor(name="pytest"), rate_limit_tier="standard", max_sessions=2
    ).credential


def test_success_open_heartbeat_close(credential: FixCredential) -> None:
    session = session_open(user_id="7", ip_address="10.1.2.3")
    assert (
        session.credential_id,
        session.sender_comp_id,
        session.ip_address,
        session.status,
        session.message_count,
        session.order_count,
    ) == ("7", credential.sender_comp_id, "10.1.2.3", "ACTIVE", 0, 0)
    session_heartbeat(session_id=session.session_id, messages=10, orders=2)
    beaten = session_heartbeat(session_id=session.session_id, messages=5)
    assert (beaten.message_count, beaten.order_count) == (15, 2)
    assert beaten.last_activity >= session.last_activity
    assert session_close(session_id=session.session_id).status == "CLOSED"
    assert FixSession.objects.get().status == "CLOSED"


def test_success_a_closed_session_frees_its_place() -> None:
    first = session_open(user_id="7", ip_address=None)
    session_open(user_id="7", ip_address=None)
    session_close(session_id=first.session_id)
    session_open(user_id="7", ip_address=None)
    assert FixSession.objects.filter(status="ACTIVE").count() == 2


def test_success_a_legacy_row_without_max_sessions_gets_the_tiers() -> None:
    FixCredential.objects.filter(pk="7").update(max_sessions=None)
    for _ in range(3):
        session_open(user_id="7", ip_address=None)
    with pytest.raises(SessionLimitError, match="already has 3 of 3 sessions open"):
        session_open(user_id="7", ip_address=None)


def test_error_open_beyond_max_sessions() -> None:
    session_open(user_id="7", ip_address=None)
    session_open(user_id="7", ip_address=None)
    with pytest.raises(SessionLimitError) as error:
        session_open(user_id="7", ip_address=None)
    assert str(error.value) == "user_id '7' already has 2 of 2 sessions open; close one first"
    assert FixSession.objects.count() == 2


def test_error_open_for_a_suspended_or_unknown_credential() -> None:
    credential_suspend(user_id="7", actor=Actor(name="pytest"))
    with pytest.raises(SessionError) as suspended:
        session_open(user_id="7", ip_address=None)
    with pytest.raises(CredentialError) as unknown:
        session_open(user_id="8", ip_address=None)
    assert str(suspended.value) == "the credential of user_id '7' is SUSPENDED; no session opened"
    assert str(unknown.value) == (
        "no FIX credentials for user_id '8'; provision them with fix_provision"
    )
    assert FixSession.objects.count() == 0


def test_error_heartbeat_and_close_need_an_open_session() -> None:
    session = session_open(user_id="7", ip_address=None)
    session_close(session_id=session.session_id)
    for call in (session_heartbeat, session_close):
        with pytest.raises(SessionError) as error:
            call(session_id=session.session_id)
        assert str(error.value) == f"session {session.session_id!r} is not open"
    with pytest.raises(SessionError) as negative:
        session_heartbeat(session_id="nope", messages=-1)
    assert str(negative.value) == "messages -1 and orders 0 must not be negative"
    assert FixSession.objects.get().message_count == 0


def test_success_fix_close_stale_sessions() -> None:
    stale = session_open(user_id="7", ip_address=None)
    fresh = session_open(user_id="7", ip_address=None)
    FixSession.objects.filter(pk=stale.pk).update(last_activity=Now() - timedelta(minutes=10))
    out = io.StringIO()
    call_command("fix_close_stale_sessions", "--idle-seconds=300", verbosity=2, stdout=out)
    assert out.getvalue().splitlines() == [
        f"Closed {stale.session_id}",
        "Closed 1 session idle for more than 300 seconds.",
    ]
    assert dict(FixSession.objects.values_list("session_id", "status")) == {
        stale.session_id: "CLOSED",
        fresh.session_id: "ACTIVE",
    }
    again = io.StringIO()
    call_command("fix_close_stale_sessions", stdout=again)
    assert again.getvalue() == (
        "No open session has been idle for more than 300 seconds; nothing closed.\n"
    )


def test_error_fix_close_stale_sessions_needs_a_positive_idle_time() -> None:
    with pytest.raises(CommandError) as error:
        call_command("fix_close_stale_sessions", "--idle-seconds=0")
    assert str(error.value) == (
        "Error: argument --idle-seconds: expected a whole number of 1 or more, got '0'"
    )
