"""Schema editor that writes foreign keys and indexes the way the legacy schema has them.

Django 5.2 emulates ``on_delete`` in Python only and names foreign keys with a hash.
Programs other than Django (the Go trading engine, psql sessions) delete rows too, so
here the database itself carries the rule:

* every foreign key is ``<table>_<column>_fkey`` (PostgreSQL's own naming, which the
  Go tool's databases have), not deferrable, with ``ON DELETE CASCADE`` for
  ``models.CASCADE`` and ``ON DELETE SET NULL`` for ``models.SET_NULL``;
* no implicit ``varchar_pattern_ops`` ("_like") index is added next to a unique or
  primary-key varchar column: every index of this project is declared, by name, in
  a model's ``Meta.indexes``;
* a table or column is dropped without ``CASCADE``: PostgreSQL then refuses the drop while
  an object of another owner (a foreign key, view, trigger, policy) depends on it, instead
  of dropping that object as a side effect (Django's default). The tables and columns an
  editor drops are listed in :attr:`DatabaseSchemaEditor.drops`, also when it only collects
  SQL, so a plan's losses can be shown and checked before it runs;
* an index built CONCURRENTLY says ``IF NOT EXISTS``, so a non-atomic migration that
  stopped halfway can run again (rtx_migrate first drops what a failed build left INVALID);
  on a TimescaleDB hypertable, which refuses CONCURRENTLY, it is built one transaction per
  chunk instead (``timescaledb.transaction_per_chunk``), which also keeps writes flowing,
  and dropped with a plain DROP INDEX.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.backends.ddl_references import Statement
from django.db.backends.postgresql import schema

ON_DELETE_SQL = {
    models.CASCADE: " ON DELETE CASCADE",
    models.SET_NULL: " ON DELETE SET NULL",
}

# PostgreSQL truncates identifiers longer than this many bytes.
MAX_IDENTIFIER_BYTES = 63


def foreign_key_name(table: str, column: str) -> str:
    """PostgreSQL's default name for a single-column foreign key."""
    name = f"{table}_{column}_fkey"
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise ValueError(f"foreign key name {name!r} is longer than 63 bytes")
    return name


@dataclass(frozen=True)
class Drop:
    """A table, or one column of it (``column`` set), that DDL drops with its data."""

    table: str
    column: str | None = None


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    # Added columns get their foreign key as a separate ALTER TABLE, built below.
    sql_create_column_inline_fk = None  # type: ignore[assignment]
    # Django's version first runs SET CONSTRAINTS ... IMMEDIATE, which PostgreSQL
    # refuses for a constraint that is not deferrable.
    sql_delete_fk = "ALTER TABLE %(table)s DROP CONSTRAINT %(name)s"
    sql_delete_table = "DROP TABLE %(table)s"
    sql_delete_column = "ALTER TABLE %(table)s DROP COLUMN %(column)s"
    sql_create_index_concurrently = (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS %(name)s ON %(table)s%(using)s "
        "(%(columns)s)%(include)s%(extra)s%(condition)s"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.drops: list[Drop] = []

    def delete_model(self, model):  # type: ignore[no-untyped-def]
        # Auto-created many-to-many tables come back through here, and are listed too.
        self.drops.append(Drop(model._meta.db_table))
        super().delete_model(model)

    def remove_field(self, model, field):  # type: ignore[no-untyped-def]
        if field.concrete and field.column and not field.many_to_many:
            self.drops.append(Drop(model._meta.db_table, field.column))
        super().remove_field(model, field)

    def add_index(self, model, index, concurrently=False):  # type: ignore[no-untyped-def]
        if concurrently and self._is_hypertable(model._meta.db_table):
            statement = index.create_sql(model, self)
            statement.template = statement.template.replace(
                "INDEX %(name)s", "INDEX IF NOT EXISTS %(name)s"
            )
            statement.parts["extra"] = (
                " WITH (timescaledb.transaction_per_chunk)" + statement.parts["extra"]
            )
            self.execute(statement, params=None)
            return
        super().add_index(model, index, concurrently=concurrently)

    def remove_index(self, model, index, concurrently=False):  # type: ignore[no-untyped-def]
        # A hypertable's index has one per chunk, which DROP INDEX CONCURRENTLY refuses.
        hypertable = concurrently and self._is_hypertable(model._meta.db_table)
        super().remove_index(model, index, concurrently=concurrently and not hypertable)

    def _is_hypertable(self, table: str) -> bool:
        if self.collect_sql:
            return False
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('timescaledb_information.hypertables')")
            if cursor.fetchone()[0] is None:
                return False
            cursor.execute(
                "SELECT 1 FROM timescaledb_information.hypertables "
                "WHERE hypertable_schema = current_schema() AND hypertable_name = %s",
                [table],
            )
            return cursor.fetchone() is not None

    def _create_fk_sql(self, model, field, suffix):  # type: ignore[no-untyped-def]
        statement: Statement = super()._create_fk_sql(model, field, suffix)  # type: ignore[misc]
        name = self.quote_name(foreign_key_name(model._meta.db_table, field.column))
        on_delete = ON_DELETE_SQL.get(field.remote_field.on_delete, "")
        statement.parts["name"] = name  # type: ignore[assignment]
        statement.parts["deferrable"] = on_delete  # type: ignore[assignment]
        return statement

    def _create_like_index_sql(self, model, field):  # type: ignore[no-untyped-def]
        return None
