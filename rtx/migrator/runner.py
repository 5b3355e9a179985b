"""Planning and applying versions: the work behind every ``rtx_migrate`` verb.

A version moves as one unit (:mod:`rtx.migrator.execution`). Before anything changes, a
run checks the database: a Go-built one is adopted or refused, edited migrations are
refused, what the plan would drop is counted and checked for other owners' objects
(:mod:`rtx.migrator.impact`), and the catalog is checked against what the recorded versions
promise (:mod:`rtx.migrator.drift`): a non-atomic version whose objects a failed or killed
run left missing or INVALID is completed, anything else missing is refused. After the
run the check is made again, so a run never ends well while a recorded object is missing.
Progress goes to a callback; nothing here prints.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.recorder import MigrationRecorder

from rtx.migrator import history, mirror, session
from rtx.migrator.adoption import Adoption
from rtx.migrator.checksum import version_checksum
from rtx.migrator.errors import (
    ChecksumMismatch,
    DriftFound,
    RegistryInvalid,
    RequestRefused,
    TableLockTimeout,
    UnrecognisedDatabase,
)
from rtx.migrator.events import Progress
from rtx.migrator.execution import MigrationProgress, StepExecution
from rtx.migrator.impact import Impact, assess
from rtx.migrator.inspection import inspect
from rtx.migrator.promises import is_atomic
from rtx.migrator.registry import Registry, Version, join_key
from rtx.migrator.retry import Retries
from rtx.migrator.status import DRIFTED, PARTLY_REVERTED, Status
from rtx.migrator.steps import Event, MigrationDone, Step, StepDone, StepStarted
from rtx.migrator.watch import Watch

__all__ = ["Event", "MigrationDone", "Migrator", "Status", "Step", "StepDone", "StepStarted"]

DRIFT_HELP = (
    "python manage.py sqlmigrate APP MIGRATION prints the SQL that makes an object, and "
    "rtx-migrate -mark-applied N (or -mark-pending N) -reason TEXT records a version fixed "
    "by hand"
)


def restore_first(drift: list[str], when: str) -> DriftFound:
    """The refusal of a run over drift: what to restore, then how."""
    listing = "\n".join(f"  {line}" for line in drift)
    return DriftFound(
        f"restore {'this object' if len(drift) == 1 else f'these {len(drift)} objects'} of "
        f"applied versions ({when}), then run again; {DRIFT_HELP}:\n{listing}"
    )


@dataclass(frozen=True)
class Timeouts:
    """How long DDL may wait for a lock, and run, before PostgreSQL cancels it."""

    lock_timeout: str = "1s"
    statement_timeout: str = "15min"


class Migrator:
    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        registry: Registry,
        *,
        report: Callable[[Event], None] = lambda event: None,
        timeouts: Timeouts | None = None,
        retries: Retries | None = None,
        heartbeat: float = 5.0,
        holds_lock: bool = False,
    ) -> None:
        self.connection = connection
        self.registry = registry
        self.report = report
        self.timeouts = timeouts or Timeouts()
        self.retries = retries or Retries()
        self.heartbeat = heartbeat
        # Runs under the migration lock: before each version, check the session still
        # holds it (a pooler in transaction mode may have moved us to another server session).
        self.holds_lock = holds_lock

    # -- reading -------------------------------------------------------------------

    def loader(self) -> MigrationLoader:
        return MigrationLoader(self.connection)

    def status(self) -> Status:
        return inspect(self.connection, self.registry, self.loader())

    # -- planning ------------------------------------------------------------------

    def plan(
        self,
        target: int,
        *,
        status: Status | None = None,
        assume_applied: tuple[Version, ...] = (),
    ) -> list[Step]:
        """The steps from the database's state to exactly version ``target``.

        A recorded non-atomic version that stays and whose objects are missing or INVALID
        is completed in its place; drift that cannot be completed is refused.
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
        completions = self._completions(status, target, loader) if status else {}
        steps = []
        for version in self.registry.versions:
            if version.number <= target:
                steps += completions.get(version.number, [])
                steps += self._step(executor, applied, version, backwards=False)
        for version in reversed(self.registry.versions):
            if version.number > target:
                steps += self._step(executor, applied, version, backwards=True)
        return steps

    def _completions(
        self, status: Status, target: int, loader: MigrationLoader
    ) -> dict[int, list[Step]]:
        """Steps that finish drifted non-atomic versions; a refusal for any other drift."""
        completions: dict[int, list[Step]] = {}
        refused = []
        for state in status.versions:
            if state.state not in (DRIFTED, PARTLY_REVERTED):
                continue
            version = self.registry.get(state.number)
            if not is_atomic(version, loader):
                if state.number <= target:
                    plan = [(loader.graph.nodes[key], False) for key in version.keys]
                    completions[state.number] = [Step(version, False, plan, completes=True)]
                continue  # A revert of it finishes with IF EXISTS.
            refused += state.drift
        if refused:
            raise restore_first(refused, "nothing was changed")
        return completions

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
        """The SQL each migration of a step would run, for ``-dry-run``."""
        loader = self.loader()
        return [
            (f"{migration.app_label}.{migration.name}", self.sql_of(migration, backwards, loader))
            for migration, backwards in step.plan
        ]

    def sql_of(
        self, migration: Migration, backwards: bool, loader: MigrationLoader | None = None
    ) -> list[str]:
        """The SQL of one migration, one way. Alone, as ``sqlmigrate`` does: the loader builds
        its starting state from the graph, which is right in both directions."""
        loader = loader or self.loader()
        # collect_sql() is what sqlmigrate uses; django-stubs does not declare it.
        return loader.collect_sql([(migration, backwards)])  # type: ignore[attr-defined]

    # -- changing ------------------------------------------------------------------

    def init(self) -> None:
        """Create Django's and our tracking tables; safe to repeat."""
        MigrationRecorder(self.connection).ensure_schema()
        mirror.ensure_table(self.connection)
        history.ensure_table(self.connection)

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
        self.init()
        mirror.sync(self.connection, self.registry, self.loader())
        return self.status()

    def adopt(self) -> None:
        """Convert a Go-built database and record version 1, in one transaction."""
        first = self.registry.versions[0]
        loader = self.loader()
        adoption = Adoption(
            self.connection, configured_zone=settings.RTX_LEGACY_TIME_ZONE, report=self.report
        )
        started = time.monotonic()
        with (
            Watch(self.connection, self.report, heartbeat=self.heartbeat),
            transaction.atomic(using=self.connection.alias),
        ):
            mirror.ensure_table(self.connection)
            history.ensure_table(self.connection)
            entry = history.begin(self.connection, first.number, first.name, "adopt")
            with self.connection.cursor() as cursor:
                adoption.convert(cursor, loader)
            executor = MigrationExecutor(
                self.connection, progress_callback=MigrationProgress(self.report)
            )
            plan = executor.migration_plan(
                self.registry.targets(first.number, {k[0] for k in first.keys})
            )
            executor.migrate([], plan=plan, fake_initial=True)
            mirror.adopt(
                self.connection,
                first,
                checksum=version_checksum(first, self.loader()),
                duration_ms=round((time.monotonic() - started) * 1000),
            )
            history.finish(self.connection, entry, "done")
        history.note_commit_lsn(self.connection, entry)

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
        plan = [pair for step in steps if not step.completes for pair in step.plan]
        return assess(self.connection, self.loader(), plan, self.registry.owned())

    def run(self, steps: list[Step], *, refuse_data_loss: bool = False) -> None:
        impact = self.impact(steps)
        impact.check(refuse_data_loss=refuse_data_loss)
        for index, step in enumerate(steps):
            if self.holds_lock:
                session.refuse_lost_lock(self.connection, done=self._so_far(steps[:index], step))
            self._run_with_retries(step, impact)
        self.complete_bookkeeping()
        self.verify()

    @staticmethod
    def _so_far(steps: list[Step], step: Step) -> str:
        """What a run stopped before ``step`` has changed: each step before it is whole."""
        if not steps:
            return session.NOTHING_CHANGED
        done = ", ".join(f"version {before.version.label} {before.done}" for before in steps)
        return (
            f"before stopping, this run left {done}; nothing of version {step.version.label} "
            "was changed"
        )

    def verify(self, status: Status | None = None) -> None:
        """Refuse to end well while an object of a recorded version is missing or INVALID
        (in ``status`` when the catalog has not changed since it was read)."""
        drift = (status or self.status()).drift
        if drift:
            raise restore_first(drift, "the run ended, but they are still missing or changed")

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

    def _run_with_retries(self, step: Step, impact: Impact) -> None:
        """Run ``step``; run it again while a statement times out waiting for a lock."""
        retry = 0
        while True:
            self.report(StepStarted(step, tuple(impact.of(step.plan))))
            started = time.monotonic()
            execution = StepExecution(
                self.connection, step, self.report, lock_timeout=self.timeouts.lock_timeout
            )
            with Watch(self.connection, self.report, heartbeat=self.heartbeat) as watch:
                try:
                    execution.run()
                except TableLockTimeout as error:
                    retry += 1
                    blockers = watch.last_blockers()
                    if retry > self.retries.attempts:
                        raise TableLockTimeout(
                            f"{error} (retried {self.retries.attempts} times; it waited for "
                            f"{blockers}). Retry when that session has finished, or see "
                            "docs/migrations.md on choosing RTX_LOCK_TIMEOUT and "
                            "RTX_LOCK_RETRIES"
                        ) from None
                else:
                    self.report(StepDone(step, time.monotonic() - started))
                    return
            delay = self.retries.delay(retry)
            self.report(
                Progress(
                    f"lock_timeout ({self.timeouts.lock_timeout}) waiting for a lock held by "
                    f"{blockers}; retry {retry} of {self.retries.attempts} in {delay:.1f}s"
                )
            )
            time.sleep(delay)
