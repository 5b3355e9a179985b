"""TimescaleDB where the server has it, plain PostgreSQL where it does not.

Two tables grow with every fill and are read by time range: ``trades`` (``executed_at``)
and ``order_history`` (``order_time``). On a server with TimescaleDB preloaded they
become hypertables; elsewhere they stay plain tables and each skipped step logs one
notice. The three other time-stamped tables stay plain on purpose (see docs/timescaledb.md).

A hypertable's unique indexes must contain its time column, so a converted table's
primary key becomes ``(id, <time column>)``. Ids stay unique because they can only come
from the identity sequence: the id column becomes ``GENERATED ALWAYS``. Converting back
(a down migration, on TimescaleDB) rebuilds a plain table with the same rows, names,
constraints, indexes and identity. It leaves the extension itself installed: other data
may use it, and TimescaleDB only drops it as the first command of a session.

Safety: ``CREATE EXTENSION timescaledb`` on a server that has not preloaded the library
ends the session with FATAL, so nothing here tries it unless ``shared_preload_libraries``
names it and the role may create extensions.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.migrations import Migration

from rtx.db.operations import DatabaseOnlyOperation

logger = logging.getLogger("rtx.timescale")


@dataclass(frozen=True)
class Hypertable:
    table: str
    time_column: str
    chunk_interval: str


# As version 4 makes them; later versions change an interval with SetChunkInterval.
HYPERTABLES = (
    Hypertable("trades", "executed_at", "1 day"),
    Hypertable("order_history", "order_time", "7 days"),
)

# shared_preload_libraries is readable only with pg_read_all_settings (or as superuser);
# for other roles it is NULL here, and preloading is inferred from timescaledb.license,
# a setting that exists in every session of a server that preloads the library.
STATE_SQL = """
SELECT
    (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),
    (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'),
    CASE WHEN pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') THEN
        'timescaledb' = ANY(string_to_array(replace(current_setting('shared_preload_libraries'),
                                                    ' ', ''), ','))
    END,
    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
        OR (has_database_privilege(current_database(), 'CREATE')
            AND coalesce((SELECT bool_or(trusted) FROM pg_available_extension_versions
                          WHERE name = 'timescaledb'), false)),
    current_user,
    current_setting('timescaledb.license', true)
"""
# Each hypertable of the schema and the span of the chunks it makes now (its time dimension).
HYPERTABLES_SQL = """
SELECT h.hypertable_name, d.time_interval::text
FROM timescaledb_information.hypertables h
LEFT JOIN timescaledb_information.dimensions d
    ON d.hypertable_schema = h.hypertable_schema AND d.hypertable_name = h.hypertable_name
    AND d.dimension_number = 1
WHERE h.hypertable_schema = current_schema() ORDER BY 1
"""


@dataclass(frozen=True)
class TimescaleState:
    installed: str | None
    available: str | None
    preloaded: bool
    may_create: bool
    role: str
    # 'timescale' (Community edition) or 'apache' (Apache-2 edition: no policies); None
    # where the library is not loaded.
    license: str | None = None
    # Each hypertable and the span of the chunks it makes now, e.g. {"trades": "7 days"}.
    chunk_intervals: dict[str, str] = field(default_factory=dict)
    # What this role could not read, said instead of failing (a SELECT-only role).
    unchecked: tuple[str, ...] = field(default=())

    @property
    def hypertables(self) -> tuple[str, ...]:
        return tuple(self.chunk_intervals)

    @property
    def apache_edition(self) -> bool:
        return self.license == "apache"

    @property
    def unusable_because(self) -> str | None:
        """Why TimescaleDB cannot be used here, or None when it can."""
        if not settings.RTX_TIMESCALEDB:
            return "RTX_TIMESCALEDB is off"
        if self.available is None and self.installed is None:
            return "the server has no timescaledb extension"
        if not self.preloaded:
            return "timescaledb is installed on the server but not in shared_preload_libraries"
        if self.installed is None and not self.may_create:
            return f"role {self.role} may not create the timescaledb extension"
        return None

    def describe(self) -> str:
        reason = self.unusable_because
        if reason:
            return f"not in use ({reason}); time-series tables are plain tables"
        if self.installed is None:
            return f"available ({self.available}), not yet created in this database"
        tables = (
            ", ".join(
                f"{table} (chunks of {interval})"
                for table, interval in self.chunk_intervals.items()
            )
            or "none"
        )
        edition = ", Apache-2 edition: no compression or retention policies"
        return (
            f"active ({self.installed}{edition if self.apache_edition else ''}); "
            f"hypertables: {tables}"
        )

    def as_dict(self) -> dict[str, Any]:
        """What ``-status -json`` shows under ``timescaledb``."""
        return {
            "in_use": self.unusable_because is None,
            "reason": self.unusable_because,
            "installed": self.installed,
            "available": self.available,
            "preloaded": self.preloaded,
            "hypertables": list(self.hypertables),
            "chunk_intervals": dict(self.chunk_intervals),
            "summary": self.describe(),
        }


def state(cursor: Any) -> TimescaleState:
    cursor.execute(STATE_SQL)
    installed, available, preloaded, may_create, role, license = cursor.fetchone()
    unchecked: tuple[str, ...] = ()
    if preloaded is None:
        preloaded = license is not None
        unchecked = (
            f"role {role} may not read shared_preload_libraries (pg_read_all_settings): "
            f"TimescaleDB taken as {'' if preloaded else 'not '}preloaded, from whether its "
            "timescaledb.license setting exists",
        )
    chunk_intervals: dict[str, str] = {}
    if installed and preloaded:
        cursor.execute(HYPERTABLES_SQL)
        chunk_intervals = dict(cursor.fetchall())
    return TimescaleState(
        installed,
        available,
        bool(preloaded),
        bool(may_create),
        role,
        license,
        chunk_intervals,
        unchecked,
    )


# Reasons already told in this process: a plain server is one line per run, not one per table.
_told: set[str] = set()


def usable(current: TimescaleState) -> bool:
    """Whether TimescaleDB can be used; where not, says why, once per process and reason."""
    reason = current.unusable_because
    if reason and reason not in _told:
        _told.add(reason)
        logger.info(
            "TimescaleDB not used (%s): %s stay plain tables; once TimescaleDB is "
            "available, python manage.py rtx_timescale -convert converts them",
            reason,
            " and ".join(item.table for item in HYPERTABLES),
        )
    return reason is None


def convert(cursor: Any, hypertable: Hypertable) -> bool:
    """Make ``hypertable`` a hypertable, keeping its rows; False when TimescaleDB is unusable."""
    current = state(cursor)
    if not usable(current):
        return False
    if hypertable.table in current.hypertables:
        return True
    table, time_column = hypertable.table, hypertable.time_column
    cursor.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    cursor.execute(
        f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey", '
        f'ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, "{time_column}"), '
        "ALTER COLUMN id SET GENERATED ALWAYS"
    )
    cursor.execute(
        "SELECT create_hypertable(%s::regclass, %s, chunk_time_interval => %s::interval, "
        "create_default_indexes => false, migrate_data => true)",
        [table, time_column, hypertable.chunk_interval],
    )
    return True


def revert(cursor: Any, hypertable: Hypertable) -> None:
    """Make a hypertable a plain table again, with its rows, names and identity."""
    table = hypertable.table
    if table not in state(cursor).hypertables:
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary ORDER BY indexrelid",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    plain = f"{table}__plain"
    cursor.execute(
        f'CREATE TABLE "{plain}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING IDENTITY '
        "INCLUDING CONSTRAINTS INCLUDING COMMENTS INCLUDING STORAGE)"
    )
    cursor.execute(f'INSERT INTO "{plain}" OVERRIDING SYSTEM VALUE SELECT * FROM "{table}"')
    cursor.execute(f'DROP TABLE "{table}"')
    cursor.execute(f'ALTER TABLE "{plain}" RENAME TO "{table}"')
    cursor.execute(f'ALTER SEQUENCE "{plain}_id_seq" RENAME TO "{table}_id_seq"')
    cursor.execute(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id), '
        "ALTER COLUMN id SET GENERATED BY DEFAULT"
    )
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for definition in indexes:
        cursor.execute(definition)
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
        f'coalesce((SELECT max(id) FROM "{table}"), 0) + 1, false)'
    )


class ConvertToHypertable(DatabaseOnlyOperation):
    """Migration operation: :func:`convert` forwards, :func:`revert` backwards."""

    @property
    def table(self) -> str:
        return self.name

    @property
    def hypertable(self) -> Hypertable:
        return next(item for item in HYPERTABLES if item.table == self.table)

    def forwards(self, cursor: Any) -> None:
        convert(cursor, self.hypertable)

    def backwards(self, cursor: Any) -> None:
        revert(cursor, self.hypertable)

    def describe(self) -> str:
        return f"Make {self.table} a TimescaleDB hypertable where TimescaleDB is available"


def set_chunk_interval(cursor: Any, table: str, interval: str, *, over: str) -> None:
    """New chunks of ``interval`` where ``table`` is a hypertable making chunks of ``over``.

    Chunks already made keep their span, and no row moves: only the catalog row of the
    table's time dimension changes, and the table itself is not locked. A hypertable whose
    chunks were sized by hand to something else keeps them, and a line says so.
    """
    current = state(cursor)
    if table not in current.hypertables:
        usable(current)  # where TimescaleDB is not in use, one line says why
        return
    now = current.chunk_intervals[table]
    cursor.execute("SELECT %s::interval = %s::interval", [now, over])
    if not cursor.fetchone()[0]:
        logger.info(
            "%s keeps its chunks of %s, sized by hand: only chunks of %s become %s here",
            table,
            now,
            over,
            interval,
        )
        return
    cursor.execute("SELECT set_chunk_time_interval(%s::regclass, %s::interval)", [table, interval])


class SetChunkInterval(DatabaseOnlyOperation):
    """Migration operation: new chunks of ``interval`` forwards, of ``previous`` backwards."""

    def __init__(self, name: str, *, interval: str, previous: str) -> None:
        super().__init__(name)
        self.interval, self.previous = interval, previous

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            type(self).__qualname__,
            [self.name],
            {"interval": self.interval, "previous": self.previous},
        )

    def forwards(self, cursor: Any) -> None:
        set_chunk_interval(cursor, self.name, self.interval, over=self.previous)

    def backwards(self, cursor: Any) -> None:
        set_chunk_interval(cursor, self.name, self.previous, over=self.interval)

    def describe(self) -> str:
        return (
            f"New chunks of {self.name} span {self.interval} ({self.previous} once reverted), "
            "where it is a hypertable"
        )


def chunk_intervals(migrations: Iterable[Migration]) -> dict[str, str]:
    """Each hypertable's chunk interval once ``migrations`` have run, in their order."""
    intervals = {item.table: item.chunk_interval for item in HYPERTABLES}
    for migration in migrations:
        for operation in migration.operations:
            if isinstance(operation, SetChunkInterval):
                intervals[operation.name] = operation.interval
    return intervals
