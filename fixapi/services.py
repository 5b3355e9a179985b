"""FIX credentials and sessions: provisioning, verification, status changes, key rotation.

The FIX gateway calls :func:`credential_verify` and the ``session_*`` functions; the admin
and the management commands call the rest. Each change an operator asks for writes its
audit row (resource_type ``fix_credentials``, the string user_id in details, since
resource_id is numeric) in the transaction that makes the change.
"""

import hmac
import ipaddress
import secrets
import string
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from fixapi.crypto import decrypt_password, encrypt_password, stored_key_id
from fixapi.errors import CredentialError, SessionError, SessionLimitError
from fixapi.keys import KeyRing, keyring_from_settings
from fixapi.models import (
    CredentialStatus,
    FixCredential,
    FixSession,
    RateLimitTier,
    SessionStatus,
)
from fixapi.selectors import (
    credential_find_by_sender,
    credentials_not_under_key,
    session_count_open,
)
from fixapi.tiers import TIER_LIMITS, TierLimits, session_limit, tier_limits
from rtx.audit import audit_record
from rtx.network import address_allowed

TARGET_COMP_ID = "GATEWAY"
SENDER_COMP_ID_PREFIX = "USER_"
SENDER_COMP_ID_ALPHABET = string.ascii_uppercase + string.digits
# Letters and digits only: nothing a FIX tag=value message or a shell would mangle.
PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 32
AUDIT_RESOURCE_TYPE = "fix_credentials"
UNKNOWN_OR_WRONG_PASSWORD = "unknown sender_comp_id or wrong password"


@dataclass(frozen=True)
class Actor:
    """Who asked for a change, as its audit row records it."""

    admin: AbstractBaseUser | None = None
    # admin_username when no admin is logged in, e.g. the command's name.
    name: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None

    def audit(self, action: str, details: dict[str, Any]) -> None:
        """The audit row of ``action`` on FIX credentials, done by this actor."""
        audit_record(
            admin=self.admin,
            admin_username=self.name,
            action=action,
            resource_type=AUDIT_RESOURCE_TYPE,
            details=details,
            ip_address=self.ip_address,
            user_agent=self.user_agent,
        )


@dataclass(frozen=True)
class IssuedPassword:
    """A credential with its new plaintext password, to be shown once and never stored."""

    credential: FixCredential
    password: str = field(repr=False)
    target_comp_id: str = TARGET_COMP_ID


@dataclass(frozen=True)
class Verification:
    """The gateway's answer to a logon: accepted, or refused with the reason."""

    accepted: bool
    reason: str | None = None
    # Set once the password matched, so a refusal can be logged against its user_id.
    credential: FixCredential | None = None

    @property
    def limits(self) -> TierLimits | None:
        """The rate limits the gateway enforces on an accepted session."""
        if not self.accepted or self.credential is None:
            return None
        return TIER_LIMITS[self.credential.rate_limit_tier]


@dataclass(frozen=True)
class RotationBatch:
    number: int
    user_ids: list[str]
    from_key_ids: dict[str, int]


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    rows: int
    batches: int


# -- credentials -------------------------------------------------------------------------


def credential_provision(
    *,
    user_id: str,
    actor: Actor,
    rate_limit_tier: str = RateLimitTier.BASIC,
    max_sessions: int | None = None,
    allowed_ips: Iterable[str] = (),
    expires_at: datetime | None = None,
) -> IssuedPassword:
    """New credentials for ``user_id``: SenderCompID ``USER_`` + 8, a random password.

    max_sessions defaults to the tier's sessions and may not exceed them; no allowed_ips
    means any address.
    """
    if not 1 <= len(user_id) <= 255 or user_id != user_id.strip():
        raise CredentialError(
            f"user_id {user_id!r} must be 1 to 255 characters without surrounding spaces"
        )
    limits = tier_limits(rate_limit_tier)
    sessions = limits.sessions if max_sessions is None else max_sessions
    if sessions < 1:
        raise CredentialError(f"max_sessions {sessions} must be 1 or more")
    if sessions > limits.sessions:
        raise CredentialError(
            f"max_sessions {sessions} exceeds the {rate_limit_tier} tier's limit of "
            f"{limits.sessions}; choose a higher tier or fewer sessions"
        )
    networks = valid_networks(allowed_ips)
    if expires_at is not None:
        _check_expiry(expires_at)
    keyring = keyring_from_settings()
    password = _random_text(PASSWORD_ALPHABET, PASSWORD_LENGTH)
    with transaction.atomic():
        existing = FixCredential.objects.filter(pk=user_id).first()
        if existing is not None:
            revoked = existing.status == CredentialStatus.REVOKED
            raise CredentialError(
                f"user_id {user_id!r} already has FIX credentials ({existing.sender_comp_id}, "
                f"{existing.status}); "
                + ("delete them first" if revoked else "reset their password instead")
            )
        credential = FixCredential.objects.create(
            user_id=user_id,
            sender_comp_id=_new_sender_comp_id(),
            password_encrypted=encrypt_password(
                password=password, user_id=user_id, keyring=keyring
            ),
            rate_limit_tier=rate_limit_tier,
            max_sessions=sessions,
            allowed_ips=networks or None,
            expires_at=expires_at,
            status=CredentialStatus.ACTIVE,
        )
        _audit(
            actor,
            "provision",
            credential,
            rate_limit_tier=rate_limit_tier,
            max_sessions=sessions,
            allowed_ips=networks,
            expires_at=expires_at,
            key_id=keyring.current_id,
        )
    return IssuedPassword(credential=credential, password=password)


def credential_verify(
    *, sender_comp_id: str, password: str, source_address: str | None
) -> Verification:
    """Checks a FIX logon; on acceptance, stamps last_used.

    The password comparison takes constant time. A credential found past its expires_at
    is marked EXPIRED here. Stored bytes that cannot be decrypted raise (a key or data
    problem for the operator, not a wrong password).
    """
    credential = credential_find_by_sender(sender_comp_id=sender_comp_id)
    if credential is None:
        # The same comparison as for a known sender: no timing hint that it is unknown.
        hmac.compare_digest(password.encode(), _random_text(PASSWORD_ALPHABET, 32).encode())
        return Verification(accepted=False, reason=UNKNOWN_OR_WRONG_PASSWORD)
    stored = decrypt_password(
        stored=bytes(credential.password_encrypted),
        user_id=credential.user_id,
        keyring=keyring_from_settings(),
    )
    if not hmac.compare_digest(password.encode(), stored.encode()):
        return Verification(accepted=False, reason=UNKNOWN_OR_WRONG_PASSWORD)
    refusal = _logon_refusal(credential, source_address)
    if refusal is not None:
        return Verification(accepted=False, reason=refusal, credential=credential)
    FixCredential.objects.filter(pk=credential.pk).update(last_used=Now())
    credential.refresh_from_db(fields=["last_used"])
    return Verification(accepted=True, credential=credential)


def credential_suspend(*, user_id: str, actor: Actor) -> FixCredential:
    """ACTIVE to SUSPENDED; its open sessions are closed."""
    return _change_status(
        user_id=user_id,
        actor=actor,
        action="suspend",
        status=CredentialStatus.SUSPENDED,
        allowed_from={CredentialStatus.ACTIVE},
    )


def credential_revoke(*, user_id: str, actor: Actor) -> FixCredential:
    """Any status to REVOKED, for good; its open sessions are closed."""
    return _change_status(
        user_id=user_id,
        actor=actor,
        action="revoke",
        status=CredentialStatus.REVOKED,
        allowed_from={
            CredentialStatus.ACTIVE,
            CredentialStatus.SUSPENDED,
            CredentialStatus.EXPIRED,
        },
    )


def credential_reset_password(*, user_id: str, actor: Actor) -> IssuedPassword:
    """A new random password, encrypted with the current key; open sessions are closed."""
    keyring = keyring_from_settings()
    password = _random_text(PASSWORD_ALPHABET, PASSWORD_LENGTH)
    with transaction.atomic():
        credential = _locked_credential(user_id)
        if credential.status == CredentialStatus.REVOKED:
            raise CredentialError(
                f"cannot reset the password of user_id {user_id!r}: it is REVOKED; "
                "delete the credential and provision a new one"
            )
        credential.password_encrypted = encrypt_password(
            password=password, user_id=user_id, keyring=keyring
        )
        credential.save(update_fields=["password_encrypted", "updated_at"])
        closed = close_open_sessions(user_id)
        _audit(
            actor,
            "reset_password",
            credential,
            key_id=keyring.current_id,
            sessions_closed=closed,
        )
    return IssuedPassword(credential=credential, password=password)


def credentials_rotate_keys(
    *,
    actor: Actor,
    batch_size: int = 500,
    report: Callable[[RotationBatch], None] | None = None,
) -> RotationResult:
    """Re-encrypts every password that is not under the current key, batch by batch.

    Each batch commits on its own, with its audit row, and the next one selects whatever
    is still under another key: a rerun after an interruption or a key error carries on
    where the last one stopped. The gateway keeps verifying meanwhile, since the old keys
    stay in the ring and a row is locked only while its batch rewrites it.
    """
    if batch_size < 1:
        raise CredentialError(f"batch size {batch_size} must be 1 or more")
    keyring = keyring_from_settings()
    rows = batches = 0
    while True:
        with transaction.atomic():
            batch = list(
                credentials_not_under_key(key_id=keyring.current_id)
                .select_for_update()
                .only("user_id", "password_encrypted")[:batch_size]
            )
            if not batch:
                break
            from_key_ids = _reencrypt(batch, keyring)
            batches += 1
            rows += len(batch)
            user_ids = [credential.user_id for credential in batch]
            actor.audit(
                "rotate_key",
                {"key_id": keyring.current_id, "from_key_ids": from_key_ids, "user_ids": user_ids},
            )
        if report is not None:
            report(RotationBatch(number=batches, user_ids=user_ids, from_key_ids=from_key_ids))
    return RotationResult(key_id=keyring.current_id, rows=rows, batches=batches)


# -- sessions ----------------------------------------------------------------------------


def session_open(*, user_id: str, ip_address: str | None) -> FixSession:
    """Opens a session for a logon that :func:`credential_verify` accepted.

    The credential row stays locked (SELECT ... FOR UPDATE) while its open sessions are
    counted and the new one is inserted, so concurrent opens queue on that row and never
    exceed max_sessions.
    """
    with transaction.atomic():
        credential = _locked_credential(user_id)
        if credential.status != CredentialStatus.ACTIVE:
            raise SessionError(
                f"the credential of user_id {user_id!r} is {credential.status}; no session opened"
            )
        limit = session_limit(credential)
        open_count = session_count_open(user_id=user_id)
        if open_count >= limit:
            raise SessionLimitError(
                f"user_id {user_id!r} already has {open_count} of {limit} sessions open; "
                "close one first"
            )
        return FixSession.objects.create(
            session_id=str(uuid.uuid4()),
            credential=credential,
            sender_comp_id=credential.sender_comp_id,
            ip_address=ip_address,
            status=SessionStatus.ACTIVE,
        )


def session_heartbeat(*, session_id: str, messages: int = 0, orders: int = 0) -> FixSession:
    """Stamps last_activity and adds the messages and orders seen since the last beat."""
    if messages < 0 or orders < 0:
        raise SessionError(f"messages {messages} and orders {orders} must not be negative")
    updated = FixSession.objects.filter(pk=session_id, status=SessionStatus.ACTIVE).update(
        last_activity=Now(),
        message_count=Coalesce(F("message_count"), 0) + messages,
        order_count=Coalesce(F("order_count"), 0) + orders,
    )
    if not updated:
        raise SessionError(f"session {session_id!r} is not open")
    return FixSession.objects.get(pk=session_id)


def session_close(*, session_id: str) -> FixSession:
    updated = FixSession.objects.filter(pk=session_id, status=SessionStatus.ACTIVE).update(
        status=SessionStatus.CLOSED
    )
    if not updated:
        raise SessionError(f"session {session_id!r} is not open")
    return FixSession.objects.get(pk=session_id)


def session_close_stale(*, idle: timedelta) -> list[str]:
    """Closes the open sessions without activity for longer than ``idle``; their ids.

    Time is the database's. Sessions locked by a heartbeat in progress are skipped: they
    are not stale.
    """
    if idle <= timedelta(0):
        raise SessionError(f"idle time {idle} must be positive")
    with transaction.atomic():
        stale = sorted(
            FixSession.objects.select_for_update(skip_locked=True)
            .filter(status=SessionStatus.ACTIVE, last_activity__lt=Now() - Value(idle))
            .values_list("session_id", flat=True)
        )
        FixSession.objects.filter(pk__in=stale).update(status=SessionStatus.CLOSED)
    return stale


# -- helpers -----------------------------------------------------------------------------


def _random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _new_sender_comp_id() -> str:
    """A SenderCompID no credential has (36**8 choices: a clash is rare but checked)."""
    while True:
        candidate = SENDER_COMP_ID_PREFIX + _random_text(SENDER_COMP_ID_ALPHABET, 8)
        if not FixCredential.objects.filter(sender_comp_id=candidate).exists():
            return candidate


def _check_expiry(expires_at: datetime) -> None:
    if timezone.is_naive(expires_at):
        raise CredentialError(
            f"expires_at {expires_at.isoformat()} has no time zone; give one, such as +00:00"
        )
    if expires_at <= timezone.now():
        raise CredentialError(
            f"expires_at {expires_at.isoformat()} is in the past; give a future time"
        )


def valid_networks(entries: Iterable[str]) -> list[str]:
    networks = []
    for entry in entries:
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            raise CredentialError(
                f"allowed_ips entry {entry!r} is not an IP address or CIDR range"
            ) from None
        networks.append(entry.strip())
    return networks


def _logon_refusal(credential: FixCredential, source_address: str | None) -> str | None:
    if credential.status != CredentialStatus.ACTIVE:
        return f"credential status is {credential.status or 'NULL'}; only ACTIVE may log on"
    if credential.expires_at is not None and credential.expires_at <= timezone.now():
        FixCredential.objects.filter(pk=credential.pk, status=CredentialStatus.ACTIVE).update(
            status=CredentialStatus.EXPIRED
        )
        return f"credential expired at {credential.expires_at.isoformat()}"
    if not address_allowed(source_address, credential.allowed_ips):
        return f"address {source_address or '(none)'} is not in allowed_ips"
    limit = session_limit(credential)
    open_count = session_count_open(user_id=credential.user_id)
    if open_count >= limit:
        return f"{open_count} of {limit} sessions already open"
    return None


def _locked_credential(user_id: str) -> FixCredential:
    credential = FixCredential.objects.select_for_update().filter(pk=user_id).first()
    if credential is None:
        raise CredentialError(
            f"no FIX credentials for user_id {user_id!r}; provision them with fix_provision"
        )
    return credential


def _change_status(
    *, user_id: str, actor: Actor, action: str, status: str, allowed_from: set[str]
) -> FixCredential:
    with transaction.atomic():
        credential = _locked_credential(user_id)
        before = credential.status
        if before not in allowed_from:
            raise CredentialError(
                f"cannot {action} the credential of user_id {user_id!r}: it is {before}"
            )
        credential.status = status
        credential.save(update_fields=["status", "updated_at"])
        closed = close_open_sessions(user_id)
        _audit(
            actor,
            action,
            credential,
            status={"before": before, "after": status},
            sessions_closed=closed,
        )
    return credential


def close_open_sessions(user_id: str) -> int:
    return FixSession.objects.filter(credential_id=user_id, status=SessionStatus.ACTIVE).update(
        status=SessionStatus.CLOSED
    )


def _reencrypt(batch: list[FixCredential], keyring: KeyRing) -> dict[str, int]:
    """Rewrites each row's password under the current key; how many came from each key."""
    from_key_ids: Counter[str] = Counter()
    for credential in batch:
        stored = bytes(credential.password_encrypted)
        from_key_ids[stored_key_id(stored, user_id=credential.user_id)] += 1
        password = decrypt_password(stored=stored, user_id=credential.user_id, keyring=keyring)
        FixCredential.objects.filter(pk=credential.pk).update(
            password_encrypted=encrypt_password(
                password=password, user_id=credential.user_id, keyring=keyring
            )
        )
    return dict(from_key_ids)


def _audit(actor: Actor, action: str, credential: FixCredential, **details: Any) -> None:
    actor.audit(
        action,
        {"user_id": credential.user_id, "sender_comp_id": credential.sender_comp_id, **details},
    )
