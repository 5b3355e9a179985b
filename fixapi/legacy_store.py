"""The Go engine's FIX credential file (``FIX_PROVISIONING_STORE_PATH``), read and checked.

The file is one JSON object keyed by user_id, each value an object of the credential's
fields, its password encrypted as :mod:`fixapi.legacy_crypto` describes. Reading changes
nothing anywhere. Each refusal is a :class:`LegacyStoreError` naming the file, or the entry
(its user_id) and the field; never a password.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fixapi.errors import LegacyStoreError
from fixapi.legacy_crypto import (
    LegacyCiphertextMalformed,
    LegacyCiphertextRefused,
    legacy_decrypt,
    legacy_key,
)

# The fields that have a column in fix_credentials (password: password_encrypted,
# last_used_at: last_used). The others go to the import's audit row.
FIELDS_WITH_COLUMN = frozenset(
    {
        "user_id",
        "sender_comp_id",
        "password",
        "status",
        "rate_limit_tier",
        "max_sessions",
        "allowed_ips",
        "expires_at",
        "created_at",
        "updated_at",
        "last_used_at",
    }
)
# A Go time.Time that was never set; in an optional field it means "none".
GO_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)
DAMAGED = "the entry is damaged: reset this client's password in the Go engine, then run again"


@dataclass(frozen=True)
class LegacyCredential:
    """One entry of the file: its fields as Python values, the password decrypted."""

    user_id: str
    sender_comp_id: str
    password: str = field(repr=False)
    status: str
    rate_limit_tier: str
    max_sessions: int
    allowed_ips: list[str] | None
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None
    # The file's fields that fix_credentials has no column for, as the file has them.
    without_column: dict[str, Any]


def legacy_store_read(path: Path, *, master_password: str) -> list[LegacyCredential]:
    """Every entry of the file at ``path``, in the file's order; all of them or a refusal."""
    if not master_password:
        raise LegacyStoreError(
            "FIX_MASTER_PASSWORD is empty; set it in the environment to the Go engine's "
            "master password"
        )
    document = _load(path)
    if document is None:  # how Go writes a map that was never filled
        return []
    if not isinstance(document, dict):
        raise LegacyStoreError(
            f"{path} is not the Go engine's credential file: expected a JSON object keyed "
            f"by user_id, found {_json_type(document)}"
        )
    entries = {user_id: _fields(user_id, raw) for user_id, raw in document.items()}
    passwords = _decrypt_all(
        {user_id: raw["password"] for user_id, raw in document.items()},
        key=legacy_key(master_password),
    )
    return [
        LegacyCredential(password=passwords[user_id], **fields)
        for user_id, fields in entries.items()
    ]


def _load(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LegacyStoreError(
            f"{path} does not exist; give the path of the Go engine's credential file "
            "(its FIX_PROVISIONING_STORE_PATH)"
        ) from None
    except OSError as error:
        raise LegacyStoreError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise LegacyStoreError(f"{path} is not JSON: it is not UTF-8 text") from None

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise LegacyStoreError(
                    f"{path} has the key {key!r} twice in one object, which the Go engine "
                    "never writes; restore the file as the engine wrote it"
                )
            found[key] = value
        return found

    try:
        return json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as error:
        raise LegacyStoreError(f"{path} is not JSON: {error}") from None


def _fields(user_id: str, raw: Any) -> dict[str, Any]:
    """The entry's fields, checked, except its password; keyword arguments of the dataclass."""
    if not isinstance(raw, dict):
        raise LegacyStoreError(f"entry {user_id!r}: expected an object, found {_json_type(raw)}")
    for name, value in raw.items():
        if _holds_nul(name) or _holds_nul(value):
            raise LegacyStoreError(
                f"entry {user_id!r}: field {name!r} holds a NUL character (\\u0000), which "
                "PostgreSQL cannot store"
            )
    reader = _EntryReader(user_id, raw)
    if reader.text("user_id") != user_id:
        raise LegacyStoreError(
            f"entry {user_id!r}: field 'user_id' is {raw['user_id']!r}, not the key the entry "
            "is filed under"
        )
    reader.text("password")
    return {
        "user_id": user_id,
        "sender_comp_id": reader.text("sender_comp_id"),
        "status": reader.text("status"),
        "rate_limit_tier": reader.text("rate_limit_tier"),
        "max_sessions": reader.whole_number("max_sessions"),
        "allowed_ips": reader.texts("allowed_ips"),
        "expires_at": reader.optional_time("expires_at"),
        "created_at": reader.time("created_at"),
        "updated_at": reader.time("updated_at"),
        "last_used_at": reader.optional_time("last_used_at"),
        "without_column": {
            name: value for name, value in raw.items() if name not in FIELDS_WITH_COLUMN
        },
    }


class _EntryReader:
    """Typed reads of one entry's fields; a field of the wrong type names entry and field."""

    def __init__(self, user_id: str, raw: dict[str, Any]) -> None:
        self.user_id = user_id
        self.raw = raw

    def refuse(self, name: str, expected: str) -> LegacyStoreError:
        if name not in self.raw:
            return LegacyStoreError(f"entry {self.user_id!r}: field {name!r} is missing")
        found = _json_type(self.raw[name])
        return LegacyStoreError(
            f"entry {self.user_id!r}: field {name!r} must be {expected}, found {found}"
        )

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if not isinstance(value, str) or not value:
            raise self.refuse(name, "a non-empty string")
        return value

    def texts(self, name: str) -> list[str] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.refuse(name, "an array of strings")
        return value

    def whole_number(self, name: str) -> int:
        value = self.raw.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.refuse(name, "a whole number")
        return value

    def time(self, name: str) -> datetime:
        value = self.raw.get(name)
        moment = None
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
        if moment is None or moment.tzinfo is None:
            raise self.refuse(name, "an RFC 3339 time with a time zone")
        # Go writes nanoseconds; PostgreSQL keeps microseconds, as fromisoformat does.
        return moment

    def optional_time(self, name: str) -> datetime | None:
        if self.raw.get(name) is None:
            return None
        moment = self.time(name)
        return None if moment == GO_ZERO_TIME else moment


def _decrypt_all(ciphertexts: dict[str, str], *, key: bytes) -> dict[str, str]:
    """Every entry's password, or a refusal that tells a wrong master password from an entry
    that is damaged: with a wrong one, no entry decrypts."""
    passwords: dict[str, str] = {}
    refused: list[str] = []
    for user_id, text in ciphertexts.items():
        try:
            plaintext = legacy_decrypt(text, key=key)
        except LegacyCiphertextMalformed as error:
            raise LegacyStoreError(
                f"entry {user_id!r}: field 'password' is not what the Go engine writes "
                f"({error}); {DAMAGED}"
            ) from None
        except LegacyCiphertextRefused:
            refused.append(user_id)
            continue
        passwords[user_id] = _password_text(user_id, plaintext)
    if not refused:
        return passwords
    if len(ciphertexts) == 1:
        raise LegacyStoreError(
            f"entry {refused[0]!r}: its password does not decrypt with FIX_MASTER_PASSWORD: "
            "the master password is not the Go engine's, or the entry is damaged"
        )
    if not passwords:
        raise LegacyStoreError(
            f"FIX_MASTER_PASSWORD is not the Go engine's master password: none of the "
            f"{len(ciphertexts)} entries decrypts with it; set the one the engine runs with"
        )
    others = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
    raise LegacyStoreError(
        f"entry {refused[0]!r}{others}: its password does not decrypt with FIX_MASTER_PASSWORD, "
        f"while {len(passwords)} of the {len(ciphertexts)} entries do; {DAMAGED}"
    )


def _password_text(user_id: str, plaintext: bytes) -> str:
    try:
        password = plaintext.decode()
    except UnicodeDecodeError:
        raise LegacyStoreError(
            f"entry {user_id!r}: its password decrypts to bytes that are not UTF-8 text; {DAMAGED}"
        ) from None
    if not password:
        # Stored as it is, it would let anyone who knows the SenderCompID log on.
        raise LegacyStoreError(f"entry {user_id!r}: its password decrypts to nothing; {DAMAGED}")
    return password


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    if isinstance(value, list):
        return "an array"
    return "an object"
