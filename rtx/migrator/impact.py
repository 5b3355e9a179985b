"""What a plan destroys, known before it runs: tables and columns with their rows, and the
objects of other owners that depend on them.

Our schema editor drops without ``CASCADE`` (:mod:`rtx.db.backend.schema`), so PostgreSQL
itself refuses to drop another owner's foreign key or view with one of our tables. This
module says so before anything changes, for the whole plan at once, in words an operator
can act on: which object depends on what, and the statement that detaches it. It also
catches what PostgreSQL would drop without asking: triggers and row-level security
policies of other owners that sit on a table we drop.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration

from rtx.db.backend.schema import Drop
from rtx.db.relations import relation_exists
from rtx.migrator.errors import DataLossRefused, ForeignDependents
from rtx.migrator.registry import Owned

# Below this many rows a table is counted exactly; above, the planner's estimate is shown.
EXACT_COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class PlannedDrop:
    """A table or column that a migration of the plan drops."""

    migration: str
    drop: Drop

    @property
    def label(self) -> str:
        if self.drop.column:
            return f"column {self.drop.table}.{self.drop.column}"
        return f"table {self.drop.table}"


@dataclass(frozen=True)
class Loss:
    """The rows a drop takes with it: exactly counted, or estimated on a big table."""

    planned: PlannedDrop
    rows: int
    estimated: bool = False

    def describe(self) -> str:
        what = "row" if self.rows == 1 else "rows"
        what += " with a value" if self.planned.drop.column else ""
        if self.estimated:
            return f"{self.planned.label}: about {self.rows:,} {what} (estimate)"
        return f"{self.planned.label}: {self.rows:,} {what}"


@dataclass(frozen=True)
class Dependent:
    """An object that is not ours and would be dropped with (or block) one of our drops."""

    description: str  # "constraint routing_metrics_account_id_fkey on table routing_metrics"
    depends_on: str  # "table accounts"
    detach: str  # the statement that removes it

    def describe(self) -> str:
        return f"{self.description} depends on {self.depends_on} (detach: {self.detach})"


@dataclass(frozen=True)
class Impact:
    """What a plan destroys: its drops with their rows, and other owners' dependents."""

    losses: list[Loss]
    dependents: list[Dependent]

    def of(self, plan: Iterable[tuple[Migration, bool]]) -> list[Loss]:
        """The losses of the migrations in ``plan`` (one version's step)."""
        labels = {f"{migration.app_label}.{migration.name}" for migration, _ in plan}
        return [loss for loss in self.losses if loss.planned.migration in labels]

    @property
    def rows_lost(self) -> list[Loss]:
        return [loss for loss in self.losses if loss.rows]

    def check(self, *, refuse_data_loss: bool, allow_with: str = "add -allow-data-loss") -> None:
        """Refuse before anything changes: always over other owners' objects, and over
        dropped rows when ``refuse_data_loss`` (production without -allow-data-loss)."""
        if self.dependents:
            listing = "\n".join(f"  {dependent.describe()}" for dependent in self.dependents)
            count = len(self.dependents)
            these = "this object" if count == 1 else f"these {count} objects"
            raise ForeignDependents(
                f"detach {these} of another owner first, then run again: "
                f"{'it depends' if count == 1 else 'they depend'} on tables or columns this "
                "run would drop, and "
                f"rtx-migrate never drops another owner's objects; nothing was changed:\n{listing}"
            )
        if refuse_data_loss and self.rows_lost:
            listing = "\n".join(f"  {loss.describe()}" for loss in self.rows_lost)
            raise DataLossRefused(
                f"{allow_with} to run this with ENVIRONMENT=production: it drops tables or "
                f"columns that hold rows; nothing was changed:\n{listing}"
            )


def refuses_data_loss(*, allowed: bool) -> bool:
    """In production, dropping rows needs the explicit -allow-data-loss."""
    return settings.ENVIRONMENT == "production" and not allowed


def assess(
    connection: BaseDatabaseWrapper,
    loader: MigrationLoader,
    plan: list[tuple[Migration, bool]],
    ours: Owned,
) -> Impact:
    """The :class:`Impact` of ``plan`` on the database behind ``connection``."""
    planned_drops = plan_drops(connection, loader, plan)
    with connection.cursor() as cursor:
        # A table made and dropped within the plan (or never there) loses nothing and has
        # no dependents.
        drops = [
            planned
            for planned in planned_drops
            if relation_exists(cursor, _quoted(planned.drop.table))
        ]
        return Impact(losses(cursor, drops), foreign_dependents(cursor, drops, ours))


def plan_drops(
    connection: BaseDatabaseWrapper, loader: MigrationLoader, plan: Iterable[tuple[Migration, bool]]
) -> list[PlannedDrop]:
    """The tables and columns ``plan`` drops, in order, found without running it.

    Each migration is run, one at a time as ``sqlmigrate`` does, by a schema editor that
    only collects SQL; the editor notes what it would drop. Each starts from the state
    the migration graph gives it, which is right in both directions.
    """
    drops: list[PlannedDrop] = []
    for migration, backwards in plan:
        if not may_drop(migration.operations, backwards):
            continue
        key = (migration.app_label, migration.name)
        state = loader.project_state(key, at_end=False)
        with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
            if backwards:
                migration.unapply(state, editor, collect_sql=True)
            else:
                migration.apply(state, editor, collect_sql=True)
        drops += [PlannedDrop(f"{key[0]}.{key[1]}", drop) for drop in getattr(editor, "drops", [])]
    return drops


# The operations whose database side can drop a table or a column, by direction.
DROPPING = {
    False: (operations.DeleteModel, operations.RemoveField),
    True: (operations.CreateModel, operations.AddField),
}


def may_drop(migration_operations: Iterable[Any], backwards: bool) -> bool:
    """Whether any of the operations can drop a table or column when run this way.

    A cheap filter, so that a plan that only creates (every forward migrate) costs nothing.
    """
    for operation in migration_operations:
        if isinstance(operation, operations.SeparateDatabaseAndState):
            if may_drop(operation.database_operations, backwards):
                return True
        elif isinstance(operation, DROPPING[backwards]):
            return True
    return False


def losses(cursor: Any, drops: Iterable[PlannedDrop]) -> list[Loss]:
    """The rows each drop would take: exact up to EXACT_COUNT_LIMIT, estimated beyond."""
    found = []
    for planned in drops:
        table, column = planned.drop.table, planned.drop.column
        where = f'WHERE "{column}" IS NOT NULL' if column else ""
        cursor.execute(
            f'SELECT count(*) FROM (SELECT 1 FROM "{table}" {where} '
            f"LIMIT {EXACT_COUNT_LIMIT + 1}) AS sample"
        )
        rows = cursor.fetchone()[0]
        if rows <= EXACT_COUNT_LIMIT:
            found.append(Loss(planned, rows))
        else:
            found.append(Loss(planned, max(_estimate(cursor, table, column), rows), True))
    return found


ESTIMATE_SQL = """
SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
FROM pg_class c
WHERE c.oid = %(table)s::regclass
   OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %(table)s::regclass)
"""
NULL_FRACTION_SQL = """
SELECT null_frac FROM pg_stats
WHERE schemaname = current_schema() AND tablename = %s AND attname = %s
"""


def _estimate(cursor: Any, table: str, column: str | None) -> int:
    """The planner's row count, over a hypertable's chunks or a table's partitions too."""
    cursor.execute(ESTIMATE_SQL, {"table": _quoted(table)})
    rows = int(cursor.fetchone()[0])
    if column:
        cursor.execute(NULL_FRACTION_SQL, [table, column])
        row = cursor.fetchone()
        if row is not None and row[0] is not None:
            rows = round(rows * (1 - float(row[0])))
    return rows


# Objects with a normal dependency on a dropped table (its columns or its indexes) or on a
# dropped column, with the relation each belongs to. Those that belong to a relation the
# plan drops as well go with it; the others are another owner's.
DEPENDENTS_SQL = """
WITH target AS (
    SELECT %(table)s::regclass AS relid,
           (SELECT attnum FROM pg_attribute
            WHERE attrelid = %(table)s::regclass AND attname = %(column)s) AS attnum
),
referenced AS (
    SELECT relid AS oid, attnum FROM target
    UNION ALL
    SELECT i.indexrelid, NULL FROM pg_index i, target t
    WHERE i.indrelid = t.relid AND t.attnum IS NULL
)
SELECT DISTINCT ON (d.classid, d.objid)
       d.classid::regclass::text,
       d.objid,
       pg_describe_object(d.classid, d.objid, 0),
       CASE WHEN r.attnum IS NULL THEN %(table_label)s ELSE %(column_label)s END,
       CASE d.classid
           WHEN 'pg_constraint'::regclass THEN
               (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
           WHEN 'pg_rewrite'::regclass THEN
               (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
           WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
           WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
           WHEN 'pg_class'::regclass THEN
               coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = d.objid), d.objid)
       END::regclass::text
FROM pg_depend d
JOIN referenced r ON d.refclassid = 'pg_class'::regclass AND d.refobjid = r.oid
WHERE d.deptype = 'n' AND (r.attnum IS NULL OR d.refobjsubid = r.attnum)
ORDER BY d.classid, d.objid
"""
# Triggers and policies sit on the table itself: PostgreSQL drops them with it, unasked.
ON_TABLE_SQL = """
SELECT 'trigger', t.tgname FROM pg_trigger t
WHERE t.tgrelid = %(table)s::regclass AND NOT t.tgisinternal
  AND NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE p.oid = t.tgfoid AND n.nspname LIKE '\\_timescaledb%%')
UNION ALL
SELECT 'policy', polname FROM pg_policy WHERE polrelid = %(table)s::regclass
ORDER BY 1, 2
"""
VIEW_KINDS = {"v": "view", "m": "materialized view"}
TIMESCALEDB_SCHEMA_PREFIX = "_timescaledb"
# How to find an object's name, and the statement that removes it from the relation it is on.
DETACH = {
    "pg_constraint": (
        "SELECT conname FROM pg_constraint WHERE oid = %s",
        'ALTER TABLE {owner} DROP CONSTRAINT "{name}"',
    ),
    "pg_trigger": (
        "SELECT tgname FROM pg_trigger WHERE oid = %s",
        'DROP TRIGGER "{name}" ON {owner}',
    ),
    "pg_policy": (
        "SELECT polname FROM pg_policy WHERE oid = %s",
        'DROP POLICY "{name}" ON {owner}',
    ),
}


def foreign_dependents(cursor: Any, drops: Iterable[PlannedDrop], ours: Owned) -> list[Dependent]:
    """Objects of other owners that depend on what ``drops`` removes.

    ``ours`` are the triggers and views our versions create in raw SQL; any other trigger or
    policy on a dropped table, or view on it, is another owner's. TimescaleDB's internal
    objects (its schemas start with ``_timescaledb``) come and go with what made them.
    """
    dropped_tables = {planned.drop.table for planned in drops if planned.drop.column is None}
    found: dict[str, Dependent] = {}
    for planned in drops:
        table, column = planned.drop.table, planned.drop.column
        cursor.execute(
            DEPENDENTS_SQL,
            {
                "table": _quoted(table),
                "column": column,
                "table_label": f"table {table}",
                "column_label": f"column {table}.{column}",
            },
        )
        for catalog, oid, description, depends_on, owner in cursor.fetchall():
            name = _unquoted(owner) or ""
            if name in dropped_tables or name == table or name in ours.views:
                continue
            if name.startswith(TIMESCALEDB_SCHEMA_PREFIX):
                continue
            dependent = _dependent(cursor, catalog, oid, description, depends_on, owner)
            found.setdefault(dependent.description, dependent)
        if column is None:
            cursor.execute(ON_TABLE_SQL, {"table": _quoted(table)})
            for kind, name in cursor.fetchall():
                if kind == "trigger" and (table, name) in ours.triggers:
                    continue
                dependent = Dependent(
                    f"{kind} {name} on table {table}",
                    f"table {table}",
                    f'DROP {kind.upper()} "{name}" ON "{table}"',
                )
                found.setdefault(dependent.description, dependent)
    return list(found.values())


def _dependent(
    cursor: Any, catalog: str, oid: int, description: str, depends_on: str, owner: str
) -> Dependent:
    if catalog == "pg_rewrite":
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [owner])
        kind = VIEW_KINDS.get(cursor.fetchone()[0], "relation")
        return Dependent(f"{kind} {owner}", depends_on, f"DROP {kind.upper()} {owner}")
    if catalog in DETACH:
        name_sql, detach = DETACH[catalog]
        cursor.execute(name_sql, [oid])
        name = cursor.fetchone()[0]
        return Dependent(description, depends_on, detach.format(name=name, owner=owner))
    return Dependent(description, depends_on, f"DROP {description}")


def _quoted(table: str) -> str:
    return '"' + table.replace('"', '""') + '"'


def _unquoted(name: str | None) -> str | None:
    if name and name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name
