"""The Go engine's encryption of FIX passwords in its credential file, for reading only.

The key is PBKDF2-HMAC-SHA256 of ``FIX_MASTER_PASSWORD`` with a fixed salt and 100,000
iterations; each password is AES-256-GCM with no associated data, its 12-byte nonce in
front, base64 (standard alphabet) encoded. Nothing here encrypts: passwords read from the
file are stored again with :mod:`fixapi.crypto`.
"""

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from fixapi.crypto import NONCE_BYTES, TAG_BYTES

SALT = b"fix-credentials-salt-v1"
ITERATIONS = 100_000
KEY_BYTES = 32


class LegacyCiphertextMalformed(Exception):
    """The text is not base64 of a nonce and a sealed password: the entry is damaged."""


class LegacyCiphertextRefused(Exception):
    """Authentication failed: a wrong master password, or a damaged entry."""


def legacy_key(master_password: str) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=SALT, iterations=ITERATIONS)
    return kdf.derive(master_password.encode())


def legacy_decrypt(text: str, *, key: bytes) -> bytes:
    """The plaintext bytes of one ``password`` field of the file."""
    try:
        sealed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise LegacyCiphertextMalformed("not base64") from None
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise LegacyCiphertextMalformed(f"{len(sealed)} bytes, shorter than a nonce and a tag")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], None)
    except InvalidTag:
        raise LegacyCiphertextRefused from None
