"""Failures of a migration run. Each carries the exit status the command ends with.

The statuses are documented in the README ("Exit codes"); scripts rely on them.
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


@contextmanager
def as_command_errors() -> Iterator[None]:
    """In a management command: a migrator failure becomes a one-line CommandError.

    Database errors that get past the migrator are the entry point's (rtx.cli) to report.
    """
    try:
        yield
    except MigratorError as error:
        raise CommandError(str(error), returncode=error.exit_code) from None
