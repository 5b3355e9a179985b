"""Drift: where the live catalog no longer holds what the recorded versions promise.

A handful of catalog queries (readable by any role that may connect) compared with
:mod:`rtx.migrator.promises`: every promised table, column, constraint, index, trigger,
function and extension must be there, look as promised, and be usable (an index valid
and ready, a constraint validated, a trigger enabled). Every index on a table of ours must
be valid, whoever named it. Objects that are there but not promised are not drift: they
are another owner's business.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rtx.migrator.promises import Promise

COLUMNS_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND c.relname = ANY(%(tables)s) AND a.attnum > 0 AND NOT a.attisdropped
"""
INDEXES_SQL = """
SELECT t.relname, i.relname, x.indisvalid AND x.indisready,
       (SELECT array_agg(a.attname ORDER BY k.position)
        FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, position)
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%(tables)s)
"""
CONSTRAINTS_SQL = """
SELECT t.relname, c.conname, c.contype, c.convalidated, r.relname
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
LEFT JOIN pg_class r ON r.oid = c.confrelid
WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%(tables)s)
"""
TRIGGERS_SQL = """
SELECT t.relname, g.tgname, g.tgenabled <> 'D'
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%(tables)s)
  AND NOT g.tgisinternal
"""
FUNCTIONS_SQL = """
SELECT p.oid::regprocedure::text FROM pg_proc p
WHERE p.pronamespace = current_schema()::regnamespace
"""
EXTENSIONS_SQL = "SELECT extname FROM pg_extension"
CONSTRAINT_TYPES = {"p": "primary key", "f": "foreign key", "c": "check", "u": "unique"}


@dataclass(frozen=True)
class Drift:
    """A promised object that is missing, unusable or not as promised."""

    promise: Promise
    problem: str  # "missing", "INVALID", "NOT VALID", "disabled", or what changed

    def describe(self) -> str:
        return f"{self.promise.describe()}: {self.problem} (version {self.promise.version})"


@dataclass(frozen=True)
class LiveCatalog:
    columns: dict[tuple[str, str], tuple[str, bool]]
    indexes: dict[tuple[str, str], tuple[bool, tuple[str | None, ...]]]
    constraints: dict[tuple[str, str], tuple[str, bool, str | None]]
    triggers: dict[tuple[str, str], bool]
    functions: set[str]
    extensions: set[str]

    @property
    def tables(self) -> set[str]:
        return {table for table, _ in self.columns}


def live_catalog(cursor: Any, tables: Iterable[str]) -> LiveCatalog:
    names = {"tables": sorted(set(tables))}
    cursor.execute(COLUMNS_SQL, names)
    columns = {(table, column): (kind, not_null) for table, column, kind, not_null in cursor}
    cursor.execute(INDEXES_SQL, names)
    indexes = {
        (table, index): (usable, tuple(columns or ())) for table, index, usable, columns in cursor
    }
    cursor.execute(CONSTRAINTS_SQL, names)
    constraints = {
        (table, name): (kind, validated, target) for table, name, kind, validated, target in cursor
    }
    cursor.execute(TRIGGERS_SQL, names)
    triggers = {(table, name): enabled for table, name, enabled in cursor}
    cursor.execute(FUNCTIONS_SQL)
    functions = {row[0] for row in cursor}
    cursor.execute(EXTENSIONS_SQL)
    extensions = {row[0] for row in cursor}
    return LiveCatalog(columns, indexes, constraints, triggers, functions, extensions)


def find_drift(cursor: Any, promised: Iterable[Promise]) -> list[Drift]:
    """Every promise the live catalog breaks; one line for a missing table, not one per part."""
    promised = list(promised)
    tables = {p.name for p in promised if p.kind == "table"} | {
        p.table for p in promised if p.table
    }
    live = live_catalog(cursor, (table for table in tables if table))
    found: list[Drift] = []
    missing_tables = {p.name for p in promised if p.kind == "table" and p.name not in live.tables}
    for promise in promised:
        if promise.table in missing_tables:
            continue
        problem = _problem(promise, live, missing_tables)
        if problem:
            found.append(Drift(promise, problem))
    found += _invalid_unpromised_indexes(promised, live, tables - missing_tables)
    return found


def _problem(promise: Promise, live: LiveCatalog, missing_tables: set[str]) -> str | None:
    key = (promise.table or "", promise.name)
    if promise.kind == "table":
        return "missing" if promise.name in missing_tables else None
    if promise.kind == "column":
        if key not in live.columns:
            return "missing"
        kind, not_null = live.columns[key]
        if promise.column_type and kind != promise.column_type:
            return f"type {kind}, promised {promise.column_type}"
        if promise.not_null is not None and not_null != promise.not_null:
            return "NOT NULL" if not_null else "nullable, promised NOT NULL"
        return None
    if promise.kind == "index":
        if key not in live.indexes:
            # A UNIQUE constraint's index carries the constraint's name.
            return "missing"
        usable, columns = live.indexes[key]
        if not usable:
            return "INVALID (a build or drop did not finish)"
        if promise.index_columns is not None and columns != promise.index_columns:
            found, wanted = ", ".join(map(str, columns)), ", ".join(promise.index_columns)
            return f"on ({found}), promised on ({wanted})"
        return None
    if promise.kind == "constraint":
        return _constraint_problem(promise, live.constraints.get(key))
    if promise.kind == "trigger":
        if key not in live.triggers:
            return "missing"
        return None if live.triggers[key] else "disabled"
    if promise.kind == "function":
        return None if promise.name in live.functions else "missing"
    if promise.kind == "extension":
        return None if promise.name in live.extensions else "missing"
    return None


def _constraint_problem(promise: Promise, found: tuple[str, bool, str | None] | None) -> str | None:
    if found is None:
        return "missing"
    kind, validated, target = found
    if promise.constraint_type and kind != promise.constraint_type:
        return (
            f"a {CONSTRAINT_TYPES.get(kind, kind)} constraint, promised a "
            f"{CONSTRAINT_TYPES.get(promise.constraint_type, promise.constraint_type)} one"
        )
    if promise.references and target != promise.references:
        return f"references {target}, promised {promise.references}"
    if not validated:
        return "NOT VALID (existing rows were never checked)"
    return None


def _invalid_unpromised_indexes(
    promised: list[Promise], live: LiveCatalog, tables: set[str]
) -> list[Drift]:
    """INVALID indexes on our tables that no promise names (Django's hashed names)."""
    named = {(p.table, p.name) for p in promised if p.kind == "index"}
    owner = {p.name: p.version for p in promised if p.kind == "table"}
    return [
        Drift(Promise(owner.get(table, 0), "index", index, table), "INVALID")
        for (table, index), (usable, _) in sorted(live.indexes.items())
        if table in tables and not usable and (table, index) not in named
    ]
