"""FIX credentials: provisioning, what the gateway's verification accepts and refuses,
and suspending, revoking and resetting, each audited."""

import base64
import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from pytest_django import Settings

from adminpanel.models import AdminAuditLog
from fixapi.errors import CredentialCryptoError, CredentialError
from fixapi.models import FixCredential, FixSession
from fixapi.services import (
    Actor,
    IssuedPassword,
    Verification,
    credential_provision,
    credential_reset_password,
    credential_revoke,
    credential_suspend,
    credential_verify,
    session_open,
)
from fixapi.tiers import TierLimits

pytestmark = pytest.mark.django_db

KEY_A = base64.b64encode(b"A" * 32).decode()
ACTOR = Actor(name="pytest")
Change = Callable[..., object]


@pytest.fixture(autouse=True)
def keys(settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = KEY_A
    settings.FIX_ENCRYPTION_KEYS = []


@pytest.fixture
def issued() -> IssuedPassword:
    return credential_provision(
        user_id="7",
        actor=ACTOR,
        rate_limit_tier="standard",
        max_sessions=2,
        allowed_ips=["10.0.0.0/8"],
    )


def verify(
    issued: IssuedPassword, password: str | None = None, address: str | None = "10.1.2.3"
) -> Verification:
    return credential_verify(
        sender_comp_id=issued.credential.sender_comp_id,
        password=issued.password if password is None else password,
        source_address=address,
    )


def stored_bytes(user_id: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password_encrypted FROM fix_credentials WHERE user_id = %s", [user_id]
        )
        return bytes(cursor.fetchone()[0])


# -- provisioning ------------------------------------------------------------------------


def test_success_fix_provision_prints_the_credentials_once() -> None:
    out = io.StringIO()
    call_command(
        "fix_provision",
        "--user-id=42",
        "--tier=standard",
        "--allowed-ip=10.0.0.0/8",
        "--allowed-ip=192.0.2.7",
        "--expires-at=2099-01-31T00:00:00",
        stdout=out,
    )
    credential = FixCredential.objects.get()
    lines = out.getvalue().splitlines()
    password = lines[3].removeprefix("Password:     ")
    assert lines == [
        "Provisioned FIX credentials for user_id '42' "
        "(standard tier: 5 orders/s, 50 messages/s, 3 sessions).",
        f"SenderCompID: {credential.sender_comp_id}",
        "TargetCompID: GATEWAY",
        f"Password:     {password}",
        "MaxSessions:  3",
        "AllowedIPs:   10.0.0.0/8, 192.0.2.7",
        "ExpiresAt:    2099-01-31T00:00:00+00:00",
        "Store the password now: it is shown only this once and cannot be recovered, only reset.",
    ]
    assert re.fullmatch(r"USER_[A-Z0-9]{8}", credential.sender_comp_id)
    assert re.fullmatch(r"[A-Za-z0-9]{32}", password)
    assert (
        credential.rate_limit_tier,
        credential.max_sessions,
        credential.allowed_ips,
        credential.status,
        credential.expires_at.isoformat(),
        credential.last_used,
    ) == ("standard", 3, ["10.0.0.0/8", "192.0.2.7"], "ACTIVE", "2099-01-31T00:00:00+00:00", None)
    raw = stored_bytes("42")
    assert raw.startswith(b"\x01\x06master")
    assert password.encode() not in raw
    accepted = credential_verify(
        sender_comp_id=credential.sender_comp_id, password=password, source_address="192.0.2.7"
    )
    assert accepted.accepted
    entry = AdminAuditLog.objects.get()
    assert (entry.admin_username, entry.action, entry.resource_type, entry.resource_id) == (
        "fix_provision",
        "provision",
        "fix_credentials",
        None,
    )
    assert entry.details == {
        "user_id": "42",
        "sender_comp_id": credential.sender_comp_id,
        "rate_limit_tier": "standard",
        "max_sessions": 3,
        "allowed_ips": ["10.0.0.0/8", "192.0.2.7"],
        "expires_at": "2099-01-31T00:00:00Z",
        "key_id": "master",
    }


def test_success_provisioning_defaults_to_the_basic_tier_anywhere_forever() -> None:
    issued = credential_provision(user_id="5", actor=ACTOR)
    credential = FixCredential.objects.get(pk="5")
    assert (
        credential.rate_limit_tier,
        credential.max_sessions,
        credential.allowed_ips,
        credential.expires_at,
    ) == ("basic", 1, None, None)
    assert issued.target_comp_id == "GATEWAY"
    assert issued.password not in repr(issued)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--user-id=1", "--max-sessions=2"],
            "max_sessions 2 exceeds the basic tier's limit of 1; "
            "choose a higher tier or fewer sessions",
        ),
        (
            ["--user-id=1", "--allowed-ip=10.0.0.300"],
            "allowed_ips entry '10.0.0.300' is not an IP address or CIDR range",
        ),
        (
            ["--user-id=1", "--expires-at=2020-01-01T00:00:00Z"],
            "expires_at 2020-01-01T00:00:00+00:00 is in the past; give a future time",
        ),
        (
            ["--user-id=1", "--expires-at=tomorrow"],
            "Error: argument --expires-at: expected an ISO 8601 time such as "
            "2027-01-31T00:00:00Z, got 'tomorrow'",
        ),
        (
            ["--user-id=1", "--max-sessions=0"],
            "Error: argument --max-sessions: expected a whole number of 1 or more, got '0'",
        ),
        (
            ["--user-id= 1"],
            "user_id ' 1' must be 1 to 255 characters without surrounding spaces",
        ),
    ],
)
def test_error_fix_provision_refuses_bad_input(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("fix_provision", *arguments, stdout=io.StringIO())
    assert str(error.value) == message
    assert (FixCredential.objects.count(), AdminAuditLog.objects.count()) == (0, 0)


def test_error_fix_provision_twice_for_one_user(issued: IssuedPassword) -> None:
    with pytest.raises(CommandError) as error:
        call_command("fix_provision", "--user-id=7", stdout=io.StringIO())
    assert str(error.value) == (
        f"user_id '7' already has FIX credentials ({issued.credential.sender_comp_id}, ACTIVE); "
        "reset their password instead"
    )
    assert FixCredential.objects.count() == 1


def test_error_fix_provision_without_a_key(settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError) as error:
        call_command("fix_provision", "--user-id=1", stdout=io.StringIO())
    assert str(error.value) == (
        "no FIX encryption key: set MASTER_ENCRYPTION_KEY "
        "(generate one with: openssl rand -base64 32)"
    )
    assert FixCredential.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"rate_limit_tier": "gold"},
            "rate_limit_tier 'gold' is not one of basic, standard, premium, unlimited",
        ),
        ({"max_sessions": 0}, "max_sessions 0 must be 1 or more"),
        (
            {"expires_at": datetime(2099, 1, 1)},  # noqa: DTZ001 - the naive time is the point
            "expires_at 2099-01-01T00:00:00 has no time zone; give one, such as +00:00",
        ),
    ],
)
def test_error_provisioning_refuses_what_the_command_cannot_pass(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(CredentialError) as error:
        credential_provision(user_id="1", actor=ACTOR, **fields)
    assert str(error.value) == message


def test_error_provisioning_a_revoked_user_again(issued: IssuedPassword) -> None:
    credential_revoke(user_id="7", actor=ACTOR)
    with pytest.raises(CredentialError) as error:
        credential_provision(user_id="7", actor=ACTOR)
    assert str(error.value) == (
        f"user_id '7' already has FIX credentials ({issued.credential.sender_comp_id}, "
        "REVOKED); delete them first"
    )


# -- verification ------------------------------------------------------------------------


def test_success_verify_accepts_stamps_last_used_and_gives_the_limits(
    issued: IssuedPassword,
) -> None:
    verification = verify(issued)
    assert (verification.accepted, verification.reason) == (True, None)
    assert verification.limits == TierLimits(
        orders_per_second=5, messages_per_second=50, sessions=3
    )
    assert FixCredential.objects.get(pk="7").last_used is not None


def open_two_sessions() -> None:
    session_open(user_id="7", ip_address="10.1.2.3")
    session_open(user_id="7", ip_address="10.1.2.4")


def set_status(status: str) -> Callable[[], None]:
    def prepare() -> None:
        FixCredential.objects.filter(pk="7").update(status=status)

    return prepare


def nothing() -> None:
    pass


@pytest.mark.parametrize(
    ("prepare", "password", "address", "reason"),
    [
        (nothing, "x" * 32, "10.1.2.3", "unknown sender_comp_id or wrong password"),
        (nothing, "", "10.1.2.3", "unknown sender_comp_id or wrong password"),
        (
            set_status("SUSPENDED"),
            None,
            "10.1.2.3",
            "credential status is SUSPENDED; only ACTIVE may log on",
        ),
        (
            set_status("REVOKED"),
            None,
            "10.1.2.3",
            "credential status is REVOKED; only ACTIVE may log on",
        ),
        (nothing, None, "192.0.2.1", "address 192.0.2.1 is not in allowed_ips"),
        (nothing, None, None, "address (none) is not in allowed_ips"),
        (open_two_sessions, None, "10.1.2.3", "2 of 2 sessions already open"),
    ],
    ids=[
        "wrong-password",
        "empty-password",
        "suspended",
        "revoked",
        "address",
        "no-address",
        "sessions",
    ],
)
def test_error_verify_refuses_with_a_reason(
    issued: IssuedPassword,
    prepare: Callable[[], None],
    password: str | None,
    address: str | None,
    reason: str,
) -> None:
    prepare()
    verification = verify(issued, password, address)
    assert (verification.accepted, verification.reason, verification.limits) == (
        False,
        reason,
        None,
    )
    assert FixCredential.objects.get(pk="7").last_used is None


def test_error_verify_an_unknown_sender_comp_id(issued: IssuedPassword) -> None:
    verification = credential_verify(
        sender_comp_id="USER_NOBODY00", password=issued.password, source_address="10.1.2.3"
    )
    assert (verification.accepted, verification.reason, verification.credential) == (
        False,
        "unknown sender_comp_id or wrong password",
        None,
    )


def test_error_verify_past_expires_at_marks_the_credential_expired(issued: IssuedPassword) -> None:
    expired_at = timezone.now() - timedelta(minutes=1)
    FixCredential.objects.filter(pk="7").update(expires_at=expired_at)
    assert verify(issued).reason == f"credential expired at {expired_at.isoformat()}"
    assert FixCredential.objects.get(pk="7").status == "EXPIRED"
    assert verify(issued).reason == "credential status is EXPIRED; only ACTIVE may log on"


def test_error_verify_a_password_row_swapped_from_another_user(issued: IssuedPassword) -> None:
    other = credential_provision(user_id="8", actor=ACTOR)
    FixCredential.objects.filter(pk="7").update(password_encrypted=stored_bytes("8"))
    with pytest.raises(
        CredentialCryptoError, match=r"^the password of user_id '7' fails authentication"
    ):
        verify(issued, other.password)


def test_error_verify_a_tampered_row(issued: IssuedPassword) -> None:
    tampered = bytearray(stored_bytes("7"))
    tampered[-1] ^= 0x80
    FixCredential.objects.filter(pk="7").update(password_encrypted=bytes(tampered))
    with pytest.raises(CredentialCryptoError, match="with key id 'master'"):
        verify(issued)


# -- suspend, revoke, reset --------------------------------------------------------------


def test_success_suspend_closes_open_sessions_and_is_audited(issued: IssuedPassword) -> None:
    open_two_sessions()
    credential_suspend(user_id="7", actor=Actor(name="ops", ip_address="192.0.2.9"))
    assert FixCredential.objects.get(pk="7").status == "SUSPENDED"
    assert set(FixSession.objects.values_list("status", flat=True)) == {"CLOSED"}
    entry = AdminAuditLog.objects.get(action="suspend")
    assert (entry.admin_username, entry.resource_type, entry.ip_address) == (
        "ops",
        "fix_credentials",
        "192.0.2.9",
    )
    assert entry.details == {
        "user_id": "7",
        "sender_comp_id": issued.credential.sender_comp_id,
        "status": {"before": "ACTIVE", "after": "SUSPENDED"},
        "sessions_closed": 2,
    }


def test_success_revoke_a_suspended_credential(issued: IssuedPassword) -> None:
    credential_suspend(user_id="7", actor=ACTOR)
    credential_revoke(user_id="7", actor=ACTOR)
    assert FixCredential.objects.get(pk="7").status == "REVOKED"
    assert AdminAuditLog.objects.get(action="revoke").details["status"] == {
        "before": "SUSPENDED",
        "after": "REVOKED",
    }


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        (
            credential_suspend,
            credential_suspend,
            "cannot suspend the credential of user_id '7': it is SUSPENDED",
        ),
        (
            credential_revoke,
            credential_suspend,
            "cannot suspend the credential of user_id '7': it is REVOKED",
        ),
        (
            credential_revoke,
            credential_revoke,
            "cannot revoke the credential of user_id '7': it is REVOKED",
        ),
        (
            credential_revoke,
            credential_reset_password,
            "cannot reset the password of user_id '7': it is REVOKED; "
            "delete the credential and provision a new one",
        ),
    ],
)
def test_error_status_changes_refused(
    issued: IssuedPassword, first: Change, then: Change, message: str
) -> None:
    first(user_id="7", actor=ACTOR)
    before = stored_bytes("7")
    with pytest.raises(CredentialError) as error:
        then(user_id="7", actor=ACTOR)
    assert str(error.value) == message
    assert stored_bytes("7") == before
    assert AdminAuditLog.objects.exclude(action="provision").count() == 1


@pytest.mark.parametrize(
    "change", [credential_suspend, credential_revoke, credential_reset_password]
)
def test_error_changing_credentials_that_do_not_exist(change: Change) -> None:
    with pytest.raises(CredentialError) as error:
        change(user_id="99", actor=ACTOR)
    assert (
        str(error.value) == "no FIX credentials for user_id '99'; provision them with fix_provision"
    )


def test_success_reset_password_replaces_the_old_one(issued: IssuedPassword) -> None:
    open_two_sessions()
    reset = credential_reset_password(user_id="7", actor=ACTOR)
    assert reset.password != issued.password
    assert verify(issued).reason == "unknown sender_comp_id or wrong password"
    assert verify(issued, reset.password).accepted
    assert set(FixSession.objects.values_list("status", flat=True)) == {"CLOSED"}
    entry = AdminAuditLog.objects.get(action="reset_password")
    assert entry.details == {
        "user_id": "7",
        "sender_comp_id": issued.credential.sender_comp_id,
        "key_id": "master",
        "sessions_closed": 2,
    }
    every_detail = json.dumps(list(AdminAuditLog.objects.values_list("details", flat=True)))
    assert issued.password not in every_detail and reset.password not in every_detail
