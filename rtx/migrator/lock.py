"""One migrating process at a time, through a PostgreSQL session-level advisory lock.

The lock belongs to the database session, so a process that dies (even by SIGKILL)
releases it when the server notices the closed connection. Waiting processes poll with
``pg_try_advisory_lock`` up to a bound; then they name the holder and give up.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

from rtx.migrator.errors import MigrationLocked
from rtx.migrator.events import Progress

# Any constant works; this one spells "rtxm". It fits in 32 bits, so the lock shows in
# pg_locks with classid 0 and objid LOCK_KEY.
LOCK_KEY = 0x7274786D
POLL_SECONDS = 0.2

HOLDER_SQL = """
SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'),
       a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s
  AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.pid <> pg_backend_pid()
"""


@dataclass(frozen=True)
class LockHolder:
    pid: int
    application: str
    client: str
    since: datetime

    def describe(self) -> str:
        return (
            f"pid {self.pid}, application {self.application or '(unnamed)'!r}, "
            f"from {self.client}, connected since {self.since.isoformat(timespec='seconds')}"
        )


def holder(connection: BaseDatabaseWrapper) -> LockHolder | None:
    with connection.cursor() as cursor:
        cursor.execute(HOLDER_SQL, [LOCK_KEY])
        row = cursor.fetchone()
    return LockHolder(*row) if row else None


def try_lock(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


@contextmanager
def migration_lock(
    connection: BaseDatabaseWrapper,
    wait_seconds: float,
    *,
    report: Callable[[Progress], None] = lambda progress: None,
    heartbeat: float = 5.0,
) -> Iterator[None]:
    """Hold the migration lock for the block; while waiting for it, say who holds it."""
    started = time.monotonic()
    deadline = started + wait_seconds
    next_beat = heartbeat
    while not try_lock(connection):
        waited = time.monotonic() - started
        if time.monotonic() >= deadline:
            current = holder(connection)
            who = current.describe() if current else "a session that has just ended"
            raise MigrationLocked(
                f"another migration holds the lock ({who}); waited {wait_seconds:g}s. "
                "Retry when it has finished, or raise -lock-wait"
            )
        if waited >= next_beat:
            next_beat += heartbeat
            current = holder(connection)
            if current:
                report(
                    Progress(
                        f"waiting {waited:.0f}s of {wait_seconds:g}s for the migration lock "
                        f"held by {current.describe()}"
                    )
                )
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        except DatabaseError:
            pass  # The session is gone, and the lock with it.
