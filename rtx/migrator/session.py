"""Is this connection a session of its own on the primary? rtx-migrate needs one.

Its migration lock is a session-level advisory lock and its timeouts are session settings;
a hot standby refuses every write; a pooler in transaction mode (PgBouncer's
``pool_mode = transaction``) hands each transaction whichever server connection is free, so
the lock and the settings silently stop applying. Before changing anything, and before each
version, rtx-migrate checks:

* ``pg_is_in_recovery()``: false on a primary;
* the configuration: ``DB_POOL_MODE=transaction`` declares the connection pooled;
* the backend pid: libpq learns it at connection start (BackendKeyData); a pooler sends a
  key of its own, so a pid that is not the server session's ``pg_backend_pid()`` means a
  pooler answers. Only ``DB_POOL_MODE=session`` (a pooler that keeps one server connection
  per client) lets rtx-migrate go on through one; a TCP proxy passes the key unchanged;
* the server session: the same backend answers several transactions in a row, and that
  backend holds the migration lock. A pooler declared a session pooler may still hand
  server connections out per transaction, so the lock check is repeated before every version.
"""

from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from rtx.db.routers import MIGRATE
from rtx.migrator.errors import UnsuitableSession
from rtx.migrator.lock import LOCK_KEY

PROBES = 4
USE_DIRECT = (
    "rtx-migrate needs a session of its own on the primary: set RTX_MIGRATE_DATABASE_URL to "
    "the primary's direct address (not the pooler's)"
)
NOTHING_CHANGED = "nothing was changed"
HOLDS_LOCK_SQL = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = %s
      AND objsubid = 1 AND granted AND pid = pg_backend_pid()
)
"""


def is_standby(cursor: Any) -> bool:
    cursor.execute("SELECT pg_is_in_recovery()")
    return bool(cursor.fetchone()[0])


def refuse_standby(connection: BaseDatabaseWrapper, where: str) -> None:
    with connection.cursor() as cursor:
        if is_standby(cursor):
            raise UnsuitableSession(
                f"{where} is a hot standby (pg_is_in_recovery() is true): run rtx-migrate "
                "against the primary; nothing was changed"
            )


def refuse_declared_pooler(alias: str) -> None:
    """The configuration itself says this alias goes through a transaction pooler."""
    if settings.DB_POOL_MODE == "transaction" and alias != MIGRATE:
        raise UnsuitableSession(
            f"DB_POOL_MODE=transaction: the database alias {alias!r} goes through a pooler in "
            f"transaction mode; {USE_DIRECT}; {NOTHING_CHANGED}"
        )


def refuse_pooled_session(connection: BaseDatabaseWrapper) -> None:
    """No pooler but a declared session pooler, and several transactions in a row meet the
    same backend (checked before the lock is taken: a lock taken through a pooler stays held
    by a server session we cannot reach)."""
    pids = []
    for _ in range(PROBES):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(cursor.fetchone()[0])
    given = connection.connection.info.backend_pid
    if given != pids[0] and settings.DB_POOL_MODE != "session":
        raise UnsuitableSession(
            f"a connection pooler answers for the server (the connection was given backend "
            f"pid {given}, the server session's is {pids[0]}); {USE_DIRECT}, or set "
            f"DB_POOL_MODE=session if the pooler keeps one server connection per client; "
            f"{NOTHING_CHANGED}"
        )
    if len(set(pids)) > 1:
        raise UnsuitableSession(
            f"{len(set(pids))} different server sessions answered {PROBES} transactions in a "
            f"row: the connection goes through a pooler in transaction mode; {USE_DIRECT}; "
            f"{NOTHING_CHANGED}"
        )


def refuse_lost_lock(connection: BaseDatabaseWrapper, done: str = NOTHING_CHANGED) -> None:
    """The backend answering now must be the one that took the migration lock; ``done``
    says what the run has changed so far.

    When it is not, the lock is held by a server session a pooler gave another client; a
    few unlock attempts may meet it (each lands on whichever session is free), so that it
    does not block every later migration until the pooler closes that session.
    """
    with connection.cursor() as cursor:
        cursor.execute(HOLDS_LOCK_SQL, [LOCK_KEY])
        if cursor.fetchone()[0]:
            return
        for _ in range(PROBES * 4):
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            if cursor.fetchone()[0]:
                break
    raise UnsuitableSession(
        "the server session answering now does not hold the migration lock this run took: "
        f"the connection goes through a pooler in transaction mode; {USE_DIRECT}; {done}"
    )
