"""The ``schema_migrations`` table: the legacy record of applied versions, kept right.

Invariant: a row for one of our versions means every Django migration of that version
is applied. ``rtx_migrate`` writes the row in the transaction that applies the version;
after a plain ``manage.py migrate`` :func:`sync_after_migrate` brings the table in line.

The legacy columns (version, name, applied_at) keep their exact shape so existing
queries and dashboards work; the columns after them are what a mature tool records.
Rows for versions this code does not know (the Go tool's version 7) are never touched.
A row without a checksum was written by the Go tool and is never removed here.

``applied_at`` is a legacy ``TIMESTAMP`` (no zone): the Go tool's rows hold the wall-clock
time of its session's TimeZone, which is the database's. Ours are written on that same
basis (``now()`` in the database's TimeZone, :mod:`rtx.migrator.timezone`) and every row
is read back as an instant in that zone, so the column never mixes two bases.
"""

import getpass
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from rtx.db.relations import relation_exists
from rtx.migrator.checksum import version_checksum
from rtx.migrator.registry import Registry, Version
from rtx.migrator.timezone import database_zone

TABLE = "schema_migrations"

CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    version BIGINT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""
ADD_COLUMNS = f"""
ALTER TABLE {TABLE}
    ADD COLUMN IF NOT EXISTS checksum VARCHAR(64),
    ADD COLUMN IF NOT EXISTS duration_ms BIGINT,
    ADD COLUMN IF NOT EXISTS applied_by VARCHAR(255),
    ADD COLUMN IF NOT EXISTS applied_host VARCHAR(255),
    ADD COLUMN IF NOT EXISTS applied_with VARCHAR(50),
    ADD COLUMN IF NOT EXISTS reason TEXT
"""
COMMENTS = {
    "checksum": "SHA-256 of the version's migration files when applied (NULL: Go tool)",
    "duration_ms": "How long the version took to apply, in milliseconds",
    "applied_by": "Operating-system user and database role that applied the version",
    "applied_host": "Host the applying process ran on",
    "applied_with": "rtx_migrate, adoption, mark-applied, or migrate for a plain manage.py migrate",
    "reason": "Why the version was recorded by hand (rtx-migrate -mark-applied -reason)",
}


@dataclass(frozen=True)
class MirrorRow:
    version: int
    name: str
    applied_at: datetime
    checksum: str | None
    duration_ms: int | None
    applied_by: str | None
    applied_host: str | None
    applied_with: str | None
    reason: str | None = None

    @property
    def written_by_go_tool(self) -> bool:
        return self.checksum is None


def ensure_table(connection: BaseDatabaseWrapper) -> None:
    """Create the table, or add our columns to a legacy one; safe to repeat."""
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        cursor.execute(ADD_COLUMNS)
        for column, comment in COMMENTS.items():
            cursor.execute(f"COMMENT ON COLUMN {TABLE}.{column} IS %s", [comment])


def table_exists(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        return relation_exists(cursor, TABLE)


def has_column(connection: BaseDatabaseWrapper, column: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = %s",
            [TABLE, column],
        )
        return cursor.fetchone() is not None


def read_rows(connection: BaseDatabaseWrapper) -> dict[int, MirrorRow]:
    if not table_exists(connection):
        return {}
    if not has_column(connection, "checksum"):
        ours = "NULL, NULL, NULL, NULL, NULL, NULL"
    elif not has_column(connection, "reason"):
        ours = "checksum, duration_ms, applied_by, applied_host, applied_with, NULL"
    else:
        ours = "checksum, duration_ms, applied_by, applied_host, applied_with, reason"
    with connection.cursor() as cursor:
        zone = database_zone(cursor).name
        cursor.execute(
            f"SELECT version, name, applied_at AT TIME ZONE %s, {ours} FROM {TABLE} "
            "ORDER BY version",
            [zone],
        )
        return {row[0]: MirrorRow(*row) for row in cursor.fetchall()}


def applier(connection: BaseDatabaseWrapper) -> str:
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = "unknown"
    return f"{os_user} as {connection.settings_dict['USER']}"


def record(
    connection: BaseDatabaseWrapper,
    version: Version,
    *,
    checksum: str,
    duration_ms: int | None,
    applied_with: str,
    reason: str | None = None,
) -> None:
    with connection.cursor() as cursor:
        zone = database_zone(cursor).name
        cursor.execute(
            f"INSERT INTO {TABLE} (version, name, applied_at, checksum, duration_ms, "
            "applied_by, applied_host, applied_with, reason) "
            "VALUES (%s, %s, now() AT TIME ZONE %s, %s, %s, %s, %s, %s, %s)",
            [
                version.number,
                version.name,
                zone,
                checksum,
                duration_ms,
                applier(connection),
                socket.gethostname(),
                applied_with,
                reason,
            ],
        )


def adopt(
    connection: BaseDatabaseWrapper, version: Version, *, checksum: str, duration_ms: int
) -> None:
    """Vouch for the Go tool's row of ``version``: keep its name and applied_at."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET checksum = %s, duration_ms = %s, applied_by = %s, "
            "applied_host = %s, applied_with = 'adoption' WHERE version = %s",
            [checksum, duration_ms, applier(connection), socket.gethostname(), version.number],
        )


def remove(connection: BaseDatabaseWrapper, version: Version) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE version = %s", [version.number])


def fully_applied(version: Version, applied: Any) -> bool:
    return all(key in applied for key in version.keys)


def sync(connection: BaseDatabaseWrapper, registry: Registry, loader: MigrationLoader) -> None:
    """Make the rows of our versions say exactly which versions are fully applied."""
    ensure_table(connection)
    applied = MigrationRecorder(connection).applied_migrations()
    rows = read_rows(connection)
    for version in registry.versions:
        row = rows.get(version.number)
        if fully_applied(version, applied) and row is None:
            record(
                connection,
                version,
                checksum=version_checksum(version, loader),
                duration_ms=None,
                applied_with="migrate",
            )
        elif row is not None and not row.written_by_go_tool and not fully_applied(version, applied):
            remove(connection, version)


def sync_after_migrate(*, using: str = "default", **kwargs: object) -> None:
    """``post_migrate`` receiver: runs after every ``manage.py migrate``, forward or back."""
    connection = connections[using]
    sync(connection, Registry.from_setting(settings.RTX_VERSIONS), MigrationLoader(connection))
