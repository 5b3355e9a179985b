"""The Go engine's credential file into ``fix_credentials``, each client keeping its password.

Everything is checked before anything is written: the key ring, the file, every entry's
password and values. Then, in one transaction, each entry is compared with the table: new
ones are inserted, the same ones left alone, and those whose user_id or sender_comp_id is
there with other values are conflicts, left as they are unless the caller asks for them to
be overwritten. One audit row records the run. A refusal at any point leaves the table as
it was; a dry run does all of it and rolls back, so it meets every refusal a real run would.
"""

import hmac
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from fixapi.crypto import decrypt_password, encrypt_password
from fixapi.errors import CredentialError
from fixapi.keys import KeyRing, keyring_from_settings
from fixapi.legacy_store import LegacyCredential, legacy_store_read
from fixapi.models import CredentialStatus, FixCredential
from fixapi.services import Actor, close_open_sessions, valid_networks
from fixapi.tiers import tier_limits
from rtx.audit import REDACTED, is_secret
from rtx.migrator.database import first_line

AUDIT_ACTION = "import_legacy"
# The columns a rerun compares, besides the password; created_at, updated_at and last_used
# are not compared: they move with use, here and in the Go engine.
COMPARED = (
    "sender_comp_id",
    "status",
    "rate_limit_tier",
    "max_sessions",
    "allowed_ips",
    "expires_at",
)


class Outcome(StrEnum):
    IMPORTED = "imported"
    OVERWRITTEN = "overwritten"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class EntryResult:
    user_id: str
    sender_comp_id: str
    outcome: Outcome
    # A conflict or an overwrite: the columns whose values differ ("password", "status", ...).
    differences: tuple[str, ...] = ()
    # A conflict no overwrite resolves: the user_id that has this sender_comp_id here.
    sender_comp_id_taken_by: str | None = None

    def conflict(self) -> str:
        if self.sender_comp_id_taken_by is not None:
            return f"sender_comp_id already belongs to user_id {self.sender_comp_id_taken_by!r}"
        return f"differs in {', '.join(self.differences)}"


@dataclass(frozen=True)
class LegacyImport:
    source: str
    key_id: str
    dry_run: bool
    overwrite_conflicts: bool
    entries: list[EntryResult]
    sessions_closed: int

    def count(self, outcome: Outcome) -> int:
        return sum(1 for entry in self.entries if entry.outcome is outcome)

    def with_outcome(self, outcome: Outcome) -> list[EntryResult]:
        return [entry for entry in self.entries if entry.outcome is outcome]


def credentials_import_legacy(
    *,
    path: Path,
    master_password: str,
    actor: Actor,
    overwrite_conflicts: bool = False,
    dry_run: bool = False,
) -> LegacyImport:
    """Imports the file at ``path``; with ``overwrite_conflicts`` the file's values replace
    those of a conflicting user_id (not of a sender_comp_id another user_id has), and that
    credential's open sessions are closed, as a password reset closes them."""
    keyring = keyring_from_settings()
    entries = legacy_store_read(path, master_password=master_password)
    columns = {entry.user_id: _columns(entry) for entry in entries}
    _check_sender_comp_ids_distinct(entries)
    with transaction.atomic():
        rows = FixCredential.objects.filter(
            Q(user_id__in=columns) | Q(sender_comp_id__in={e.sender_comp_id for e in entries})
        ).order_by("user_id")
        if overwrite_conflicts:
            # Compared and overwritten in one state: no change made meanwhile is lost unseen.
            rows = rows.select_for_update()
        compare = _Comparison(list(rows), keyring, overwrite_conflicts)
        results = [compare.result(entry, columns[entry.user_id]) for entry in entries]
        sessions_closed = 0
        for entry, result in zip(entries, results, strict=True):
            if result.outcome in (Outcome.IMPORTED, Outcome.OVERWRITTEN):
                _write(entry, columns[entry.user_id], keyring, outcome=result.outcome)
            if result.outcome is Outcome.OVERWRITTEN:
                sessions_closed += close_open_sessions(entry.user_id)
        done = LegacyImport(
            source=str(path),
            key_id=keyring.current_id,
            dry_run=dry_run,
            overwrite_conflicts=overwrite_conflicts,
            entries=results,
            sessions_closed=sessions_closed,
        )
        _audit(actor, done, entries)
        if dry_run:
            transaction.set_rollback(True)
    return done


def _columns(entry: LegacyCredential) -> dict[str, Any]:
    """The entry as fix_credentials columns, except the password; checked as provisioning
    checks them, except that limits above the tier's are kept."""
    try:
        status = entry.status.upper()
        if status not in CredentialStatus.values:
            raise CredentialError(
                f"status {entry.status!r} is not one of "
                f"{', '.join(value.lower() for value in CredentialStatus.values)}"
            )
        tier_limits(entry.rate_limit_tier)
        if entry.max_sessions < 1:
            raise CredentialError(f"max_sessions {entry.max_sessions} must be 1 or more")
        allowed_ips = valid_networks(entry.allowed_ips or [])
    except CredentialError as error:
        raise CredentialError(f"entry {entry.user_id!r}: {error}") from None
    return {
        "sender_comp_id": entry.sender_comp_id,
        "status": status,
        "rate_limit_tier": entry.rate_limit_tier,
        "max_sessions": entry.max_sessions,
        "allowed_ips": allowed_ips or None,
        "expires_at": entry.expires_at,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "last_used": entry.last_used_at,
    }


def _check_sender_comp_ids_distinct(entries: list[LegacyCredential]) -> None:
    first_of: dict[str, str] = {}
    for entry in entries:
        other = first_of.setdefault(entry.sender_comp_id, entry.user_id)
        if other != entry.user_id:
            raise CredentialError(
                f"entries {other!r} and {entry.user_id!r} have the same sender_comp_id "
                f"{entry.sender_comp_id!r}, so the gateway could not tell them apart; give "
                "one of them new credentials in the Go engine, then run again"
            )


class _Comparison:
    """An entry against the rows that have its user_id or its sender_comp_id."""

    def __init__(self, rows: list[FixCredential], keyring: KeyRing, overwrite: bool) -> None:
        self.keyring = keyring
        self.overwrite = overwrite
        self.by_user_id = {row.user_id: row for row in rows}
        self.user_ids_by_sender: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            self.user_ids_by_sender[row.sender_comp_id].append(row.user_id)

    def result(self, entry: LegacyCredential, columns: dict[str, Any]) -> EntryResult:
        others = [
            user_id
            for user_id in self.user_ids_by_sender.get(entry.sender_comp_id, [])
            if user_id != entry.user_id
        ]
        if others:
            return EntryResult(
                entry.user_id,
                entry.sender_comp_id,
                Outcome.CONFLICT,
                sender_comp_id_taken_by=others[0],
            )
        row = self.by_user_id.get(entry.user_id)
        if row is None:
            return EntryResult(entry.user_id, entry.sender_comp_id, Outcome.IMPORTED)
        differences = self.differences(row, entry, columns)
        if not differences:
            outcome = Outcome.UNCHANGED
        else:
            outcome = Outcome.OVERWRITTEN if self.overwrite else Outcome.CONFLICT
        return EntryResult(entry.user_id, entry.sender_comp_id, outcome, differences)

    def differences(
        self, row: FixCredential, entry: LegacyCredential, columns: dict[str, Any]
    ) -> tuple[str, ...]:
        stored = {name: getattr(row, name) for name in COMPARED}
        stored["allowed_ips"] = stored["allowed_ips"] or None
        if _expired_here(row, columns):
            stored["status"] = columns["status"]
        differences = [name for name in stored if stored[name] != columns[name]]
        password = decrypt_password(
            stored=bytes(row.password_encrypted), user_id=row.user_id, keyring=self.keyring
        )
        if not hmac.compare_digest(password.encode(), entry.password.encode()):
            differences.append("password")
        return tuple(differences)


def _expired_here(row: FixCredential, columns: dict[str, Any]) -> bool:
    """The gateway marked the row EXPIRED at a logon past expires_at, which the file, ACTIVE
    with the same expires_at, says too: not a difference."""
    expires_at = columns["expires_at"]
    return (
        row.status == CredentialStatus.EXPIRED
        and columns["status"] == CredentialStatus.ACTIVE
        and expires_at is not None
        and expires_at <= timezone.now()
    )


def _write(
    entry: LegacyCredential, columns: dict[str, Any], keyring: KeyRing, *, outcome: Outcome
) -> None:
    values = {
        **columns,
        "password_encrypted": encrypt_password(
            password=entry.password, user_id=entry.user_id, keyring=keyring
        ),
    }
    credential = FixCredential.objects.filter(pk=entry.user_id)
    try:
        if outcome is Outcome.IMPORTED:
            FixCredential.objects.create(user_id=entry.user_id, **values)
            # create() stamps updated_at with the current time (auto_now); keep the file's.
            credential.update(updated_at=values["updated_at"])
        else:
            credential.update(**values)
    except DatabaseError as error:
        raise CredentialError(
            f"entry {entry.user_id!r} breaks a constraint of fix_credentials "
            f"({first_line(error)}); nothing was written"
        ) from None


def _audit(actor: Actor, done: LegacyImport, entries: list[LegacyCredential]) -> None:
    written = {
        result.user_id
        for result in done.entries
        if result.outcome in (Outcome.IMPORTED, Outcome.OVERWRITTEN)
    }
    actor.audit(
        AUDIT_ACTION,
        {
            "file": done.source,
            "key_id": done.key_id,
            "overwrite_conflicts": done.overwrite_conflicts,
            "counts": {
                "entries": len(done.entries),
                "imported": done.count(Outcome.IMPORTED),
                "overwritten": done.count(Outcome.OVERWRITTEN),
                "unchanged": done.count(Outcome.UNCHANGED),
                "conflicts": done.count(Outcome.CONFLICT),
            },
            "imported": [entry.user_id for entry in done.with_outcome(Outcome.IMPORTED)],
            "overwritten": [entry.user_id for entry in done.with_outcome(Outcome.OVERWRITTEN)],
            "conflicts": {
                entry.user_id: entry.conflict() for entry in done.with_outcome(Outcome.CONFLICT)
            },
            "sessions_closed": done.sessions_closed,
            "without_column": {
                entry.user_id: _without_secrets(entry.without_column)
                for entry in entries
                if entry.user_id in written
            },
        },
    )


def _without_secrets(value: Any) -> Any:
    """``value`` with whatever sits under a key named like a secret (password, token, ...)
    redacted, at any depth: metadata is free-form."""
    if isinstance(value, dict):
        return {
            key: REDACTED if is_secret(key.lower()) else _without_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value
