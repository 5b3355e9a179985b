"""Reading a database's state: its records, its catalog against the versions' promises.

Everything here only reads, with queries a role with CONNECT and SELECT may run; what such
a role cannot see is said in ``Status.unchecked`` instead of failing.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

from rtx.db import timescale
from rtx.migrator import history, lock, mirror, replication, session
from rtx.migrator.checksum import version_checksum
from rtx.migrator.database import describe
from rtx.migrator.drift import Drift, find_drift
from rtx.migrator.promises import is_atomic, promised_index_count, promises
from rtx.migrator.registry import Registry, Version
from rtx.migrator.status import (
    APPLIED,
    DRIFTED,
    PARTIAL,
    PARTLY_APPLIED,
    PARTLY_REVERTED,
    PENDING,
    Status,
    VersionState,
    current_version,
)
from rtx.migrator.timezone import legacy_zone


def inspect(connection: BaseDatabaseWrapper, registry: Registry, loader: MigrationLoader) -> Status:
    applied_keys = loader.applied_migrations or {}
    rows = mirror.read_rows(connection)
    done = {
        version.number: sum(1 for key in version.keys if key in applied_keys)
        for version in registry.versions
    }
    recorded = {number for number, count in done.items() if count == len(registry.get(number).keys)}
    with connection.cursor() as cursor:
        timescaledb = timescale.state(cursor)
        entries = history.latest(cursor)
        go_database = any(
            row.written_by_go_tool and number not in recorded
            for number, row in rows.items()
            if registry.knows(number)
        )
        zone = legacy_zone(cursor, settings.RTX_LEGACY_TIME_ZONE) if go_database else None
        drift: list[Drift] = []
        if not go_database:
            promised = promises(connection, loader, registry, recorded)
            drift = find_drift(cursor, promised)
    versions = [
        _version_state(version, done[version.number], rows.get(version.number), loader)
        for version in registry.versions
    ]
    for state in versions:
        _judge(state, registry.get(state.number), loader, drift, entries.get(state.number))
    running = lock.holder(connection)
    with connection.cursor() as cursor:
        replicas = _replication(cursor)
    return Status(
        database=describe(connection),
        current=current_version(registry, {v.number for v in versions if v.state == APPLIED}),
        latest=registry.latest,
        versions=versions,
        foreign_versions=[
            {"version": row.version, "name": row.name, "applied_at": row.applied_at}
            for number, row in rows.items()
            if not registry.knows(number)
        ],
        running=running.describe() if running else None,
        problems=registry.problems(loader),
        go_database=go_database,
        legacy_time_zone=zone.describe() if zone else None,
        legacy_time_zone_warning=zone.warning() if zone else None,
        timescaledb=timescaledb.as_dict(),
        unchecked=list(timescaledb.unchecked) + replicas.unchecked,
        server="standby" if replicas.standby else "primary",
        newest_change=replicas.change.describe() if replicas.change else None,
        standbys=replicas.standbys,
        replayed_newest_change=replicas.replayed,
    )


@dataclass
class Replication:
    standby: bool
    change: replication.Change | None
    standbys: list[str] = field(default_factory=list)
    replayed: bool | None = None
    unchecked: list[str] = field(default_factory=list)


def _replication(cursor: Any) -> Replication:
    """Where this server stands in replication, and its standbys' replay of our newest change."""
    found = Replication(session.is_standby(cursor), replication.newest_change(cursor))
    if found.change is None:
        return found
    if found.standby:
        found.replayed = replication.standby_has_replayed(cursor, found.change)
    elif replication.may_read_positions(cursor):
        found.standbys = [
            standby.describe(found.change) for standby in replication.standbys(cursor, found.change)
        ]
    else:
        found.unchecked.append(
            "the standbys' replay positions need pg_read_all_stats (or pg_monitor)"
        )
    return found


def _version_state(
    version: Version, done: int, row: mirror.MirrorRow | None, loader: MigrationLoader
) -> VersionState:
    state = APPLIED if done == len(version.keys) else PARTIAL if done else PENDING
    result = VersionState(version.number, version.name, state, list(version.migrations), done)
    if row is not None:
        result.applied_at = row.applied_at
        result.duration_ms = row.duration_ms
        result.applied_by = row.applied_by
        result.applied_with = row.applied_with
        result.reason = row.reason
        if row.written_by_go_tool:
            result.checksum = "not recorded"
        elif row.checksum == version_checksum(version, loader):
            result.checksum = "ok"
        else:
            result.checksum = "changed"
    return result


def _judge(
    state: VersionState,
    version: Version,
    loader: MigrationLoader,
    drift: list[Drift],
    entry: history.Entry | None,
) -> None:
    """Set the state a version's catalog objects show, beyond what its records say."""
    mine = [found for found in drift if found.promise.version == version.number]
    if not mine or state.state == PARTIAL:
        return
    if is_atomic(version, loader):
        if state.state != APPLIED:
            return  # what a version not applied lacks is simply pending
        state.state = DRIFTED
        state.detail = f"{len(mine)} {'object' if len(mine) == 1 else 'objects'} missing or changed"
        state.drift = [found.describe() for found in mine]
        return
    total = promised_index_count(version, loader)
    missing = sum(1 for found in mine if found.problem == "missing")
    invalid = [found for found in mine if found.problem != "missing"]
    invalid_note = f", {len(invalid)} INVALID" if invalid else ""
    if state.state == PENDING:
        if missing == total:
            return  # nothing of it was built: simply pending
        state.state = PARTLY_APPLIED
        state.detail = f"{total - missing - len(invalid)} of {total} indexes built{invalid_note}"
        state.drift = [found.describe() for found in invalid]
        return
    state.drift = [found.describe() for found in mine]
    if entry is not None and entry.action == "revert" and entry.interrupted:
        state.state = PARTLY_REVERTED
        state.detail = f"{missing} of {total} indexes dropped{invalid_note}"
    else:
        state.state = DRIFTED
        state.detail = f"{missing} of {total} indexes missing{invalid_note}"
