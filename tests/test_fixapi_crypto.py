"""FIX passwords at rest: the stored format, tampering, row binding and the key ring."""

import base64

import pytest

from fixapi.crypto import decrypt_password, encrypt_password
from fixapi.errors import CredentialCryptoError, KeyConfigurationError
from fixapi.keys import KeyRing, parse_keyring

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
PASSWORD = "Zq3xV9pL2mN8bR4tY7wK1cF6hJ0dS5gA"


def ring(master: str = KEY_A, *entries: str) -> KeyRing:
    return parse_keyring(master_key=master, entries=list(entries))


def test_success_round_trip_and_the_layout_of_the_stored_bytes() -> None:
    stored = encrypt_password(password=PASSWORD, user_id="42", keyring=ring())
    assert stored[:8] == b"\x01\x06master"
    assert len(stored) == 2 + 6 + 12 + len(PASSWORD) + 16
    assert decrypt_password(stored=stored, user_id="42", keyring=ring()) == PASSWORD


def test_success_the_stored_bytes_never_contain_the_password() -> None:
    first = encrypt_password(password=PASSWORD, user_id="42", keyring=ring())
    second = encrypt_password(password=PASSWORD, user_id="42", keyring=ring())
    assert first != second  # a fresh nonce each time
    for stored in (first, second):
        assert PASSWORD.encode() not in stored
        assert PASSWORD.encode()[:8] not in stored
        assert base64.b64encode(PASSWORD.encode())[:8] not in stored


@pytest.mark.parametrize(
    "position",
    [8, 19, 20, -17, -1],
    ids=["nonce-first", "nonce-last", "ciphertext", "tag-first", "tag-last"],
)
def test_error_a_flipped_byte_is_detected(position: int) -> None:
    stored = bytearray(encrypt_password(password=PASSWORD, user_id="42", keyring=ring()))
    stored[position] ^= 0x01
    with pytest.raises(CredentialCryptoError) as error:
        decrypt_password(stored=bytes(stored), user_id="42", keyring=ring())
    assert str(error.value) == (
        "the password of user_id '42' fails authentication with key id 'master': the row was "
        "altered or copied from another user_id, or the configured key 'master' is not the "
        "one it was encrypted with; check the key, else reset the password"
    )


def test_error_ciphertext_of_another_user_id_does_not_decrypt() -> None:
    stored = encrypt_password(password=PASSWORD, user_id="42", keyring=ring())
    with pytest.raises(CredentialCryptoError, match=r"^the password of user_id '43' fails auth"):
        decrypt_password(stored=stored, user_id="43", keyring=ring())


def test_error_relabelling_the_key_id_is_detected_even_with_the_same_key_bytes() -> None:
    keyring = ring("", f"k1:{KEY_A}", f"k2:{KEY_A}")
    stored = encrypt_password(password=PASSWORD, user_id="42", keyring=keyring)
    assert stored[:4] == b"\x01\x02k2"
    relabelled = b"\x01\x02k1" + stored[4:]
    with pytest.raises(CredentialCryptoError, match="fails authentication with key id 'k1'"):
        decrypt_password(stored=relabelled, user_id="42", keyring=keyring)


def test_error_the_wrong_key_under_the_right_id_names_the_key_id() -> None:
    stored = encrypt_password(password=PASSWORD, user_id="42", keyring=ring(KEY_A))
    with pytest.raises(CredentialCryptoError, match="with key id 'master'"):
        decrypt_password(stored=stored, user_id="42", keyring=ring(KEY_B))


def test_error_a_key_missing_from_fix_encryption_keys_names_its_key_id() -> None:
    stored = encrypt_password(password=PASSWORD, user_id="7", keyring=ring(KEY_A, f"k2:{KEY_B}"))
    with pytest.raises(KeyConfigurationError) as error:
        decrypt_password(stored=stored, user_id="7", keyring=ring(KEY_A))
    assert str(error.value) == (
        "the password of user_id '7' is encrypted with key id 'k2', which is not configured; "
        "add k2:<base64 key> to FIX_ENCRYPTION_KEYS"
    )


def test_error_a_missing_master_key_names_its_variable() -> None:
    stored = encrypt_password(password=PASSWORD, user_id="7", keyring=ring(KEY_A))
    with pytest.raises(KeyConfigurationError) as error:
        decrypt_password(stored=stored, user_id="7", keyring=ring("", f"k2:{KEY_B}"))
    assert str(error.value) == (
        "the password of user_id '7' is encrypted with key id 'master', which is not "
        "configured; set MASTER_ENCRYPTION_KEY to it"
    )


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        (b"x", "is not in the encrypted format version 1"),
        (base64.b64encode(b"\x00" * 40), "is not in the encrypted format version 1"),
        (b"\x01\x06master" + b"\x00" * 20, "is truncated"),
    ],
    ids=["junk", "legacy-go-base64-text", "truncated"],
)
def test_error_bytes_not_in_our_format(stored: bytes, problem: str) -> None:
    with pytest.raises(CredentialCryptoError) as error:
        decrypt_password(stored=stored, user_id="1", keyring=ring())
    assert str(error.value) == f"the stored password of user_id '1' {problem}; reset its password"


def test_success_the_last_key_is_current_and_master_comes_first() -> None:
    keyring = ring(KEY_A, f"k2:{KEY_B}", f" k3:{KEY_A} ")
    assert (list(keyring.keys), keyring.current_id) == (["master", "k2", "k3"], "k3")
    assert list(ring("", f"k2:{KEY_B}").keys) == ["k2"]
    assert "QUFB" not in repr(keyring) and "AAAA" not in repr(keyring)


SHORT = base64.b64encode(b"A" * 16).decode()


@pytest.mark.parametrize(
    ("master", "entries", "message"),
    [
        (
            "",
            [],
            "no FIX encryption key: set MASTER_ENCRYPTION_KEY "
            "(generate one with: openssl rand -base64 32)",
        ),
        (
            "not base64!",
            [],
            "MASTER_ENCRYPTION_KEY is not valid base64; generate one with: openssl rand -base64 32",
        ),
        (
            SHORT,
            [],
            "MASTER_ENCRYPTION_KEY decodes to 16 bytes, AES-256 needs 32; "
            "generate one with: openssl rand -base64 32",
        ),
        (
            KEY_A,
            [KEY_B],
            "FIX_ENCRYPTION_KEYS entry 1 has no key id; write it as key_id:base64key",
        ),
        (
            KEY_A,
            [f"k2:{SHORT}"],
            "FIX_ENCRYPTION_KEYS key id 'k2' decodes to 16 bytes, AES-256 needs 32; "
            "generate one with: openssl rand -base64 32",
        ),
        (
            KEY_A,
            [f"k2:{KEY_B}", f"bad id:{KEY_B}"],
            "FIX_ENCRYPTION_KEYS entry 2 has the key id 'bad id'; "
            "use 1 to 64 letters, digits, '.', '_' or '-'",
        ),
        (
            KEY_A,
            [f"master:{KEY_B}"],
            "FIX_ENCRYPTION_KEYS entry 1 uses the key id 'master', which is "
            "MASTER_ENCRYPTION_KEY's; give the entry another key id",
        ),
        (
            "",
            [f"k2:{KEY_A}", f"k2:{KEY_B}"],
            "key id 'k2' appears twice in FIX_ENCRYPTION_KEYS; keep one entry per key id",
        ),
    ],
    ids=["none", "not-base64", "short", "no-key-id", "short-entry", "bad-id", "master", "twice"],
)
def test_error_bad_key_configuration(master: str, entries: list[str], message: str) -> None:
    with pytest.raises(KeyConfigurationError) as error:
        parse_keyring(master_key=master, entries=entries)
    assert str(error.value) == message
    for secret in (KEY_A, KEY_B, SHORT):
        assert secret not in str(error.value)
