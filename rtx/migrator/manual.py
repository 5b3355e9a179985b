"""Recording by hand what an operator did by hand: the seed's "Manual Fix Required", made safe.

After a failed version was fixed with SQL by hand, ``-mark-applied N -reason TEXT`` records
it as applied, and ``-mark-pending N -reason TEXT`` as not applied, like golang-migrate's
``force`` or Flyway's ``repair``, with two differences: it records only what the live
catalog shows (every object version N promises is there and usable, or none of them is),
and it keeps who, when and why (``schema_migrations.reason`` and the history).
"""

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from rtx.migrator import history, mirror
from rtx.migrator.checksum import version_checksum
from rtx.migrator.drift import find_drift
from rtx.migrator.errors import DriftFound, RequestRefused
from rtx.migrator.promises import Promise, promises
from rtx.migrator.registry import Registry, Version
from rtx.migrator.status import Status


def _promised(
    connection: BaseDatabaseWrapper, registry: Registry, status: Status, version: Version
) -> list[Promise]:
    """What ``version`` promises, as if it were applied on top of what is recorded."""
    recorded = {state.number for state in status.versions if state.recorded}
    loader = MigrationLoader(connection)
    every = promises(connection, loader, registry, recorded | {version.number})
    return [promise for promise in every if promise.version == version.number]


def mark_applied(
    connection: BaseDatabaseWrapper, registry: Registry, status: Status, number: int, reason: str
) -> None:
    version = registry.get(number)
    state = status.version(number)
    if state.recorded:
        raise RequestRefused(f"version {version.label} is already recorded as applied")
    earlier = [v.label for v in status.versions if v.number < number and not v.recorded]
    if earlier:
        raise RequestRefused(
            f"versions below {number} must be applied first: {', '.join(earlier)} are not"
        )
    promised = _promised(connection, registry, status, version)
    with connection.cursor() as cursor:
        drift = find_drift(cursor, promised)
    if drift:
        listing = "\n".join(f"  {found.describe()}" for found in drift)
        raise DriftFound(
            f"version {version.label} is not recorded as applied: the catalog does not hold "
            f"what it promises; nothing was changed:\n{listing}"
        )
    loader = MigrationLoader(connection)
    recorder = MigrationRecorder(connection)
    with transaction.atomic(using=connection.alias):
        for app_label, name in version.keys:
            if (app_label, name) not in (loader.applied_migrations or {}):
                recorder.record_applied(app_label, name)
        mirror.record(
            connection,
            version,
            checksum=version_checksum(version, loader),
            duration_ms=None,
            applied_with="mark-applied",
            reason=reason,
        )
        entry = history.ended(
            connection, number, version.name, "mark-applied", "done", reason=reason
        )
    history.note_commit_lsn(connection, entry)


def mark_pending(
    connection: BaseDatabaseWrapper, registry: Registry, status: Status, number: int, reason: str
) -> None:
    version = registry.get(number)
    state = status.version(number)
    if not state.recorded and not state.applied_migrations:
        raise RequestRefused(f"version {version.label} is not recorded as applied")
    later = [v.label for v in status.versions if v.number > number and v.recorded]
    if later:
        raise RequestRefused(
            f"versions above {number} must be reverted or marked pending first: "
            f"{', '.join(later)} are applied"
        )
    promised = _promised(connection, registry, status, version)
    with connection.cursor() as cursor:
        missing = [
            found.promise for found in find_drift(cursor, promised) if found.problem == "missing"
        ]
    gone_tables = {promise.name for promise in missing if promise.kind == "table"}
    present = [
        promise
        for promise in promised
        if promise not in missing
        and promise.table not in gone_tables
        and promise.kind != "extension"  # an extension may serve others: it may stay
    ]
    if present:
        listing = "\n".join(f"  {promise.describe()}: still there" for promise in present)
        raise DriftFound(
            f"version {version.label} is not recorded as pending: objects it creates are "
            f"still in the catalog; nothing was changed:\n{listing}"
        )
    recorder = MigrationRecorder(connection)
    with transaction.atomic(using=connection.alias):
        for app_label, name in version.keys:
            recorder.record_unapplied(app_label, name)
        mirror.remove(connection, version)
        entry = history.ended(
            connection, number, version.name, "mark-pending", "done", reason=reason
        )
    history.note_commit_lsn(connection, entry)
