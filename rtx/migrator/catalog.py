"""A snapshot of the schema as PostgreSQL's catalog has it, and the differences between two.

Read from ``pg_catalog``, never from the models, so it shows what is really there:
columns (in order, with type, nullability, default, identity), constraints (with their
definition, so ON DELETE and CHECK bodies are compared), indexes and triggers of each
table, and the schema's functions and the database's extensions.
"""

from dataclasses import dataclass, field
from typing import Any

TABLES_SQL = """
SELECT c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""
COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
CONSTRAINTS_SQL = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass ORDER BY conname
"""
TRIGGERS_SQL = """
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname
"""
OBJECTS_SQL = """
SELECT 'extension ' || extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() AND p.prokind = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
"""
INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = %s::regclass ORDER BY i.relname
"""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    identity: str

    def describe(self) -> str:
        parts = [self.type, "NOT NULL" if self.not_null else "NULL"]
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if self.identity:
            parts.append("IDENTITY")
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    constraints: dict[str, str] = field(default_factory=dict)
    indexes: dict[str, str] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    tables: dict[str, Table]
    objects: dict[str, str]


def snapshot(cursor: Any, tables: list[str] | None = None) -> dict[str, Table]:
    """The catalog entry of every table in the current schema (or of ``tables``)."""
    if tables is None:
        cursor.execute(TABLES_SQL)
        tables = [row[0] for row in cursor.fetchall()]
    result = {}
    for name in tables:
        cursor.execute(COLUMNS_SQL, [name])
        columns = tuple(Column(*row) for row in cursor.fetchall())
        cursor.execute(CONSTRAINTS_SQL, [name])
        constraints = dict(cursor.fetchall())
        cursor.execute(INDEXES_SQL, [name])
        indexes = dict(cursor.fetchall())
        cursor.execute(TRIGGERS_SQL, [name])
        triggers = dict(cursor.fetchall())
        result[name] = Table(name, columns, constraints, indexes, triggers)
    return result


def catalog(cursor: Any) -> Catalog:
    """The whole schema: every table, and the functions and extensions beside them."""
    cursor.execute(OBJECTS_SQL)
    objects = dict(cursor.fetchall())
    return Catalog(snapshot(cursor), objects)


def catalog_differences(before: Catalog, after: Catalog) -> list[str]:
    found = differences(before.tables, after.tables)
    for name in sorted(before.objects.keys() - after.objects.keys()):
        found.append(f"{name}: removed")
    for name in sorted(after.objects.keys() - before.objects.keys()):
        found.append(f"{name}: added")
    for name in sorted(before.objects.keys() & after.objects.keys()):
        if before.objects[name] != after.objects[name]:
            found.append(f"{name}: changed")
    return found


def differences(before: dict[str, Table], after: dict[str, Table]) -> list[str]:
    """Every difference from ``before`` to ``after``, one readable line each."""
    found = []
    for name in sorted(before.keys() - after.keys()):
        found.append(f"table {name}: removed")
    for name in sorted(after.keys() - before.keys()):
        found.append(f"table {name}: added")
    for name in sorted(before.keys() & after.keys()):
        found += table_differences(before[name], after[name])
    return found


def table_differences(before: Table, after: Table) -> list[str]:
    found = []
    old_columns = {column.name: column for column in before.columns}
    new_columns = {column.name: column for column in after.columns}
    for column in old_columns.keys() - new_columns.keys():
        found.append(f"{before.name}.{column}: column removed")
    for column in new_columns.keys() - old_columns.keys():
        found.append(f"{before.name}.{column}: column added ({new_columns[column].describe()})")
    for column in old_columns.keys() & new_columns.keys():
        old, new = old_columns[column].describe(), new_columns[column].describe()
        if old != new:
            found.append(f"{before.name}.{column}: {old} -> {new}")
    shared_order = [c.name for c in before.columns if c.name in new_columns]
    if shared_order != [c.name for c in after.columns if c.name in old_columns]:
        found.append(f"{before.name}: column order differs")
    for kind, old_items, new_items in (
        ("constraint", before.constraints, after.constraints),
        ("index", before.indexes, after.indexes),
        ("trigger", before.triggers, after.triggers),
    ):
        for item in sorted(old_items.keys() - new_items.keys()):
            found.append(f"{before.name}: {kind} {item} removed")
        for item in sorted(new_items.keys() - old_items.keys()):
            found.append(f"{before.name}: {kind} {item} added: {new_items[item]}")
        for item in sorted(old_items.keys() & new_items.keys()):
            if old_items[item] != new_items[item]:
                found.append(
                    f"{before.name}: {kind} {item}: {old_items[item]} -> {new_items[item]}"
                )
    return sorted(found)
