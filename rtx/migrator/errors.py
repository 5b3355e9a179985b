"""Failures of a migration run. Each carries the exit status the command ends with.

Scripts rely on the statuses: :data:`MEANINGS` is their one description, shown by
``rtx-migrate --help`` and, word for word, in the README (a test compares them).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

from django.core.management.base import CommandError


class ExitCode(IntEnum):
    SUCCESS = 0
    MIGRATION_FAILED = 1
    USAGE = 2
    DATABASE_UNREACHABLE = 3
    MIGRATION_LOCKED = 4
    TABLE_LOCK_TIMEOUT = 5
    CHECKSUM_MISMATCH = 6
    PENDING = 7
    UNRECOGNISED_DATABASE = 8
    LINT_FAILED = 9
    DATA_VIOLATES_SCHEMA = 10
    FOREIGN_DEPENDENTS = 11
    DATA_LOSS_REFUSED = 12
    DRIFT = 13
    UNSUITABLE_SESSION = 14
    REPLICAS_BEHIND = 15


MEANINGS = {
    ExitCode.SUCCESS: 'Success, including "nothing to do"',
    ExitCode.MIGRATION_FAILED: (
        "A migration failed: an atomic version was not applied (or not reverted); a "
        "non-atomic one may be partly done, as `-status` shows, and the same command finishes it"
    ),
    ExitCode.USAGE: (
        "Bad arguments, a request that cannot be done (an unknown version, nothing to roll "
        "back, an irreversible migration, an invalid registry) or a configuration error"
    ),
    ExitCode.DATABASE_UNREACHABLE: (
        "The database cannot be reached: server down, database missing (the message gives "
        "the `createdb` command), authentication or TLS refused"
    ),
    ExitCode.MIGRATION_LOCKED: (
        "Another migration holds the migration lock; the message names its pid, application "
        "and start"
    ),
    ExitCode.TABLE_LOCK_TIMEOUT: (
        "A lock was still not granted within `lock_timeout` after the retries: an atomic "
        "version was not changed; a non-atomic one may be partly done (`-status` says how far)"
    ),
    ExitCode.CHECKSUM_MISMATCH: "An applied version's migration files were edited",
    ExitCode.PENDING: "`-status -check`: versions are pending",
    ExitCode.UNRECOGNISED_DATABASE: (
        "A Go-built database that cannot be adopted (its tables differ from the Go tool's "
        "version 1), or `-down`/`-version` on one not adopted yet: refused, nothing changed"
    ),
    ExitCode.LINT_FAILED: "`-lint` found problems",
    ExitCode.DATA_VIOLATES_SCHEMA: (
        "Adoption found rows outside the value sets our CHECKs add (listed with an `UPDATE` "
        "each): refused, nothing changed"
    ),
    ExitCode.FOREIGN_DEPENDENTS: (
        "Objects of another owner (foreign key, view, materialized view, trigger, policy) "
        "depend on what the run would drop: refused, nothing changed; each is listed with the "
        "statement that detaches it"
    ),
    ExitCode.DATA_LOSS_REFUSED: (
        "`ENVIRONMENT=production` and the run would drop tables or columns holding rows: "
        "refused without `-allow-data-loss`, nothing changed; the rows are listed"
    ),
    ExitCode.DRIFT: (
        "Drift: objects of recorded versions are missing, INVALID or changed (`-status` lists "
        "them); a run refuses before changing anything, or after, if it could not finish them"
    ),
    ExitCode.UNSUITABLE_SESSION: (
        "The connection is not a session of its own on the primary: a hot standby, or a "
        "pooler (use `RTX_MIGRATE_DATABASE_URL`; `DB_POOL_MODE=session` declares a session "
        "pooler): refused before any change, or before the next version if the migration lock "
        "was lost (the message names the versions done)"
    ),
    ExitCode.REPLICAS_BEHIND: (
        "`-wait-replicas`: a standby had not replayed the newest schema change in time (the "
        "change itself is done)"
    ),
}


class MigratorError(Exception):
    exit_code = ExitCode.MIGRATION_FAILED


class RequestRefused(MigratorError):
    """The request cannot be carried out as asked (unknown version, nothing to roll back, ...)."""

    exit_code = ExitCode.USAGE


class RegistryInvalid(MigratorError):
    """The version registry does not match the migrations on disk."""

    exit_code = ExitCode.USAGE


class DatabaseUnreachable(MigratorError):
    exit_code = ExitCode.DATABASE_UNREACHABLE


class MigrationLocked(MigratorError):
    exit_code = ExitCode.MIGRATION_LOCKED


class TableLockTimeout(MigratorError):
    exit_code = ExitCode.TABLE_LOCK_TIMEOUT


class ChecksumMismatch(MigratorError):
    exit_code = ExitCode.CHECKSUM_MISMATCH


class MigrationFailed(MigratorError):
    exit_code = ExitCode.MIGRATION_FAILED


class UnrecognisedDatabase(MigratorError):
    """The database holds a schema this tool did not build and will not touch."""

    exit_code = ExitCode.UNRECOGNISED_DATABASE


class DataViolatesSchema(MigratorError):
    """Existing rows break a constraint the migration would add; they must be fixed first."""

    exit_code = ExitCode.DATA_VIOLATES_SCHEMA


class ForeignDependents(MigratorError):
    """Objects of another owner depend on what the plan would drop; nothing was changed."""

    exit_code = ExitCode.FOREIGN_DEPENDENTS


class DataLossRefused(MigratorError):
    """In production, a plan that drops rows needs -allow-data-loss; nothing was changed."""

    exit_code = ExitCode.DATA_LOSS_REFUSED


class DriftFound(MigratorError):
    """Objects of recorded versions are missing, INVALID or changed in the live catalog."""

    exit_code = ExitCode.DRIFT


class UnsuitableSession(MigratorError):
    """A hot standby, or a pooler that hands out server connections per transaction."""

    exit_code = ExitCode.UNSUITABLE_SESSION


class ReplicasBehind(MigratorError):
    """A standby did not replay the newest schema change within -wait-replicas."""

    exit_code = ExitCode.REPLICAS_BEHIND


@contextmanager
def as_command_errors() -> Iterator[None]:
    """In a management command: a migrator failure becomes a one-line CommandError.

    Database errors that get past the migrator are the entry point's (rtx.cli) to report.
    """
    try:
        yield
    except MigratorError as error:
        raise CommandError(str(error), returncode=error.exit_code) from None
