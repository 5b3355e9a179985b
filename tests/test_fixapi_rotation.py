"""Key rotation: every row moves to the newest key, in batches, resumably, and verifying
keeps working with old and new keys throughout."""

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pytest_django import Settings

from adminpanel.models import AdminAuditLog
from fixapi.models import FixCredential
from fixapi.services import (
    Actor,
    RotationBatch,
    credential_provision,
    credential_verify,
    credentials_rotate_keys,
)
from tests.conftest import manage

pytestmark = pytest.mark.django_db

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
KEY_C = base64.b64encode(b"C" * 32).decode()


@pytest.fixture(autouse=True)
def keys(settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = KEY_A
    settings.FIX_ENCRYPTION_KEYS = []


def provision(*user_ids: str) -> dict[str, tuple[str, str]]:
    """sender_comp_id and password per user_id."""
    issued = {}
    for user_id in user_ids:
        credential = credential_provision(user_id=user_id, actor=Actor(name="pytest"))
        issued[user_id] = (credential.credential.sender_comp_id, credential.password)
    return issued


def key_ids() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, convert_from(substring(password_encrypted from 3 "
            "for get_byte(password_encrypted, 1)), 'SQL_ASCII') FROM fix_credentials"
        )
        return dict(cursor.fetchall())


def all_verify(issued: dict[str, tuple[str, str]]) -> bool:
    return all(
        credential_verify(sender_comp_id=sender, password=password, source_address=None).accepted
        for sender, password in issued.values()
    )


def rotate(batch_size: int = 500) -> list[str]:
    out = io.StringIO()
    call_command("fix_rotate_keys", f"--batch-size={batch_size}", stdout=out)
    return out.getvalue().splitlines()


def test_success_rotation_moves_every_row_to_the_newest_key(settings: Settings) -> None:
    issued = provision("1", "2", "3", "4", "5")
    settings.FIX_ENCRYPTION_KEYS = [f"k2:{KEY_B}"]
    assert all_verify(issued)  # new key configured, rows still under master
    assert rotate(batch_size=2) == [
        "Batch 1: 2 re-encrypted (from master: 2)",
        "Batch 2: 2 re-encrypted (from master: 2)",
        "Batch 3: 1 re-encrypted (from master: 1)",
        "Done: 5 credentials re-encrypted with key 'k2' in 3 batches.",
    ]
    assert set(key_ids().values()) == {"k2"}
    settings.MASTER_ENCRYPTION_KEY = ""  # the old key retired
    assert all_verify(issued)
    assert rotate() == ["Nothing to do: every credential is already encrypted with key 'k2'."]
    batches = AdminAuditLog.objects.filter(action="rotate_key").order_by("id")
    assert [entry.details for entry in batches] == [
        {"key_id": "k2", "from_key_ids": {"master": 2}, "user_ids": ["1", "2"]},
        {"key_id": "k2", "from_key_ids": {"master": 2}, "user_ids": ["3", "4"]},
        {"key_id": "k2", "from_key_ids": {"master": 1}, "user_ids": ["5"]},
    ]
    assert {entry.admin_username for entry in batches} == {"fix_rotate_keys"}


def test_success_verifying_works_between_batches(settings: Settings) -> None:
    issued = provision("1", "2", "3")
    settings.FIX_ENCRYPTION_KEYS = [f"k2:{KEY_B}"]
    seen: list[tuple[dict[str, str], bool]] = []

    def between(batch: RotationBatch) -> None:
        seen.append((key_ids(), all_verify(issued)))

    credentials_rotate_keys(actor=Actor(name="pytest"), batch_size=1, report=between)
    assert seen == [
        ({"1": "k2", "2": "master", "3": "master"}, True),
        ({"1": "k2", "2": "k2", "3": "master"}, True),
        ({"1": "k2", "2": "k2", "3": "k2"}, True),
    ]


def test_error_a_missing_key_stops_rotation_and_a_rerun_resumes(settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = ""
    settings.FIX_ENCRYPTION_KEYS = [f"k0:{KEY_C}"]
    issued = provision("4")
    settings.MASTER_ENCRYPTION_KEY = KEY_A
    settings.FIX_ENCRYPTION_KEYS = []
    issued |= provision("1", "2", "3")
    settings.FIX_ENCRYPTION_KEYS = [f"k2:{KEY_B}"]  # k0 forgotten
    with pytest.raises(CommandError) as error:
        rotate(batch_size=2)
    assert str(error.value) == (
        "the password of user_id '4' is encrypted with key id 'k0', which is not configured; "
        "add k0:<base64 key> to FIX_ENCRYPTION_KEYS"
    )
    # The first batch committed; the failed one changed nothing.
    assert key_ids() == {"1": "k2", "2": "k2", "3": "master", "4": "k0"}
    settings.FIX_ENCRYPTION_KEYS = [f"k0:{KEY_C}", f"k2:{KEY_B}"]
    assert rotate(batch_size=2) == [
        "Batch 1: 2 re-encrypted (from master: 1, k0: 1)",
        "Done: 2 credentials re-encrypted with key 'k2' in 1 batch.",
    ]
    assert set(key_ids().values()) == {"k2"}
    assert all_verify(issued)


def test_error_a_wrong_key_names_its_key_id(settings: Settings) -> None:
    provision("1")
    settings.MASTER_ENCRYPTION_KEY = KEY_C
    settings.FIX_ENCRYPTION_KEYS = [f"k2:{KEY_B}"]
    with pytest.raises(CommandError) as error:
        rotate()
    assert str(error.value) == (
        "the password of user_id '1' fails authentication with key id 'master': the row was "
        "altered or copied from another user_id, or the configured key 'master' is not the "
        "one it was encrypted with; check the key, else reset the password"
    )
    assert key_ids() == {"1": "master"}


def test_error_rows_not_in_the_encrypted_format(settings: Settings) -> None:
    FixCredential.objects.create(
        user_id="9", sender_comp_id="USER_LEGACY00", password_encrypted=b"x"
    )
    with pytest.raises(CommandError) as error:
        rotate()
    assert str(error.value) == (
        "the stored password of user_id '9' is not in the encrypted format version 1; "
        "reset its password"
    )


def test_error_bad_key_material_exits_non_zero_in_one_line() -> None:
    result = manage(
        "fix_rotate_keys",
        database=connection.settings_dict["NAME"],
        env={"MASTER_ENCRYPTION_KEY": KEY_A, "FIX_ENCRYPTION_KEYS": "k2:c2hvcnQ="},
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "CommandError: FIX_ENCRYPTION_KEYS key id 'k2' decodes to 5 bytes, AES-256 needs 32; "
        "generate one with: openssl rand -base64 32\n"
    )


def test_error_batch_size_must_be_positive() -> None:
    with pytest.raises(CommandError) as error:
        rotate(batch_size=0)
    assert str(error.value) == (
        "Error: argument --batch-size: expected a whole number of 1 or more, got '0'"
    )
