"""A snapshot of the schema as PostgreSQL's catalog has it, and the differences between two.

Read from ``pg_catalog``, never from the models, so it shows what is really there:
columns (in order, with type, nullability, default, identity), constraints (with their
definition, so ON DELETE and CHECK bodies are compared) and indexes.
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
        result[name] = Table(name, columns, constraints, indexes)
    return result


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
