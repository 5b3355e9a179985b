"""The FIX credential encryption keys, read from the environment (settings) only.

``MASTER_ENCRYPTION_KEY`` (base64 of 32 bytes, as in the legacy configuration) is the key
with id ``master``. ``FIX_ENCRYPTION_KEYS`` adds newer keys as ``key_id:base64key``
entries. The ring is ``master`` (when set) followed by those entries in order; the last
one is current and encrypts every new password, the others only decrypt until a rotation
has moved every row off them. Keys are never written to the database, logs or messages.
"""

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings

from fixapi.errors import KeyConfigurationError

MASTER_KEY_ID = "master"
KEY_BYTES = 32
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
GENERATE_HINT = "generate one with: openssl rand -base64 32"


@dataclass(frozen=True)
class KeyRing:
    # repr=False: a ring printed in a traceback or a log shows key ids only.
    keys: Mapping[str, bytes] = field(repr=False)
    current_id: str

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current_id]


def where_to_configure(key_id: str) -> str:
    """The variable an operator sets to provide ``key_id``."""
    if key_id == MASTER_KEY_ID:
        return "set MASTER_ENCRYPTION_KEY to it"
    return f"add {key_id}:<base64 key> to FIX_ENCRYPTION_KEYS"


def decode_key(text: str, *, name: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigurationError(f"{name} is not valid base64; {GENERATE_HINT}") from None
    if len(key) != KEY_BYTES:
        raise KeyConfigurationError(
            f"{name} decodes to {len(key)} bytes, AES-256 needs {KEY_BYTES}; {GENERATE_HINT}"
        )
    return key


def parse_keyring(*, master_key: str, entries: Sequence[str]) -> KeyRing:
    keys: dict[str, bytes] = {}
    if master_key.strip():
        keys[MASTER_KEY_ID] = decode_key(master_key, name="MASTER_ENCRYPTION_KEY")
    for number, entry in enumerate(entries, start=1):
        key_id, separator, text = entry.strip().partition(":")
        if not separator:
            raise KeyConfigurationError(
                f"FIX_ENCRYPTION_KEYS entry {number} has no key id; write it as key_id:base64key"
            )
        if not KEY_ID_PATTERN.fullmatch(key_id):
            raise KeyConfigurationError(
                f"FIX_ENCRYPTION_KEYS entry {number} has the key id {key_id!r}; "
                "use 1 to 64 letters, digits, '.', '_' or '-'"
            )
        if key_id == MASTER_KEY_ID:
            raise KeyConfigurationError(
                f"FIX_ENCRYPTION_KEYS entry {number} uses the key id {MASTER_KEY_ID!r}, "
                "which is MASTER_ENCRYPTION_KEY's; give the entry another key id"
            )
        if key_id in keys:
            raise KeyConfigurationError(
                f"key id {key_id!r} appears twice in FIX_ENCRYPTION_KEYS; keep one entry per key id"
            )
        keys[key_id] = decode_key(text, name=f"FIX_ENCRYPTION_KEYS key id {key_id!r}")
    if not keys:
        raise KeyConfigurationError(
            f"no FIX encryption key: set MASTER_ENCRYPTION_KEY ({GENERATE_HINT})"
        )
    return KeyRing(keys=keys, current_id=list(keys)[-1])


def keyring_from_settings() -> KeyRing:
    """The ring as the settings hold it now; parsed on each call, so nothing goes stale."""
    return parse_keyring(
        master_key=settings.MASTER_ENCRYPTION_KEY, entries=settings.FIX_ENCRYPTION_KEYS
    )
