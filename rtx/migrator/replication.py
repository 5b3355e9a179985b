"""Standbys and the newest schema change: has each replayed it, and waiting until they have.

Every change rtx-migrate commits notes the primary's WAL position right after the commit
(``schema_migrations_history.commit_lsn``); a standby whose ``replay_lsn`` has reached it
reads the new schema. Standbys are the primary's physical replication slots (a stopped
standby keeps its slot, so it is still waited for) and the connected walsenders of
``pg_stat_replication``. Reading their positions needs ``pg_read_all_stats`` (or
``pg_monitor``); without it, that is said instead.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rtx.migrator import history
from rtx.migrator.errors import ReplicasBehind
from rtx.migrator.events import Progress
from rtx.migrator.steps import DONE

POLL_SECONDS = 0.5
STANDBYS_SQL = """
SELECT coalesce(s.slot_name, r.application_name, 'unnamed'),
       coalesce(r.application_name, ''), coalesce(host(r.client_addr), ''),
       coalesce(r.state, 'not connected'), r.replay_lsn::text,
       r.replay_lsn IS NOT NULL AND r.replay_lsn >= %(lsn)s::pg_lsn
FROM pg_replication_slots s
FULL JOIN pg_stat_replication r ON r.pid = s.active_pid
WHERE s.slot_type IS NULL OR s.slot_type = 'physical'
ORDER BY 1
"""
MAY_READ_SQL = "SELECT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')"


@dataclass(frozen=True)
class Change:
    """The newest schema change committed by rtx-migrate, and where its commit is in WAL."""

    version: int
    name: str
    action: str
    commit_lsn: str

    def describe(self) -> str:
        verb = DONE.get(self.action, self.action)
        return f"version {self.version} ({self.name}) {verb}, LSN {self.commit_lsn}"


@dataclass(frozen=True)
class Standby:
    name: str  # its replication slot, else its application_name
    application: str
    client: str
    state: str  # streaming, catchup, ..., or "not connected"
    replay_lsn: str | None
    replayed: bool

    def describe(self, change: Change) -> str:
        where = f" from {self.client}" if self.client else ""
        if self.replayed:
            return f"standby {self.name}{where}: {self.state}, has replayed {change.describe()}"
        at = f" (replay at {self.replay_lsn})" if self.replay_lsn else ""
        return f"standby {self.name}{where}: {self.state}, has NOT replayed {change.describe()}{at}"


def newest_change(cursor: Any) -> Change | None:
    if not history.table_exists(cursor):
        return None
    cursor.execute(
        f"SELECT version, name, action, commit_lsn::text FROM {history.TABLE} "
        "WHERE commit_lsn IS NOT NULL ORDER BY id DESC LIMIT 1"
    )
    row = cursor.fetchone()
    return Change(*row) if row else None


def standbys(cursor: Any, change: Change) -> list[Standby]:
    cursor.execute(STANDBYS_SQL, {"lsn": change.commit_lsn})
    return [Standby(*row) for row in cursor.fetchall()]


def may_read_positions(cursor: Any) -> bool:
    cursor.execute(MAY_READ_SQL)
    return bool(cursor.fetchone()[0])


def standby_has_replayed(cursor: Any, change: Change) -> bool:
    """On a standby: has it replayed the newest change it knows of (its own copy says so)."""
    cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [change.commit_lsn])
    return bool(cursor.fetchone()[0])


def wait_for_standbys(
    connection: Any,
    seconds: float,
    report: Callable[[Progress], None],
    *,
    heartbeat: float,
) -> None:
    """Return once every standby has replayed the newest change; after ``seconds``, refuse."""
    started = time.monotonic()
    next_beat = 0.0
    with connection.cursor() as cursor:
        change = newest_change(cursor)
        if change is None:
            report(Progress("no schema change recorded yet: no standby to wait for"))
            return
        if not may_read_positions(cursor):
            raise ReplicasBehind(
                f"-wait-replicas cannot see the standbys' positions: role "
                f"{connection.settings_dict['USER']} needs pg_read_all_stats (or pg_monitor)"
            )
        while True:
            found = standbys(cursor, change)
            behind = [standby for standby in found if not standby.replayed]
            if not found:
                report(Progress("no standby is connected and none has a slot: nothing to wait for"))
                return
            if not behind:
                report(Progress(f"every standby ({len(found)}) has replayed {change.describe()}"))
                return
            waited = time.monotonic() - started
            if waited >= seconds:
                listing = "; ".join(standby.describe(change) for standby in behind)
                raise ReplicasBehind(
                    f"after {seconds:g}s, {len(behind)} of {len(found)} standby(s) had not "
                    f"replayed the newest schema change: {listing}. The change itself is "
                    "done; code that reads the new schema from a replica must wait for it"
                )
            if waited >= next_beat:
                next_beat += heartbeat
                report(
                    Progress(
                        f"waiting {waited:.0f}s of {seconds:g}s for "
                        + "; ".join(standby.describe(change) for standby in behind)
                    )
                )
            time.sleep(POLL_SECONDS)
