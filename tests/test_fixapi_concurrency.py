"""Concurrency on committed data: parallel session opens against max_sessions, and the
gateway verifying while a key rotation runs.

Each thread has its own database connection (django.db.connections is per thread).
``available_apps`` limits the flush after each test to the fixapi tables: the audit log
refuses TRUNCATE, so the rotation's audit rows are removed with the documented purge.
"""

import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from pytest_django import Settings

from fixapi.crypto import encrypt_password
from fixapi.errors import SessionLimitError
from fixapi.keys import keyring_from_settings
from fixapi.models import FixCredential, FixSession
from fixapi.services import (
    Actor,
    RotationBatch,
    credential_verify,
    credentials_rotate_keys,
    session_open,
)

pytestmark = pytest.mark.django_db(transaction=True, available_apps=["fixapi"])

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()


@pytest.fixture(autouse=True)
def keys(settings: Settings) -> None:
    settings.MASTER_ENCRYPTION_KEY = KEY_A
    settings.FIX_ENCRYPTION_KEYS = []


@pytest.fixture
def purge_fix_audit_rows() -> Iterator[None]:
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE admin_audit_log DISABLE TRIGGER admin_audit_log_append_only;"
            "DELETE FROM admin_audit_log WHERE resource_type = 'fix_credentials';"
            "ALTER TABLE admin_audit_log ENABLE TRIGGER admin_audit_log_append_only;"
        )


def make_credential(user_id: str, password: str, **fields: object) -> FixCredential:
    return FixCredential.objects.create(
        user_id=user_id,
        sender_comp_id=f"USER_{int(user_id):08d}",
        password_encrypted=encrypt_password(
            password=password, user_id=user_id, keyring=keyring_from_settings()
        ),
        **fields,
    )


def test_success_20_concurrent_opens_leave_exactly_max_sessions_open() -> None:
    make_credential("7", "p" * 32, rate_limit_tier="standard", max_sessions=3)
    attempts = 20
    ready = threading.Barrier(attempts)

    def attempt(_: int) -> str:
        try:
            connection.ensure_connection()  # this thread's own connection, before the race
            ready.wait()
            return session_open(user_id="7", ip_address=None).session_id
        except SessionLimitError as error:
            return str(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(attempts) as pool:
        outcomes = list(pool.map(attempt, range(attempts)))

    refusal = "user_id '7' already has 3 of 3 sessions open; close one first"
    assert sorted(outcomes.count(outcome) for outcome in set(outcomes)) == [1, 1, 1, 17]
    assert outcomes.count(refusal) == 17
    opened = {outcome for outcome in outcomes if outcome != refusal}
    assert set(FixSession.objects.filter(status="ACTIVE").values_list("pk", flat=True)) == opened
    assert FixSession.objects.count() == 3


def test_success_the_gateway_keeps_verifying_during_a_rotation(
    settings: Settings, purge_fix_audit_rows: None
) -> None:
    passwords = {str(number): f"{number:032d}" for number in range(1, 21)}
    for user_id, password in passwords.items():
        make_credential(user_id, password)
    settings.FIX_ENCRYPTION_KEYS = [f"k2:{KEY_B}"]
    rotating = threading.Event()
    rotating.set()
    passes = threading.Semaphore(0)
    refusals: list[str] = []

    def gateway() -> None:
        try:
            while rotating.is_set():
                for user_id, password in passwords.items():
                    verification = credential_verify(
                        sender_comp_id=f"USER_{int(user_id):08d}",
                        password=password,
                        source_address=None,
                    )
                    if not verification.accepted:
                        refusals.append(f"{user_id}: {verification.reason}")
                passes.release()
        finally:
            connections.close_all()

    def after_each_batch(batch: RotationBatch) -> None:
        assert passes.acquire(timeout=30)  # a full verifying pass over the mixed rows

    with ThreadPoolExecutor(1) as pool:
        verifying = pool.submit(gateway)
        try:
            result = credentials_rotate_keys(
                actor=Actor(name="pytest"), batch_size=4, report=after_each_batch
            )
        finally:
            rotating.clear()
        verifying.result()

    assert (result.rows, result.batches, refusals) == (20, 5, [])
    assert {
        bytes(stored)[:4]
        for stored in FixCredential.objects.values_list("password_encrypted", flat=True)
    } == {b"\x01\x02k2"}
