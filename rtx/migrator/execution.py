"""Running one step: one version's migrations in one direction, recorded with it.

An atomic version runs in one transaction with its ``schema_migrations`` row and its
history entry: all of it commits, or nothing. A non-atomic version (``CONCURRENTLY``)
cannot: its history entry is committed first and finished last, its row written once it
has succeeded, so a failure or a kill half-way leaves an unfinished entry that ``-status``
reads, and the same command run again finishes the step (its statements are repeatable:
``IF NOT EXISTS``/``IF EXISTS``, and INVALID leftovers of a failed build are dropped first).
"""

import contextlib
import time
from collections.abc import Callable

import psycopg.errors
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration

from rtx.migrator import history, mirror
from rtx.migrator.checksum import version_checksum
from rtx.migrator.database import first_line
from rtx.migrator.errors import MigrationFailed, MigratorError, TableLockTimeout
from rtx.migrator.events import Progress
from rtx.migrator.steps import Event, MigrationDone, MigrationStarted, Step


class MigrationProgress:
    """Django's executor callback: reports each migration as it finishes, with its time."""

    def __init__(self, report: Callable[[Event], None]) -> None:
        self.report = report
        self.current: str | None = None
        self._started = 0.0

    def __call__(
        self, action: str, migration: Migration | None = None, fake: bool | None = None, /
    ) -> None:
        if migration is None:
            return
        key = f"{migration.app_label}.{migration.name}"
        if action.endswith("_start"):
            self.current = key
            self._started = time.monotonic()
            self.report(MigrationStarted(migration, action.startswith("unapply")))
        elif action.endswith("_success"):
            self.report(
                MigrationDone(
                    key,
                    action.startswith("unapply"),
                    time.monotonic() - self._started,
                    faked=bool(fake),
                )
            )


class StepExecution:
    """One attempt at one step; reports each migration as it finishes."""

    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        step: Step,
        report: Callable[[Event], None],
        *,
        lock_timeout: str,
    ) -> None:
        self.connection = connection
        self.step = step
        self.report = report
        self.lock_timeout = lock_timeout
        self.progress = MigrationProgress(report)

    def run(self) -> None:
        step = self.step
        started = time.monotonic()
        if step.atomic:
            try:
                with transaction.atomic(using=self.connection.alias):
                    entry = history.begin(
                        self.connection, step.version.number, step.version.name, step.action
                    )
                    self._migrate()
                    self._record(started)
                    history.finish(self.connection, entry, "done")
            except Exception as error:
                failure = self.failure(error)
                self._note_failed_attempt(failure)
                raise failure from error
            history.note_commit_lsn(self.connection, entry)
            return
        entry = history.begin(self.connection, step.version.number, step.version.name, step.action)
        try:
            if not step.backwards:
                self._drop_invalid_indexes()
            self._migrate()
            with transaction.atomic(using=self.connection.alias):
                self._record(started)
                history.finish(self.connection, entry, "done")
        except Exception as error:
            failure = self.failure(error)
            history.finish(self.connection, entry, "failed", str(failure))
            raise failure from error
        history.note_commit_lsn(self.connection, entry)

    def _note_failed_attempt(self, failure: MigratorError) -> None:
        """The rolled-back attempt's entry, written after the rollback; best effort."""
        # Where the connection is gone, the failure is reported all the same.
        with contextlib.suppress(DatabaseError):
            history.ended(
                self.connection,
                self.step.version.number,
                self.step.version.name,
                self.step.action,
                "failed",
                detail=str(failure),
            )

    def _migrate(self) -> None:
        if self.step.completes:
            self._complete()
            return
        executor = MigrationExecutor(self.connection, progress_callback=self.progress)
        executor.migrate([], plan=self.step.plan)

    def _complete(self) -> None:
        """Run an applied version's migrations again, changing no record."""
        loader = MigrationLoader(self.connection)
        for migration, _ in self.step.plan:
            key = (migration.app_label, migration.name)
            self.progress("apply_start", migration)
            state = loader.project_state(key, at_end=False)
            with self.connection.schema_editor(atomic=migration.atomic) as editor:
                migration.apply(state, editor)
            self.progress("apply_success", migration)

    def _drop_invalid_indexes(self) -> None:
        """Drop what an earlier, failed CONCURRENTLY build of this step left INVALID."""
        names = [
            operation.index.name
            for migration, _ in self.step.plan
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
                self.report(
                    Progress(f"dropped INVALID index {name} left by a failed build or drop")
                )

    def _record(self, started: float) -> None:
        step = self.step
        if step.completes:
            return
        if step.backwards:
            mirror.remove(self.connection, step.version)
        else:
            mirror.record(
                self.connection,
                step.version,
                checksum=version_checksum(step.version, MigrationLoader(self.connection)),
                duration_ms=round((time.monotonic() - started) * 1000),
                applied_with="rtx_migrate",
            )

    def outcome(self) -> str:
        """What a failure of this step leaves behind, in words an operator can act on."""
        number = self.step.version.number
        if self.step.atomic:
            return f"nothing of version {number} was changed"
        return (
            f"version {number} is not atomic and may be partly done: rtx-migrate -status "
            "says how far, and the same command run again finishes it"
        )

    def failure(self, error: Exception) -> MigratorError:
        if isinstance(error, MigratorError):
            return error
        step = self.step
        current = self.progress.current
        where = f"migration {current}" if current else "bookkeeping"
        verb = step.action
        detail = first_line(error)
        if isinstance(error.__cause__, psycopg.errors.LockNotAvailable) or isinstance(
            error, psycopg.errors.LockNotAvailable
        ):
            return TableLockTimeout(
                f"could not {verb} version {step.version.label}: {where} waited longer than "
                f"lock_timeout ({self.lock_timeout}) for a lock; {self.outcome()}"
            )
        if isinstance(error, DatabaseError) or isinstance(error.__cause__, psycopg.Error):
            return MigrationFailed(
                f"could not {verb} version {step.version.label}: {where} failed: {detail}; "
                f"{self.outcome()}"
            )
        return MigrationFailed(
            f"could not {verb} version {step.version.label}: {where} raised "
            f"{type(error).__name__}: {detail}; {self.outcome()}"
        )
