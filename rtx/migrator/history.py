"""``schema_migrations_history``: every change rtx-migrate made or began, who, when and why.

``schema_migrations`` says what is applied (a row means applied, which the Go tool and
dashboards rely on); this table says what happened. A version that runs in a transaction
gets its entry in that transaction, finished. A version that cannot (a ``CONCURRENTLY``
index build or drop) gets its entry committed *before* it starts, and finished after: an
entry that never finished is a run that failed or was killed half-way, which is how
``-status`` tells "partly reverted" from "partly applied". Each finished change also notes
where its commit is in the WAL, for standbys (:mod:`rtx.migrator.replication`). Manual records
(``-mark-applied``/``-mark-pending``) carry their required reason here and, for an
applied version, in ``schema_migrations.reason``.
"""

import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from rtx.db.relations import relation_exists
from rtx.migrator.mirror import applier

TABLE = "schema_migrations_history"
CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    action VARCHAR(20) NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    outcome VARCHAR(20),
    by_whom VARCHAR(255) NOT NULL,
    host VARCHAR(255) NOT NULL,
    reason TEXT,
    detail TEXT,
    commit_lsn PG_LSN
)
"""
COMMENT = (
    "What rtx-migrate did to each version: apply, revert, complete, adopt, mark-applied, "
    "mark-pending; finished_at NULL: a run that failed or was killed before it ended; "
    "commit_lsn: the primary's WAL position just after the change committed"
)
INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_version_idx ON {TABLE} (version, id)"


@dataclass(frozen=True)
class Entry:
    version: int
    action: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    by_whom: str
    reason: str | None

    @property
    def interrupted(self) -> bool:
        """Began and never ended well: failed, or the process died."""
        return self.outcome != "done"


def ensure_table(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        cursor.execute(INDEX)
        cursor.execute(f"COMMENT ON TABLE {TABLE} IS %s", [COMMENT])


def table_exists(cursor: Any) -> bool:
    return relation_exists(cursor, TABLE)


def begin(
    connection: BaseDatabaseWrapper,
    version: int,
    name: str,
    action: str,
    *,
    reason: str | None = None,
) -> int:
    """Write an entry for a change that starts now; its id, to :func:`finish` it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (version, name, action, by_whom, host, reason) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [version, name, action, applier(connection), socket.gethostname(), reason],
        )
        return int(cursor.fetchone()[0])


def finish(
    connection: BaseDatabaseWrapper, entry_id: int, outcome: str, detail: str | None = None
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET finished_at = clock_timestamp(), outcome = %s, detail = %s "
            "WHERE id = %s",
            [outcome, detail, entry_id],
        )


def ended(
    connection: BaseDatabaseWrapper,
    version: int,
    name: str,
    action: str,
    outcome: str,
    *,
    detail: str | None = None,
    reason: str | None = None,
) -> int:
    """Write the entry of a change that has ended already (a record by hand, or an attempt
    that rolled back with its own entry); its id."""
    entry = begin(connection, version, name, action, reason=reason)
    finish(connection, entry, outcome, detail)
    return entry


def note_commit_lsn(connection: BaseDatabaseWrapper, entry_id: int) -> None:
    """After the entry's change committed: the WAL position a standby must replay to have it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET commit_lsn = pg_current_wal_lsn() WHERE id = %s", [entry_id]
        )


def latest(cursor: Any) -> dict[int, Entry]:
    """Each version's newest entry (none before the table exists)."""
    if not table_exists(cursor):
        return {}
    cursor.execute(
        f"SELECT DISTINCT ON (version) version, action, started_at, finished_at, outcome, "
        f"by_whom, reason FROM {TABLE} ORDER BY version, id DESC"
    )
    return {row[0]: Entry(*row) for row in cursor.fetchall()}
