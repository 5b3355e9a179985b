"""The FIX password at rest: AES-256-GCM, bound to its row, tagged with its key id.

Stored bytes (``fix_credentials.password_encrypted``), format version 1::

    0x01 | len(key_id) (1 byte) | key_id (ASCII) | nonce (12 bytes) | ciphertext + tag (16 bytes)

The associated data is the header (version and key id) followed by the row's user_id, so
ciphertext copied to another row, or relabelled with another key id, fails authentication
instead of decrypting. The nonce is random per encryption: 96 bits is GCM's standard size,
and a key encrypts far fewer than 2**32 passwords in its life.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fixapi.errors import CredentialCryptoError, KeyConfigurationError
from fixapi.keys import KeyRing, where_to_configure

FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16


def header(key_id: str) -> bytes:
    """The leading bytes of every password encrypted with ``key_id``."""
    encoded = key_id.encode("ascii")
    return bytes([FORMAT_VERSION, len(encoded)]) + encoded


def stored_key_id(stored: bytes, *, user_id: str) -> str:
    """The key id in the header of ``stored``; refuses bytes that are not format 1."""
    if len(stored) < 2 or stored[0] != FORMAT_VERSION:
        raise CredentialCryptoError(
            f"the stored password of user_id {user_id!r} is not in the encrypted format "
            f"version {FORMAT_VERSION}; reset its password"
        )
    end = 2 + stored[1]
    if len(stored) < end + NONCE_BYTES + TAG_BYTES:
        raise CredentialCryptoError(
            f"the stored password of user_id {user_id!r} is truncated; reset its password"
        )
    return stored[2:end].decode("ascii", errors="replace")


def encrypt_password(*, password: str, user_id: str, keyring: KeyRing) -> bytes:
    head = header(keyring.current_id)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.current_key).encrypt(nonce, password.encode(), head + user_id.encode())
    return head + nonce + sealed


def decrypt_password(*, stored: bytes, user_id: str, keyring: KeyRing) -> str:
    key_id = stored_key_id(stored, user_id=user_id)
    key = keyring.keys.get(key_id)
    if key is None:
        raise KeyConfigurationError(
            f"the password of user_id {user_id!r} is encrypted with key id {key_id!r}, "
            f"which is not configured; {where_to_configure(key_id)}"
        )
    head = header(key_id)
    nonce = stored[len(head) : len(head) + NONCE_BYTES]
    try:
        plaintext = AESGCM(key).decrypt(
            nonce, stored[len(head) + NONCE_BYTES :], head + user_id.encode()
        )
    except InvalidTag:
        raise CredentialCryptoError(
            f"the password of user_id {user_id!r} fails authentication with key id {key_id!r}: "
            f"the row was altered or copied from another user_id, or the configured key "
            f"{key_id!r} is not the one it was encrypted with; check the key, else reset "
            "the password"
        ) from None
    return plaintext.decode()
