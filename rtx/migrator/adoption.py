"""Adopting a database built by the Go migration tool, without losing a row.

Such a database has the Go tool's 15 tables and its ``schema_migrations`` row for
version 1 (``initial_schema``), but no Django migration history. Adoption, in one
transaction:

1. verifies that the 15 tables have exactly the Go tool's version 1 shape (built for
   comparison in a scratch schema that is rolled back) and refuses with the differences
   when they do not;
2. checks the rows against the constraints our schema adds, and refuses with the
   offending rows when a value is outside its set even after re-casing;
3. converts the tables to our version 1: ``timestamp`` to ``timestamptz`` (the stored
   values read in the zone they were written in: the database's effective TimeZone, see
   :mod:`rtx.migrator.timezone`, or RTX_LEGACY_TIME_ZONE), serial ids to identity columns
   continuing after the highest id, values re-cased where our CHECKs want the other
   casing (counted in the plan), the indexes that repeated a UNIQUE constraint dropped,
   the new CHECKs added;
4. verifies that the 15 tables now match a database migrated from empty;
5. records version 1 as applied: Django's own tables are created for real, our project
   migrations are recorded without running, and the ``schema_migrations`` row keeps its
   ``applied_at`` and gains a checksum.

Anything else in the database (the Go tool's version 7 tables, their foreign keys into
ours, its row in ``schema_migrations``) is left as it is.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

from rtx.db.relations import relation_exists
from rtx.migrator.catalog import Table, differences, snapshot
from rtx.migrator.errors import DataViolatesSchema, UnrecognisedDatabase
from rtx.migrator.events import Progress
from rtx.migrator.timezone import LegacyZone, legacy_zone

GO_SCHEMA_SQL = Path(__file__).with_name("go_initial_schema.sql")
SCRATCH_SCHEMA = "rtx_expected_schema"
LEGACY_TABLES = (
    "users",
    "accounts",
    "trading_groups",
    "positions",
    "orders",
    "trades",
    "admin_users",
    "admin_audit_log",
    "risk_alerts",
    "liquidation_events",
    "fix_credentials",
    "fix_sessions",
    "group_symbol_settings",
    "order_history",
    "symbol_correlations",
)
# The project migrations that create the 15 tables: version 1 without Django's own apps.
PROJECT_INITIAL = ("accounts", "trading", "risk", "adminpanel", "fixapi")
DUPLICATE_INDEXES = (
    "idx_users_email",
    "idx_accounts_account_number",
    "idx_orders_client_order_id",
    "idx_admin_users_username",
)


@dataclass(frozen=True)
class ValueSet:
    """A column whose values our schema restricts to a set (a CHECK the Go schema lacked)."""

    table: str
    column: str
    key: str
    allowed: tuple[str, ...]
    upper: bool

    @property
    def fold(self) -> str:
        return "upper" if self.upper else "lower"

    def allowed_sql(self) -> str:
        return ", ".join(f"'{value}'" for value in self.allowed)


VALUE_SETS = (
    ValueSet("admin_users", "status", "id", ("ACTIVE", "DISABLED", "SUSPENDED"), upper=True),
    ValueSet("trading_groups", "execution_mode", "id", ("BBOOK", "ABOOK", "HYBRID"), upper=True),
    ValueSet("trading_groups", "margin_mode", "id", ("HEDGING", "NETTING"), upper=True),
    ValueSet("orders", "execution_mode", "id", ("BBOOK", "ABOOK", "HYBRID"), upper=True),
    ValueSet("order_history", "side", "id", ("BUY", "SELL"), upper=True),
    ValueSet(
        "fix_credentials",
        "status",
        "user_id",
        ("ACTIVE", "SUSPENDED", "REVOKED", "EXPIRED"),
        upper=True,
    ),
    ValueSet(
        "fix_credentials",
        "rate_limit_tier",
        "user_id",
        ("basic", "standard", "premium", "unlimited"),
        upper=False,
    ),
)
SHOWN_OFFENDERS = 20
# A converted table gets a second line, with its time, from this long.
SLOW_TABLE_SECONDS = 1.0


def strip_schema(tables: dict[str, Table], schema: str) -> dict[str, Table]:
    """Index definitions name their schema; comparisons across schemas must not."""
    return {
        name: Table(
            table.name,
            table.columns,
            table.constraints,
            {key: value.replace(f" {schema}.", " ") for key, value in table.indexes.items()},
            table.triggers,
        )
        for name, table in tables.items()
    }


@contextmanager
def scratch_schema(cursor: Any) -> Iterator[None]:
    """A schema that exists only until the block ends (rolled back to a savepoint)."""
    cursor.execute("SAVEPOINT rtx_scratch_schema")
    try:
        cursor.execute(f"CREATE SCHEMA {SCRATCH_SCHEMA}")
        cursor.execute(f"SET LOCAL search_path = {SCRATCH_SCHEMA}")
        yield
    finally:
        cursor.execute("ROLLBACK TO SAVEPOINT rtx_scratch_schema")


def built_catalog(cursor: Any, statements: list[str]) -> dict[str, Table]:
    with scratch_schema(cursor):
        for statement in statements:
            cursor.execute(statement)
        return strip_schema(snapshot(cursor, list(LEGACY_TABLES)), SCRATCH_SCHEMA)


def live_catalog(cursor: Any) -> dict[str, Table]:
    cursor.execute("SELECT current_schema()")
    schema = cursor.fetchone()[0]
    return strip_schema(snapshot(cursor, list(LEGACY_TABLES)), schema)


def initial_statements(loader: MigrationLoader) -> list[str]:
    """The SQL our version 1 runs for the 15 tables, as on an empty database."""
    statements: list[str] = []
    for app_label in PROJECT_INITIAL:
        migration = loader.disk_migrations[app_label, "0001_initial"]
        statements += loader.collect_sql([(migration, False)])  # type: ignore[attr-defined]
    return [statement for statement in statements if not statement.startswith("--")]


class Adoption:
    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        *,
        configured_zone: str,
        report: Callable[[Progress], None] = lambda progress: None,
    ) -> None:
        self.connection = connection
        self.configured_zone = configured_zone
        self.report = report

    def zone(self, cursor: Any) -> LegacyZone:
        """The zone the legacy TIMESTAMP values are read in (RTX_LEGACY_TIME_ZONE, if set)."""
        return legacy_zone(cursor, self.configured_zone)

    # -- checks (read-only) ------------------------------------------------------------------

    def verify_go_shape(self, cursor: Any) -> None:
        missing = [table for table in LEGACY_TABLES if not relation_exists(cursor, table)]
        if missing:
            raise UnrecognisedDatabase(
                "schema_migrations says version 1 of the Go tool is applied, but these tables "
                f"are missing: {', '.join(missing)}; nothing was changed"
            )
        expected = built_catalog(cursor, [GO_SCHEMA_SQL.read_text()])
        found = differences(expected, live_catalog(cursor))
        if found:
            listing = "\n".join(f"  {line}" for line in found)
            raise UnrecognisedDatabase(
                "this database does not have the Go tool's version 1 schema, so it cannot be "
                f"adopted safely; nothing was changed. Differences from it:\n{listing}"
            )

    def check_values(self, cursor: Any) -> list[str]:
        """The re-casings the adoption will do; refuses on values outside their sets."""
        problems, recasings = [], []
        for value_set in VALUE_SETS:
            table, column, key, fold = (
                value_set.table,
                value_set.column,
                value_set.key,
                value_set.fold,
            )
            cursor.execute(
                f"SELECT {key}::text, {column} FROM {table} WHERE {column} IS NOT NULL "
                f"AND {fold}({column}) NOT IN ({value_set.allowed_sql()}) ORDER BY {key} "
                f"LIMIT {SHOWN_OFFENDERS + 1}"
            )
            offenders = cursor.fetchall()
            for row_key, value in offenders[:SHOWN_OFFENDERS]:
                problems.append(
                    f"{table} {key}={row_key}: {column} = {value!r} is not one of "
                    f"{', '.join(value_set.allowed)}; fix: UPDATE {table} SET {column} = "
                    f"'<one of them>' WHERE {key} = '{row_key}';"
                )
            if len(offenders) > SHOWN_OFFENDERS:
                problems.append(f"{table}.{column}: more rows like these")
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE {column} <> {fold}({column}) "
                f"AND {fold}({column}) IN ({value_set.allowed_sql()})"
            )
            count = cursor.fetchone()[0]
            if count:
                recasings.append(f"{table}.{column}: {count} value(s) to {fold} case")
        if problems:
            listing = "\n".join(f"  {line}" for line in problems)
            raise DataViolatesSchema(
                "rows break constraints that adoption adds; nothing was changed. Fix them and "
                f"run again:\n{listing}"
            )
        return recasings

    def plan(self, loader: MigrationLoader) -> list[str]:
        """What adoption will do, after verifying that it can; changes nothing."""
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            self.verify_go_shape(cursor)
            recasings = self.check_values(cursor)
            zone = self.zone(cursor)
            steps = [
                "Verified: the 15 tables have the Go tool's version 1 schema",
                f"Convert every TIMESTAMP column to TIMESTAMPTZ, reading stored values in "
                f"{zone.describe()}",
                *([f"WARNING: {zone.warning()}"] if zone.warning() else []),
                "Turn serial ids into identity columns that continue after the highest id",
                *[f"Re-case {item}" for item in recasings],
                f"Drop the indexes that repeat a UNIQUE constraint: {', '.join(DUPLICATE_INDEXES)}",
                "Add the CHECK constraints of our schema",
                "Verify the 15 tables now match a database migrated from empty",
                "Create Django's tables, record version 1 as applied (project migrations "
                "recorded, not run) and give its schema_migrations row a checksum",
            ]
            transaction.set_rollback(True, using=self.connection.alias)
        return steps

    # -- the conversion ----------------------------------------------------------------------

    def convert(self, cursor: Any, loader: MigrationLoader) -> None:
        """Steps 1-4, inside the caller's transaction."""
        self.verify_go_shape(cursor)
        self.check_values(cursor)
        expected = built_catalog(cursor, initial_statements(loader))
        zone = self.zone(cursor)
        if zone.warning():
            self.report(Progress(f"WARNING: {zone.warning()}"))
        self.report(Progress(f"reading legacy TIMESTAMP values in {zone.describe()}"))
        for table in LEGACY_TABLES:
            started = time.monotonic()
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            rows = cursor.fetchone()[0]
            self.report(Progress(f"converting {table}: {rows:,} rows"))
            self._convert_table(cursor, table, zone.name)
            seconds = time.monotonic() - started
            if seconds >= SLOW_TABLE_SECONDS:
                self.report(Progress(f"converted {table}: {rows:,} rows in {seconds:.2f}s"))
        for index in DUPLICATE_INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{index}"')
        self._add_constraints(cursor, loader)
        found = differences(expected, live_catalog(cursor))
        if found:
            listing = "\n".join(f"  {line}" for line in found)
            raise UnrecognisedDatabase(
                f"after conversion the tables still differ from our version 1; nothing was "
                f"changed:\n{listing}"
            )

    def _convert_table(self, cursor: Any, table: str, zone: str) -> None:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped AND atttypid = 'timestamp'::regtype ORDER BY attnum",
            [table],
        )
        columns = [row[0] for row in cursor.fetchall()]
        changes = [
            f'ALTER COLUMN "{column}" TYPE timestamptz USING "{column}" AT TIME ZONE %s'
            for column in columns
        ]
        sequence = None
        if self._has_column(cursor, table, "id"):
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
        if sequence:
            changes.insert(0, 'ALTER COLUMN "id" DROP DEFAULT')
        if changes:
            cursor.execute(f'ALTER TABLE "{table}" {", ".join(changes)}', [zone] * len(columns))
        if sequence:
            cursor.execute(f"DROP SEQUENCE {sequence}")
            cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"')
            start = cursor.fetchone()[0]
            cursor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY '
                f"(START WITH {int(start)})"
            )
        for value_set in VALUE_SETS:
            if value_set.table == table:
                column, fold = value_set.column, value_set.fold
                cursor.execute(
                    f"UPDATE {table} SET {column} = {fold}({column}) WHERE {column} <> "
                    f"{fold}({column}) AND {fold}({column}) IN ({value_set.allowed_sql()})"
                )

    def _add_constraints(self, cursor: Any, loader: MigrationLoader) -> None:
        """Version 1's constraints that the Go schema lacks, with the SQL a migration writes."""
        state = loader.project_state([(app, "0001_initial") for app in PROJECT_INITIAL])
        with self.connection.schema_editor(atomic=False) as editor:
            for model in state.apps.get_models():
                if model._meta.db_table not in LEGACY_TABLES:
                    continue
                for constraint in model._meta.constraints:
                    cursor.execute(
                        "SELECT 1 FROM pg_constraint WHERE conname = %s", [constraint.name]
                    )
                    if cursor.fetchone() is None:
                        editor.add_constraint(model, constraint)

    @staticmethod
    def _has_column(cursor: Any, table: str, column: str) -> bool:
        cursor.execute(
            "SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [table, column],
        )
        return cursor.fetchone() is not None
