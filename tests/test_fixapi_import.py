"""fix_import_legacy: the Go engine's credential file into fix_credentials.

The files are built here with the Go engine's scheme (PBKDF2-HMAC-SHA256, 100,000
iterations, the fixed salt, AES-256-GCM with the nonce in front, base64), written
independently of the code under test, and every client then logs on with its old password.
"""

import base64
import functools
import io
import json
import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.core.management import CommandError, call_command
from django.db import connection
from pytest_django import Settings

from adminpanel.models import AdminAuditLog
from fixapi.models import FixCredential, FixSession
from fixapi.services import (
    UNKNOWN_OR_WRONG_PASSWORD,
    Actor,
    Verification,
    credential_provision,
    credential_verify,
    session_open,
)
from fixapi.tiers import TIER_LIMITS
from tests.conftest import connect, fetch_all, manage, start_manage

pytestmark = pytest.mark.django_db

KEY_A = base64.b64encode(b"A" * 32).decode()
MASTER = "Go engine master pässword $1"
PASSWORDS = {
    "1001": "hT4vQ8mZ2xW6pL9bN3cR7yK1dF5gJ0sA",
    "1002": "Qw8eR4tY2uI6oP0aS3dF7gH1jK5lZ9xC",
    "1003": "mN2bV6cX0zL4kJ8hG2fD6sA0pO4iU8yT",
    "1004": "Grüße aus 東京 € ÆØÅ 1004",
    "1005": "Zx9cV8bN7mA6sD5fG4hJ3kL2qW1eR0tY",
}
# The environment of manage.py runs in processes of their own.
COMMAND_ENV = {
    "MASTER_ENCRYPTION_KEY": KEY_A,
    "FIX_ENCRYPTION_KEYS": "",
    "FIX_MASTER_PASSWORD": MASTER,
}
CONFLICT_HINT = "where the file's values are right, rerun with --overwrite-conflicts"


@pytest.fixture(autouse=True)
def keys(settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = KEY_A
    settings.FIX_ENCRYPTION_KEYS = []
    settings.FIX_MASTER_PASSWORD = MASTER


# -- the Go engine's side ------------------------------------------------------------------


@functools.cache
def go_key(master: str) -> bytes:
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=b"fix-credentials-salt-v1", iterations=100_000
    )
    return kdf.derive(master.encode())


def go_encrypt(password: str | bytes, master: str = MASTER) -> str:
    """What the Go engine writes: base64(nonce | AES-256-GCM ciphertext and tag), no AAD."""
    plaintext = password.encode() if isinstance(password, str) else password
    nonce = os.urandom(12)
    sealed = AESGCM(go_key(master)).encrypt(nonce, plaintext, None)
    return base64.b64encode(nonce + sealed).decode()


def go_entry(user_id: str, sender_comp_id: str, password: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"cred-{user_id}",
        "user_id": user_id,
        "sender_comp_id": sender_comp_id,
        "target_comp_id": "GATEWAY",
        "password": go_encrypt(password),
        "status": "active",
        "created_at": "2025-01-15T09:30:00.123456789Z",
        "updated_at": "2025-06-01T12:00:00.5+02:00",
        "rate_limit_tier": "basic",
        "max_sessions": 1,
        **fields,
    }


def go_clients() -> dict[str, dict[str, Any]]:
    """Five clients as a running engine has them."""
    return {
        "1001": go_entry(
            "1001",
            "USER_7Q2M9K4D",
            PASSWORDS["1001"],
            rate_limit_tier="standard",
            max_sessions=3,
            allowed_ips=["10.20.0.0/16", "192.0.2.7"],
            last_used_at="2025-11-28T16:45:12.987654321Z",
            metadata={"desk": "Zürich FX", "trader": "Sørensen", "city": "東京"},
        ),
        "1002": go_entry(
            "1002",
            "USER_B8XK3N1P",
            PASSWORDS["1002"],
            status="suspended",
            rate_limit_tier="premium",
            max_sessions=10,
            expires_at="0001-01-01T00:00:00Z",  # Go's zero time: never set
            last_used_at=None,
        ),
        "1003": go_entry(
            "1003",
            "USER_N5VJ0T6R",
            PASSWORDS["1003"],
            status="expired",
            expires_at="2025-03-31T23:59:59Z",
            allowed_ips=["203.0.113.0/24"],
            metadata={"note": "trial"},
        ),
        "1004": go_entry(
            "1004",
            "USER_K2D8W3ZQ",
            PASSWORDS["1004"],
            rate_limit_tier="premium",
            max_sessions=20,  # above the premium tier's 10: kept as the engine had it
            expires_at="2099-12-31T00:00:00+01:00",
            allowed_ips=[],
        ),
        "1005": go_entry(
            "1005",
            "USER_R9T4Y6UM",
            PASSWORDS["1005"],
            status="revoked",
            revoked_at="2025-09-01T08:00:00Z",
            metadata={
                "reason": "account closed",
                "api_token": "tok-1005-secret",
                "contacts": [{"name": "Zoë", "password_hint": "blue-sky"}],
            },
        ),
    }


def write(directory: Path, document: Any, name: str = "fix_credentials") -> Path:
    """The file as the Go engine writes it (json.MarshalIndent, UTF-8)."""
    path = directory / name
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    return path


# -- our side ------------------------------------------------------------------------------


def run(*args: str | Path) -> list[str]:
    out = io.StringIO()
    call_command("fix_import_legacy", *[str(arg) for arg in args], stdout=out)
    return out.getvalue().splitlines()


def refused(*args: str | Path, returncode: int = 1) -> tuple[str, list[str]]:
    """The CommandError's message, and the lines printed before it."""
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("fix_import_legacy", *[str(arg) for arg in args], stdout=out)
    assert error.value.returncode == returncode
    return str(error.value), out.getvalue().splitlines()


def logon(sender_comp_id: str, password: str, address: str = "192.0.2.7") -> Verification:
    return credential_verify(
        sender_comp_id=sender_comp_id, password=password, source_address=address
    )


def rows() -> list[tuple[Any, ...]]:
    return list(
        FixCredential.objects.order_by("user_id").values_list(
            "user_id",
            "sender_comp_id",
            "status",
            "rate_limit_tier",
            "max_sessions",
            "allowed_ips",
            "expires_at",
        )
    )


def stored_bytes() -> dict[str, bytes]:
    return {
        user_id: bytes(stored)
        for user_id, stored in FixCredential.objects.values_list("user_id", "password_encrypted")
    }


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def assert_nothing_written() -> None:
    assert FixCredential.objects.count() == 0
    assert AdminAuditLog.objects.filter(action="import_legacy").count() == 0


# -- importing -----------------------------------------------------------------------------


def test_success_every_client_logs_on_with_its_old_password(tmp_path: Path) -> None:
    path = write(tmp_path, go_clients())
    output = run(path)
    assert output == [
        "user_id '1001' (USER_7Q2M9K4D): imported",
        "user_id '1002' (USER_B8XK3N1P): imported",
        "user_id '1003' (USER_N5VJ0T6R): imported",
        "user_id '1004' (USER_K2D8W3ZQ): imported",
        "user_id '1005' (USER_R9T4Y6UM): imported",
        f"Done: 5 entries in {path}: 5 imported, 0 overwritten, 0 unchanged, 0 in conflict.",
    ]
    assert rows() == [
        ("1001", "USER_7Q2M9K4D", "ACTIVE", "standard", 3, ["10.20.0.0/16", "192.0.2.7"], None),
        ("1002", "USER_B8XK3N1P", "SUSPENDED", "premium", 10, None, None),
        (
            "1003",
            "USER_N5VJ0T6R",
            "EXPIRED",
            "basic",
            1,
            ["203.0.113.0/24"],
            utc(2025, 3, 31, 23, 59, 59),
        ),
        ("1004", "USER_K2D8W3ZQ", "ACTIVE", "premium", 20, None, utc(2099, 12, 30, 23)),
        ("1005", "USER_R9T4Y6UM", "REVOKED", "basic", 1, None, None),
    ]
    times = FixCredential.objects.order_by("user_id").values_list(
        "created_at", "updated_at", "last_used"
    )
    created, updated = utc(2025, 1, 15, 9, 30, 0, 123456), utc(2025, 6, 1, 10, 0, 0, 500000)
    assert list(times) == [
        (created, updated, utc(2025, 11, 28, 16, 45, 12, 987654)),
        *[(created, updated, None)] * 4,
    ]
    # Stored our way: format 1, the current key id, bound to the row; never the password.
    for user_id, stored in stored_bytes().items():
        assert stored.startswith(b"\x01\x06master")
        assert PASSWORDS[user_id].encode() not in stored

    accepted = logon("USER_7Q2M9K4D", PASSWORDS["1001"])
    assert (accepted.accepted, accepted.limits) == (True, TIER_LIMITS["standard"])
    assert logon("USER_K2D8W3ZQ", PASSWORDS["1004"], address="198.51.100.1").accepted
    # The others' passwords match too (the credential is named); their state refuses them.
    refusals = {
        "USER_7Q2M9K4D": (PASSWORDS["1001"], "address 198.51.100.1 is not in allowed_ips"),
        "USER_B8XK3N1P": (
            PASSWORDS["1002"],
            "credential status is SUSPENDED; only ACTIVE may log on",
        ),
        "USER_N5VJ0T6R": (
            PASSWORDS["1003"],
            "credential status is EXPIRED; only ACTIVE may log on",
        ),
        "USER_R9T4Y6UM": (
            PASSWORDS["1005"],
            "credential status is REVOKED; only ACTIVE may log on",
        ),
    }
    for sender, (password, reason) in refusals.items():
        verification = logon(sender, password, address="198.51.100.1")
        assert (verification.accepted, verification.reason) == (False, reason)
        assert verification.credential is not None
    for user_id, sender in FixCredential.objects.values_list("user_id", "sender_comp_id"):
        wrong = logon(sender, PASSWORDS[user_id][:-1] + "!")
        assert (wrong.accepted, wrong.reason, wrong.credential) == (
            False,
            UNKNOWN_OR_WRONG_PASSWORD,
            None,
        )

    entry = AdminAuditLog.objects.get(action="import_legacy")
    assert (entry.admin_username, entry.resource_type, entry.resource_id) == (
        "fix_import_legacy",
        "fix_credentials",
        None,
    )
    assert entry.details == {
        "file": str(path),
        "key_id": "master",
        "overwrite_conflicts": False,
        "counts": {"entries": 5, "imported": 5, "overwritten": 0, "unchanged": 0, "conflicts": 0},
        "imported": ["1001", "1002", "1003", "1004", "1005"],
        "overwritten": [],
        "conflicts": {},
        "sessions_closed": 0,
        "without_column": {
            "1001": {
                "id": "cred-1001",
                "target_comp_id": "GATEWAY",
                "metadata": {"desk": "Zürich FX", "trader": "Sørensen", "city": "東京"},
            },
            "1002": {"id": "cred-1002", "target_comp_id": "GATEWAY"},
            "1003": {"id": "cred-1003", "target_comp_id": "GATEWAY", "metadata": {"note": "trial"}},
            "1004": {"id": "cred-1004", "target_comp_id": "GATEWAY"},
            "1005": {
                "id": "cred-1005",
                "target_comp_id": "GATEWAY",
                "revoked_at": "2025-09-01T08:00:00Z",
                "metadata": {
                    "reason": "account closed",
                    "api_token": "[redacted]",
                    "contacts": [{"name": "Zoë", "password_hint": "[redacted]"}],
                },
            },
        },
    }
    printed = "\n".join(output) + json.dumps(entry.details, ensure_ascii=False)
    for password in PASSWORDS.values():
        assert password not in printed
    assert "tok-1005-secret" not in printed and "blue-sky" not in printed


def test_success_the_path_defaults_to_fix_provisioning_store_path(
    tmp_path: Path, settings: Settings
) -> None:
    settings.FIX_PROVISIONING_STORE_PATH = str(write(tmp_path, go_clients()))
    assert run()[-1] == (
        f"Done: 5 entries in {tmp_path / 'fix_credentials'}: 5 imported, 0 overwritten, "
        "0 unchanged, 0 in conflict."
    )


@pytest.mark.parametrize("document", [{}, None], ids=["empty-object", "null"])
def test_success_a_file_without_credentials(tmp_path: Path, document: Any) -> None:
    path = write(tmp_path, document)
    assert run(path) == [f"Nothing to import: {path} holds no credentials."]
    assert FixCredential.objects.count() == 0
    assert AdminAuditLog.objects.get(action="import_legacy").details["counts"] == {
        "entries": 0,
        "imported": 0,
        "overwritten": 0,
        "unchanged": 0,
        "conflicts": 0,
    }


# -- running again -------------------------------------------------------------------------


def test_success_a_second_run_imports_nothing_new(tmp_path: Path) -> None:
    path = write(tmp_path, go_clients())
    run(path)
    before = stored_bytes()
    assert run(path) == [
        f"Nothing new: fix_credentials already has every entry of {path} (5) with the same values."
    ]
    assert run(path, "-v", "2")[:2] == [
        "user_id '1001' (USER_7Q2M9K4D): unchanged",
        "user_id '1002' (USER_B8XK3N1P): unchanged",
    ]
    assert stored_bytes() == before  # not even re-encrypted
    runs = AdminAuditLog.objects.filter(action="import_legacy").order_by("id")
    assert [entry.details["counts"]["unchanged"] for entry in runs] == [0, 5, 5]
    assert [entry.details["without_column"] for entry in runs][1:] == [{}, {}]


def test_success_a_rerun_imports_the_credentials_created_meanwhile(tmp_path: Path) -> None:
    clients = go_clients()
    path = write(tmp_path, clients)
    run(path)
    clients["1006"] = go_entry("1006", "USER_W6E2R8TA", "nEw-cLiEnT-pAsSwOrD-6")
    write(tmp_path, clients)
    assert run(path) == [
        "user_id '1006' (USER_W6E2R8TA): imported",
        f"Done: 6 entries in {path}: 1 imported, 0 overwritten, 5 unchanged, 0 in conflict.",
    ]
    assert logon("USER_W6E2R8TA", "nEw-cLiEnT-pAsSwOrD-6").accepted


def test_success_a_credential_the_gateway_marked_expired_is_unchanged(tmp_path: Path) -> None:
    # The Go engine still says active; our gateway set EXPIRED at a logon past expires_at.
    path = write(
        tmp_path,
        {"2001": go_entry("2001", "USER_EXP00001", "pw-2001", expires_at="2025-01-01T00:00:00Z")},
    )
    run(path)
    assert logon("USER_EXP00001", "pw-2001").reason == (
        "credential expired at 2025-01-01T00:00:00+00:00"
    )
    assert FixCredential.objects.get().status == "EXPIRED"
    assert run(path)[0].startswith("Nothing new:")


def test_error_conflicts_are_listed_and_left_as_they_are(tmp_path: Path) -> None:
    clients = go_clients()
    path = write(tmp_path, clients)
    run(path)
    ours = credential_provision(user_id="77", actor=Actor(name="pytest"))
    # Meanwhile, in the Go engine: 1001's password reset and the client suspended, 1002
    # moved to another tier, a new client, and one with the SenderCompID user_id 77 has here.
    clients["1001"] |= {"password": go_encrypt("reset-1001"), "status": "suspended"}
    clients["1002"] |= {"rate_limit_tier": "standard", "max_sessions": 3}
    clients["1006"] = go_entry("1006", "USER_W6E2R8TA", "pw-1006")
    clients["1007"] = go_entry("1007", ours.credential.sender_comp_id, "pw-1007")
    write(tmp_path, clients)
    message, output = refused(path, returncode=4)
    sender_77 = ours.credential.sender_comp_id
    assert output == [
        "user_id '1001' (USER_7Q2M9K4D): conflict (differs in status, password), left as it is",
        "user_id '1002' (USER_B8XK3N1P): conflict (differs in rate_limit_tier, max_sessions), "
        "left as it is",
        "user_id '1006' (USER_W6E2R8TA): imported",
        f"user_id '1007' ({sender_77}): conflict (sender_comp_id already belongs to user_id "
        "'77'), left as it is",
        f"Done: 7 entries in {path}: 1 imported, 0 overwritten, 3 unchanged, 3 in conflict.",
    ]
    assert message == (
        "3 entries in conflict, left as they are (listed above); "
        f"{CONFLICT_HINT}; a sender_comp_id that another user_id has here is never "
        "overwritten: give one of the two new credentials in the Go engine"
    )
    # The table is as it was, plus the new client.
    assert logon("USER_7Q2M9K4D", PASSWORDS["1001"]).accepted
    assert logon("USER_7Q2M9K4D", "reset-1001").credential is None
    assert FixCredential.objects.get(pk="1002").rate_limit_tier == "premium"
    assert logon("USER_W6E2R8TA", "pw-1006", address="198.51.100.1").accepted
    assert not FixCredential.objects.filter(pk="1007").exists()
    assert logon(sender_77, ours.password, address="198.51.100.1").accepted
    details = AdminAuditLog.objects.filter(action="import_legacy").latest("id").details
    assert (details["imported"], details["overwritten"], details["conflicts"]) == (
        ["1006"],
        [],
        {
            "1001": "differs in status, password",
            "1002": "differs in rate_limit_tier, max_sessions",
            "1007": "sender_comp_id already belongs to user_id '77'",
        },
    )
    assert "reset-1001" not in message + "\n".join(output) + json.dumps(details)

    # The flag overwrites a user_id's values, never another user_id's SenderCompID.
    message, output = refused(path, "--overwrite-conflicts", returncode=4)
    assert output[:2] == [
        "user_id '1001' (USER_7Q2M9K4D): overwritten (differs in status, password)",
        "user_id '1002' (USER_B8XK3N1P): overwritten (differs in rate_limit_tier, max_sessions)",
    ]
    assert message == (
        "1 entry in conflict, left as it is (listed above); a sender_comp_id that another "
        "user_id has here is never overwritten: give one of the two new credentials in the "
        "Go engine"
    )
    assert not FixCredential.objects.filter(pk="1007").exists()
    assert refused(path, "-v", "0", returncode=4)[1] == [  # conflicts are always listed
        f"user_id '1007' ({sender_77}): conflict (sender_comp_id already belongs to user_id "
        "'77'), left as it is",
        f"Done: 7 entries in {path}: 0 imported, 0 overwritten, 6 unchanged, 1 in conflict.",
    ]


def test_error_the_overwrite_flag_is_taken_by_its_full_name_only(tmp_path: Path) -> None:
    clients = go_clients()
    path = write(tmp_path, clients)
    run(path)
    clients["1001"]["status"] = "revoked"
    write(tmp_path, clients)
    assert refused(path, "--overwrite") == ("Error: unrecognized arguments: --overwrite", [])
    assert FixCredential.objects.get(pk="1001").status == "ACTIVE"


def test_success_overwrite_conflicts_gives_the_file_values(tmp_path: Path) -> None:
    clients = go_clients()
    path = write(tmp_path, clients)
    run(path)
    assert logon("USER_7Q2M9K4D", PASSWORDS["1001"]).accepted
    session = session_open(user_id="1001", ip_address="192.0.2.7")
    clients["1001"] |= {
        "password": go_encrypt("reset-1001"),
        "status": "suspended",
        "updated_at": "2025-12-01T00:00:00Z",
    }
    write(tmp_path, clients)
    assert run(path, "--overwrite-conflicts") == [
        "user_id '1001' (USER_7Q2M9K4D): overwritten (differs in status, password)",
        f"Done: 5 entries in {path}: 0 imported, 1 overwritten, 4 unchanged, 0 in conflict.",
    ]
    credential = FixCredential.objects.get(pk="1001")
    assert (credential.status, credential.updated_at) == ("SUSPENDED", utc(2025, 12, 1))
    assert logon("USER_7Q2M9K4D", "reset-1001").credential is not None
    assert logon("USER_7Q2M9K4D", PASSWORDS["1001"]).credential is None
    assert FixSession.objects.get(pk=session.session_id).status == "CLOSED"
    details = AdminAuditLog.objects.filter(action="import_legacy").latest("id").details
    assert (details["overwritten"], details["sessions_closed"], details["overwrite_conflicts"]) == (
        ["1001"],
        1,
        True,
    )
    assert list(details["without_column"]) == ["1001"]


# -- dry run -------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--dry-run", "-dry-run"])
def test_success_dry_run_writes_nothing(tmp_path: Path, flag: str) -> None:
    path = write(tmp_path, go_clients())
    assert run(path, flag) == [
        "user_id '1001' (USER_7Q2M9K4D): would be imported",
        "user_id '1002' (USER_B8XK3N1P): would be imported",
        "user_id '1003' (USER_N5VJ0T6R): would be imported",
        "user_id '1004' (USER_K2D8W3ZQ): would be imported",
        "user_id '1005' (USER_R9T4Y6UM): would be imported",
        f"Dry run, nothing written: 5 entries in {path}: 5 to import, 0 to overwrite, "
        "0 unchanged, 0 in conflict.",
    ]
    assert run(path, flag, "-v", "0") == [
        f"Dry run, nothing written: 5 entries in {path}: 5 to import, 0 to overwrite, "
        "0 unchanged, 0 in conflict."
    ]
    assert_nothing_written()


def test_success_dry_run_of_an_overwrite_changes_nothing(tmp_path: Path) -> None:
    clients = go_clients()
    path = write(tmp_path, clients)
    run(path)
    before = (rows(), stored_bytes())
    clients["1001"]["status"] = "revoked"
    write(tmp_path, clients)
    assert run(path, "--dry-run", "--overwrite-conflicts") == [
        "user_id '1001' (USER_7Q2M9K4D): would be overwritten (differs in status)",
        f"Dry run, nothing written: 5 entries in {path}: 0 to import, 1 to overwrite, "
        "4 unchanged, 0 in conflict.",
    ]
    assert (rows(), stored_bytes()) == before
    assert AdminAuditLog.objects.filter(action="import_legacy").count() == 1


# -- refusals: nothing written -------------------------------------------------------------


def test_error_a_wrong_master_password_writes_nothing(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, go_clients())
    settings.FIX_MASTER_PASSWORD = "Go engine master password $1"
    assert refused(path) == (
        "FIX_MASTER_PASSWORD is not the Go engine's master password: none of the 5 entries "
        "decrypts with it; set the one the engine runs with",
        [],
    )
    assert_nothing_written()


def tampered(password: str) -> str:
    sealed = bytearray(base64.b64decode(go_encrypt(password)))
    sealed[20] ^= 0x01
    return base64.b64encode(bytes(sealed)).decode()


DAMAGED = "the entry is damaged: reset this client's password in the Go engine, then run again"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (
            tampered(PASSWORDS["1003"]),
            "entry '1003': its password does not decrypt with FIX_MASTER_PASSWORD, while 4 of "
            f"the 5 entries do; {DAMAGED}",
        ),
        (
            go_encrypt(PASSWORDS["1003"], master="another master password"),
            "entry '1003': its password does not decrypt with FIX_MASTER_PASSWORD, while 4 of "
            f"the 5 entries do; {DAMAGED}",
        ),
        (
            "bU4!not-base64",
            f"entry '1003': field 'password' is not what the Go engine writes (not base64); "
            f"{DAMAGED}",
        ),
        (
            base64.b64encode(b"0123456789").decode(),
            "entry '1003': field 'password' is not what the Go engine writes (10 bytes, "
            f"shorter than a nonce and a tag); {DAMAGED}",
        ),
        (go_encrypt(""), f"entry '1003': its password decrypts to nothing; {DAMAGED}"),
        (
            go_encrypt(b"\xff\xfe-1003"),
            f"entry '1003': its password decrypts to bytes that are not UTF-8 text; {DAMAGED}",
        ),
    ],
    ids=["tampered", "other-master-password", "not-base64", "truncated", "empty", "not-utf8"],
)
def test_error_a_corrupt_entry_stops_the_run(tmp_path: Path, password: str, message: str) -> None:
    clients = go_clients()
    clients["1003"]["password"] = password
    assert refused(write(tmp_path, clients)) == (message, [])
    assert PASSWORDS["1003"] not in message
    assert_nothing_written()


def test_error_corrupt_entries_are_counted(tmp_path: Path) -> None:
    clients = go_clients()
    clients["1002"]["password"] = tampered(PASSWORDS["1002"])
    clients["1004"]["password"] = tampered(PASSWORDS["1004"])
    assert refused(write(tmp_path, clients))[0] == (
        "entry '1002' (and 1 more): its password does not decrypt with FIX_MASTER_PASSWORD, "
        f"while 3 of the 5 entries do; {DAMAGED}"
    )
    assert_nothing_written()


def test_error_a_single_entry_that_does_not_decrypt(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"1001": go_clients()["1001"] | {"password": tampered(PASSWORDS["1001"])}},
    )
    assert refused(path)[0] == (
        "entry '1001': its password does not decrypt with FIX_MASTER_PASSWORD: the master "
        "password is not the Go engine's, or the entry is damaged"
    )
    assert_nothing_written()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"status": "deleted"},
            "entry '1003': status 'deleted' is not one of active, suspended, revoked, expired",
        ),
        (
            {"rate_limit_tier": "gold"},
            "entry '1003': rate_limit_tier 'gold' is not one of basic, standard, premium, "
            "unlimited",
        ),
        ({"max_sessions": 0}, "entry '1003': max_sessions 0 must be 1 or more"),
        (
            {"allowed_ips": ["203.0.113.0/24", "10.0.0.300"]},
            "entry '1003': allowed_ips entry '10.0.0.300' is not an IP address or CIDR range",
        ),
        (
            {"sender_comp_id": "USER_7Q2M9K4D"},
            "entries '1001' and '1003' have the same sender_comp_id 'USER_7Q2M9K4D', so the "
            "gateway could not tell them apart; give one of them new credentials in the Go "
            "engine, then run again",
        ),
        (
            {"sender_comp_id": "U" * 256},
            "entry '1003' breaks a constraint of fix_credentials (value too long for type "
            "character varying(255)); nothing was written",
        ),
        (
            {"max_sessions": 2**31},
            "entry '1003' breaks a constraint of fix_credentials (integer out of range); "
            "nothing was written",
        ),
    ],
    ids=[
        "status",
        "tier",
        "max-sessions",
        "allowed-ips",
        "same-sender-comp-id",
        "too-long",
        "out-of-range",
    ],
)
def test_error_an_entry_that_breaks_a_constraint(
    tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    clients = go_clients()
    clients["1003"] |= fields
    assert refused(write(tmp_path, clients)) == (message, [])
    assert_nothing_written()


def test_error_a_constraint_broken_in_the_database_rolls_back_earlier_entries(
    tmp_path: Path,
) -> None:
    # 1001 and 1002 are inserted before 1003 fails; none of them stays.
    clients = go_clients()
    clients["1003"]["sender_comp_id"] = "U" * 256
    refused(write(tmp_path, clients))
    assert_nothing_written()
    assert run(write(tmp_path, go_clients()))[-1].startswith("Done: 5 entries")


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "{path} is not JSON: Expecting value: line 1 column 1 (char 0)"),
        ('{"1001": ', "{path} is not JSON: Expecting value: line 1 column 10 (char 9)"),
        (b"\xff\xfe{}", "{path} is not JSON: it is not UTF-8 text"),
        (
            "[]",
            "{path} is not the Go engine's credential file: expected a JSON object keyed by "
            "user_id, found an array",
        ),
        ('{"1001": "x"}', "entry '1001': expected an object, found a string"),
        (
            '{"1001": {}, "1001": {}}',
            "{path} has the key '1001' twice in one object, which the Go engine never writes; "
            "restore the file as the engine wrote it",
        ),
    ],
    ids=["empty", "cut-short", "not-utf8", "array", "entry-not-object", "duplicate-key"],
)
def test_error_a_file_that_is_not_the_go_engines(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "fix_credentials"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert refused(path) == (message.format(path=path), [])
    assert_nothing_written()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": None}, "entry '1001': field 'password' is missing"),
        (
            {"max_sessions": "3"},
            "entry '1001': field 'max_sessions' must be a whole number, found a string",
        ),
        (
            {"max_sessions": True},
            "entry '1001': field 'max_sessions' must be a whole number, found true",
        ),
        (
            {"sender_comp_id": ""},
            "entry '1001': field 'sender_comp_id' must be a non-empty string, found an empty "
            "string",
        ),
        (
            {"allowed_ips": "10.20.0.0/16"},
            "entry '1001': field 'allowed_ips' must be an array of strings, found a string",
        ),
        (
            {"created_at": "2025-01-15T09:30:00"},
            "entry '1001': field 'created_at' must be an RFC 3339 time with a time zone, "
            "found a string",
        ),
        (
            {"expires_at": 1767225600},
            "entry '1001': field 'expires_at' must be an RFC 3339 time with a time zone, "
            "found a number",
        ),
        (
            {"user_id": "1002"},
            "entry '1001': field 'user_id' is '1002', not the key the entry is filed under",
        ),
        (
            {"sender_comp_id": "USER_\u0000"},
            "entry '1001': field 'sender_comp_id' holds a NUL character (\\u0000), which "
            "PostgreSQL cannot store",
        ),
        (
            {"metadata": {"desk": ["Zürich", "FX\u0000"]}},
            "entry '1001': field 'metadata' holds a NUL character (\\u0000), which PostgreSQL "
            "cannot store",
        ),
    ],
    ids=[
        "missing",
        "number-as-text",
        "boolean",
        "empty",
        "not-an-array",
        "no-time-zone",
        "not-a-time",
        "other-user-id",
        "nul",
        "nul-in-metadata",
    ],
)
def test_error_an_entry_of_the_wrong_shape(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    clients = go_clients()
    clients["1001"] |= change
    clients["1001"] = {name: value for name, value in clients["1001"].items() if value is not None}
    assert refused(write(tmp_path, clients)) == (message, [])
    assert_nothing_written()


def test_error_an_empty_master_password(tmp_path: Path, settings: Settings) -> None:
    settings.FIX_MASTER_PASSWORD = ""
    assert refused(write(tmp_path, go_clients()))[0] == (
        "FIX_MASTER_PASSWORD is empty; set it in the environment to the Go engine's master password"
    )
    assert_nothing_written()


def test_error_no_key_ring(tmp_path: Path, settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = ""
    assert refused(write(tmp_path, go_clients()))[0] == (
        "no FIX encryption key: set MASTER_ENCRYPTION_KEY (generate one with: openssl rand "
        "-base64 32)"
    )
    assert_nothing_written()


# -- as users run it -----------------------------------------------------------------------


def migrated_database(make_database: Callable[[], str]) -> str:
    """A database of its own, so that the runs commit as they would in production."""
    database = make_database()
    assert manage("rtx_migrate", "-up", database=database).returncode == 0
    return database


def unreadable(path: Path) -> tuple[str, ...]:
    """Makes ``path`` unreadable; the command that runs manage.py without root's override
    of file permissions, when the tests run as root."""
    path.chmod(0)
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, and setpriv (util-linux) is missing")
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search")


@pytest.mark.parametrize(
    "case", ["missing", "unreadable", "directory", "not-json", "wrong-shape", "empty-master"]
)
def test_error_bad_input_is_one_line_and_exit_status_1(tmp_path: Path, case: str) -> None:
    path = write(tmp_path, go_clients())
    env = dict(COMMAND_ENV)
    wrapper: tuple[str, ...] = ()
    if case == "missing":
        path = tmp_path / "absent"
        message = (
            f"{path} does not exist; give the path of the Go engine's credential file "
            "(its FIX_PROVISIONING_STORE_PATH)"
        )
    elif case == "unreadable":
        wrapper = unreadable(path)
        message = f"cannot read {path}: Permission denied"
    elif case == "directory":
        path = tmp_path
        message = f"cannot read {path}: Is a directory"
    elif case == "not-json":
        path.write_text("FIX credentials\n")
        message = f"{path} is not JSON: Expecting value: line 1 column 1 (char 0)"
    elif case == "wrong-shape":
        path.write_text('["1001"]')
        message = (
            f"{path} is not the Go engine's credential file: expected a JSON object keyed by "
            "user_id, found an array"
        )
    else:
        env["FIX_MASTER_PASSWORD"] = ""
        message = (
            "FIX_MASTER_PASSWORD is empty; set it in the environment to the Go engine's master "
            "password"
        )
    result = manage(
        "fix_import_legacy",
        str(path),
        database=connection.settings_dict["NAME"],
        env=env,
        wrapper=wrapper,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"CommandError: {message}\n",
    )


def test_success_import_rerun_and_conflict_as_a_user_runs_them(
    tmp_path: Path, make_database: Callable[[], str]
) -> None:
    database = migrated_database(make_database)
    clients = go_clients()
    path = write(tmp_path, clients)
    first = manage("fix_import_legacy", str(path), database=database, env=COMMAND_ENV)
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout.splitlines()[-1] == (
        f"Done: 5 entries in {path}: 5 imported, 0 overwritten, 0 unchanged, 0 in conflict."
    )
    second = manage("fix_import_legacy", str(path), database=database, env=COMMAND_ENV)
    assert (second.returncode, second.stdout, second.stderr) == (
        0,
        f"Nothing new: fix_credentials already has every entry of {path} (5) with the same "
        "values.\n",
        "",
    )
    clients["1002"]["status"] = "active"
    write(tmp_path, clients)
    third = manage("fix_import_legacy", str(path), database=database, env=COMMAND_ENV)
    assert (third.returncode, third.stderr) == (
        4,
        f"CommandError: 1 entry in conflict, left as it is (listed above); {CONFLICT_HINT}\n",
    )
    assert third.stdout.splitlines()[0] == (
        "user_id '1002' (USER_B8XK3N1P): conflict (differs in status), left as it is"
    )
    assert fetch_all(database, "SELECT user_id, status FROM fix_credentials ORDER BY user_id") == [
        ("1001", "ACTIVE"),
        ("1002", "SUSPENDED"),
        ("1003", "EXPIRED"),
        ("1004", "ACTIVE"),
        ("1005", "REVOKED"),
    ]
    assert fetch_all(
        database,
        "SELECT details->'counts'->>'imported', details->'counts'->>'conflicts' "
        "FROM admin_audit_log WHERE action = 'import_legacy' ORDER BY id",
    ) == [("5", "0"), ("0", "0"), ("0", "1")]


def test_success_an_overwrite_compares_the_row_as_it_overwrites_it(
    tmp_path: Path, make_database: Callable[[], str]
) -> None:
    """An admin's change committed while the import waits for the row is reported, not
    overwritten unseen: the rows are compared under the lock the overwrite holds."""
    database = migrated_database(make_database)
    clients = go_clients()
    path = write(tmp_path, clients)
    assert (
        manage("fix_import_legacy", str(path), database=database, env=COMMAND_ENV).returncode == 0
    )
    clients["1001"]["status"] = "revoked"
    write(tmp_path, clients)
    with connect(database) as admin, admin.transaction():
        admin.execute("UPDATE fix_credentials SET max_sessions = 2 WHERE user_id = '1001'")
        importing = start_manage(
            "fix_import_legacy",
            str(path),
            "--overwrite-conflicts",
            database=database,
            env=COMMAND_ENV | {"DB_APPLICATION_NAME": "import-under-test"},
        )
        deadline = time.monotonic() + 60
        while not fetch_all(
            database,
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'import-under-test' "
            "AND wait_event_type = 'Lock'",
        ):
            assert importing.poll() is None, importing.communicate()
            assert time.monotonic() < deadline, "the import never waited for the row"
            time.sleep(0.05)
    stdout, stderr = importing.communicate(timeout=60)
    assert (importing.returncode, stderr) == (0, "")
    assert stdout.splitlines()[0] == (
        "user_id '1001' (USER_7Q2M9K4D): overwritten (differs in status, max_sessions)"
    )
    assert fetch_all(
        database, "SELECT status, max_sessions FROM fix_credentials WHERE user_id = '1001'"
    ) == [("REVOKED", 3)]
