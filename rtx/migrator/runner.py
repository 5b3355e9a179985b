"""Planning and applying versions: the work behind every ``rtx_migrate`` verb.

A version moves as one unit. Its Django migrations and its ``schema_migrations`` row
commit in one transaction, or nothing of it does. A version whose only migration is
non-atomic (``CREATE INDEX CONCURRENTLY``) runs outside a transaction, and its row is
written once it has succeeded. Progress goes to a callback; nothing here prints.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg.errors
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.recorder import MigrationRecorder

from rtx.db import timescale
from rtx.migrator import lock, mirror
from rtx.migrator.adoption import Adoption
from rtx.migrator.checksum import version_checksum
from rtx.migrator.database import describe
from rtx.migrator.errors import (
    ChecksumMismatch,
    MigrationFailed,
    RegistryInvalid,
    RequestRefused,
    TableLockTimeout,
    UnrecognisedDatabase,
)
from rtx.migrator.events import Progress
from rtx.migrator.impact import Impact, Loss, assess
from rtx.migrator.registry import Registry, Version, join_key
from rtx.migrator.status import Status, VersionState, current_version
from rtx.migrator.timezone import legacy_zone

Plan = list[tuple[Migration, bool]]


@dataclass(frozen=True)
class Step:
    version: Version
    backwards: bool
    plan: Plan

    @property
    def atomic(self) -> bool:
        return all(migration.atomic for migration, _ in self.plan)

    @property
    def verb(self) -> str:
        return "Reverting" if self.backwards else "Applying"


@dataclass(frozen=True)
class StepStarted:
    step: Step
    losses: tuple[Loss, ...] = ()


@dataclass(frozen=True)
class MigrationDone:
    migration: str
    backwards: bool
    seconds: float
    faked: bool = False


@dataclass(frozen=True)
class StepDone:
    step: Step
    seconds: float


Event = StepStarted | MigrationDone | StepDone | Progress


@dataclass(frozen=True)
class Timeouts:
    """How long DDL may wait for a table lock, and run, before PostgreSQL cancels it."""

    lock_timeout: str = "5s"
    statement_timeout: str = "15min"


class Migrator:
    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        registry: Registry,
        *,
        report: Callable[[Event], None] = lambda event: None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.connection = connection
        self.registry = registry
        self.report = report
        self.timeouts = timeouts or Timeouts()
        self._current_migration: str | None = None
        self._migration_started = 0.0

    # -- reading -------------------------------------------------------------------

    def loader(self) -> MigrationLoader:
        return MigrationLoader(self.connection)

    def status(self) -> Status:
        loader = self.loader()
        applied = loader.applied_migrations or {}
        rows = mirror.read_rows(self.connection)
        versions = [
            self._version_state(version, applied, rows, loader)
            for version in self.registry.versions
        ]
        running = lock.holder(self.connection)
        with self.connection.cursor() as cursor:
            timescaledb = timescale.state(cursor)
            zone = legacy_zone(cursor, settings.RTX_LEGACY_TIME_ZONE)
        go_database = any(
            version.checksum == "not recorded" and version.state != "applied"
            for version in versions
        )
        return Status(
            database=describe(self.connection),
            current=current_version(
                self.registry, {v.number for v in versions if v.state == "applied"}
            ),
            latest=self.registry.latest,
            versions=versions,
            foreign_versions=[
                {"version": row.version, "name": row.name, "applied_at": row.applied_at}
                for number, row in rows.items()
                if not self.registry.knows(number)
            ],
            running=running.describe() if running else None,
            problems=self.registry.problems(loader),
            go_database=go_database,
            legacy_time_zone=zone.describe() if go_database else None,
            legacy_time_zone_warning=zone.warning() if go_database else None,
            timescaledb={
                "in_use": timescaledb.unusable_because is None,
                "reason": timescaledb.unusable_because,
                "installed": timescaledb.installed,
                "available": timescaledb.available,
                "preloaded": timescaledb.preloaded,
                "hypertables": list(timescaledb.hypertables),
                "summary": timescaledb.describe(),
            },
        )

    def _version_state(
        self,
        version: Version,
        applied: Any,
        rows: dict[int, mirror.MirrorRow],
        loader: MigrationLoader,
    ) -> VersionState:
        done = sum(1 for key in version.keys if key in applied)
        state = "applied" if done == len(version.keys) else "partial" if done else "pending"
        result = VersionState(version.number, version.name, state, list(version.migrations), done)
        row = rows.get(version.number)
        if row is not None:
            result.applied_at = row.applied_at
            result.duration_ms = row.duration_ms
            result.applied_by = row.applied_by
            result.applied_with = row.applied_with
            if row.written_by_go_tool:
                result.checksum = "not recorded"
            elif row.checksum == version_checksum(version, loader):
                result.checksum = "ok"
            else:
                result.checksum = "changed"
        return result

    # -- planning ------------------------------------------------------------------

    def plan(self, target: int, *, assume_applied: tuple[Version, ...] = ()) -> list[Step]:
        """The steps from the database's state to exactly version ``target``.

        ``assume_applied`` plans as if those versions were applied (a dry run of adoption).
        """
        if target != 0:
            self.registry.get(target)
        loader = self.loader()
        self.registry.check(loader)
        executor = MigrationExecutor(self.connection)
        applied = dict(executor.loader.applied_migrations or {})
        for version in assume_applied:
            applied.update({key: loader.graph.nodes[key] for key in version.keys})
        steps = []
        for version in self.registry.versions:
            if version.number <= target:
                steps += self._step(executor, applied, version, backwards=False)
        for version in reversed(self.registry.versions):
            if version.number > target:
                steps += self._step(executor, applied, version, backwards=True)
        return steps

    def _step(
        self,
        executor: MigrationExecutor,
        applied: dict[tuple[str, str], Any],
        version: Version,
        *,
        backwards: bool,
    ) -> list[Step]:
        touched = [key for key in version.keys if key in applied]
        if (backwards and not touched) or (not backwards and len(touched) == len(version.keys)):
            return []
        apps = {key[0] for key in version.keys}
        state_of = version.number - 1 if backwards else version.number
        executor.loader.applied_migrations = applied
        plan = executor.migration_plan(self.registry.targets(state_of, apps))
        verb = "revert" if backwards else "apply"
        for migration, direction in plan:
            key = (migration.app_label, migration.name)
            owner = self.registry.version_of(key)
            if owner is not version or direction != backwards:
                raise RegistryInvalid(
                    f"to {verb} version {version.label}, Django would also {verb} "
                    f"{join_key(key)} of version {owner.number if owner else '(none)'}; "
                    "fix the dependencies between the versions"
                )
            if backwards:
                self._refuse_irreversible(version, migration)
                applied.pop(key, None)
            else:
                applied[key] = migration
        return [Step(version, backwards, plan)]

    @staticmethod
    def _refuse_irreversible(version: Version, migration: Migration) -> None:
        for operation in migration.operations:
            if not operation.reversible:
                raise RequestRefused(
                    f"version {version.label} cannot be rolled back: migration "
                    f"{migration.app_label}.{migration.name} has an irreversible operation "
                    f"({operation.describe()}); nothing was changed"
                )

    def sql(self, step: Step) -> list[tuple[str, list[str]]]:
        """The SQL each migration of a step would run, for ``-dry-run``.

        One migration at a time, as ``sqlmigrate`` does: the loader builds each one's
        starting state from the graph, which is right in both directions.
        """
        loader = self.loader()
        return [
            (
                f"{migration.app_label}.{migration.name}",
                # collect_sql() is what sqlmigrate uses; django-stubs does not declare it.
                loader.collect_sql([(migration, backwards)]),  # type: ignore[attr-defined]
            )
            for migration, backwards in step.plan
        ]

    # -- changing ------------------------------------------------------------------

    def init(self) -> None:
        """Create Django's and the legacy tracking tables; safe to repeat."""
        MigrationRecorder(self.connection).ensure_schema()
        mirror.ensure_table(self.connection)

    def refuse_unsafe(self, status: Status, *, adopting: bool = False) -> None:
        """Stop before changing a database whose history this tool cannot vouch for."""
        if status.go_database and not adopting:
            raise UnrecognisedDatabase(
                "this database was built by the Go migration tool and is not adopted yet: "
                "run rtx-migrate -up first (-up -dry-run shows what adoption does); nothing "
                "was changed"
            )
        changed = [version for version in status.versions if version.checksum == "changed"]
        if changed:
            version = changed[0]
            raise ChecksumMismatch(
                f"version {version.label} was edited after it was applied "
                "(its checksum no longer matches schema_migrations): restore its migration "
                "files as deployed and put the change in a new version; nothing was changed"
            )

    def prepare(self, *, adopt: bool = False) -> Status:
        """Check safety before touching anything, then set up tracking and session limits.

        With ``adopt``, a database built by the Go tool is adopted first (see
        :mod:`rtx.migrator.adoption`).
        """
        status = self.status()
        self.refuse_unsafe(status, adopting=adopt)
        self._set_session_limits()
        if status.go_database:
            self.adopt()
            status = self.status()
        self.init()
        mirror.sync(self.connection, self.registry, self.loader())
        return status

    def adopt(self) -> None:
        """Convert a Go-built database and record version 1, in one transaction."""
        first = self.registry.versions[0]
        loader = self.loader()
        adoption = Adoption(
            self.connection, configured_zone=settings.RTX_LEGACY_TIME_ZONE, report=self.report
        )
        started = time.monotonic()
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                adoption.convert(cursor, loader)
            executor = MigrationExecutor(self.connection, progress_callback=self._progress)
            plan = executor.migration_plan(
                self.registry.targets(first.number, {k[0] for k in first.keys})
            )
            executor.migrate([], plan=plan, fake_initial=True)
            mirror.ensure_table(self.connection)
            mirror.adopt(
                self.connection,
                first,
                checksum=version_checksum(first, self.loader()),
                duration_ms=round((time.monotonic() - started) * 1000),
            )

    def _set_session_limits(self) -> None:
        with self.connection.cursor() as cursor:
            for name, value in (
                ("lock_timeout", self.timeouts.lock_timeout),
                ("statement_timeout", self.timeouts.statement_timeout),
                # PostgreSQL 14+: a killed rtx_migrate must not leave its backend running DDL.
                ("client_connection_check_interval", "1s"),
            ):
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])

    def impact(self, steps: list[Step]) -> Impact:
        """What ``steps`` would drop, counted and checked for other owners' objects."""
        plan = [pair for step in steps for pair in step.plan]
        return assess(self.connection, self.loader(), plan, self.registry.triggers())

    def run(self, steps: list[Step], *, refuse_data_loss: bool = False) -> None:
        impact = self.impact(steps)
        impact.check(refuse_data_loss=refuse_data_loss)
        for step in steps:
            self._run_step(step, impact.of(step.plan))
        self.complete_bookkeeping()

    def complete_bookkeeping(self) -> None:
        """What ``manage.py migrate`` does last, after every run, even one with nothing to do.

        Content types and permissions for the applied state (Django's post_migrate); a
        process killed between its last version and this step leaves them missing, and
        the next run puts them back. Nothing to do before version 1's Django tables exist.
        """
        loader = self.loader()
        applied = [key for key in loader.applied_migrations or {} if key in loader.graph.nodes]
        if not {("contenttypes", "0001_initial"), ("auth", "0001_initial")} <= set(applied):
            return
        state = loader.project_state(applied, at_end=True)
        emit_post_migrate_signal(0, False, self.connection.alias, apps=state.apps, plan=None)

    def _run_step(self, step: Step, step_losses: list[Loss]) -> None:
        self.report(StepStarted(step, tuple(step_losses)))
        started = time.monotonic()
        self._current_migration = None
        executor = MigrationExecutor(self.connection, progress_callback=self._progress)
        if not step.atomic and not step.backwards:
            self._drop_invalid_indexes(step)
        try:
            if step.atomic:
                with transaction.atomic(using=self.connection.alias):
                    executor.migrate([], plan=step.plan)
                    self._record(step, started)
            else:
                executor.migrate([], plan=step.plan)
                with transaction.atomic(using=self.connection.alias):
                    self._record(step, started)
        except Exception as error:
            raise self._failure(step, error) from error
        self.report(StepDone(step, time.monotonic() - started))

    def _drop_invalid_indexes(self, step: Step) -> None:
        """Drop what an earlier, failed CONCURRENTLY build of this step left INVALID."""
        names = [
            operation.index.name
            for migration, _ in step.plan
            for operation in migration.operations
            if isinstance(operation, AddIndexConcurrently)
        ]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE NOT i.indisvalid AND c.relname = ANY(%s)",
                [names],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
                self.report(Progress(f"dropped INVALID index {name} left by a failed build"))

    def _record(self, step: Step, started: float) -> None:
        if step.backwards:
            mirror.remove(self.connection, step.version)
        else:
            mirror.record(
                self.connection,
                step.version,
                checksum=version_checksum(step.version, self.loader()),
                duration_ms=round((time.monotonic() - started) * 1000),
                applied_with="rtx_migrate",
            )

    def _progress(
        self, action: str, migration: Migration | None = None, fake: bool | None = None, /
    ) -> None:
        if migration is None:
            return
        key = f"{migration.app_label}.{migration.name}"
        if action.endswith("_start"):
            self._current_migration = key
            self._migration_started = time.monotonic()
        elif action.endswith("_success"):
            self.report(
                MigrationDone(
                    key,
                    action.startswith("unapply"),
                    time.monotonic() - self._migration_started,
                    faked=bool(fake),
                )
            )

    def _failure(self, step: Step, error: Exception) -> Exception:
        where = f"migration {self._current_migration}" if self._current_migration else "bookkeeping"
        verb = "revert" if step.backwards else "apply"
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        outcome = (
            f"nothing of version {step.version.number} was changed"
            if step.atomic
            else "the migration is not atomic: look for INVALID indexes "
            "(SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid), drop them, "
            "and run again"
        )
        if isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
            return TableLockTimeout(
                f"could not {verb} version {step.version.label}: {where} waited longer than "
                f"lock_timeout ({self.timeouts.lock_timeout}) for a table lock; {outcome}. "
                "Retry when traffic allows, or raise RTX_LOCK_TIMEOUT"
            )
        if isinstance(error, DatabaseError) or isinstance(error.__cause__, psycopg.Error):
            return MigrationFailed(
                f"could not {verb} version {step.version.label}: "
                f"{where} failed: {detail}; {outcome}"
            )
        return MigrationFailed(
            f"could not {verb} version {step.version.label}: {where} raised "
            f"{type(error).__name__}: {detail}; {outcome}"
        )
