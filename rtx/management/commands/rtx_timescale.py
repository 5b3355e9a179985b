"""``rtx_timescale``: TimescaleDB's state, converting tables after it is installed, and policies."""

import time
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from rtx.db import aggregates, policies, timescale
from rtx.migrator import database
from rtx.migrator.errors import ExitCode, as_command_errors
from rtx.migrator.lock import migration_lock

CONVERSION_MIGRATION = ("trading", "0002_trades_order_history_hypertables")
AGGREGATES_MIGRATION = ("trading", "0006_time_aggregates")


class Command(BaseCommand):
    help = "Show TimescaleDB's state, convert the time-series tables, or apply policies."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_mutually_exclusive_group(required=True)
        verbs.add_argument("-status", action="store_true", help="is TimescaleDB in use, and where")
        verbs.add_argument(
            "-convert",
            action="store_true",
            help="make trades and order_history hypertables now (after installing TimescaleDB), "
            "with their continuous aggregates",
        )
        verbs.add_argument(
            "-policies",
            action="store_true",
            help="apply RTX_TRADES_COMPRESS_AFTER and RTX_ORDER_HISTORY_RETENTION",
        )
        parser.add_argument("-database", default=DEFAULT_DB_ALIAS, help="Django database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        with as_command_errors():
            database.connect(connection)
            with connection.cursor() as cursor:
                current = timescale.state(cursor)
            self.stdout.write(f"TimescaleDB: {current.describe()}")
            if options["status"]:
                return
            if current.unusable_because:
                raise CommandError(
                    f"TimescaleDB is not in use ({current.unusable_because}); nothing to do",
                    returncode=ExitCode.USAGE,
                )
            with migration_lock(connection, settings.RTX_LOCK_WAIT_SECONDS):
                if options["convert"]:
                    self._convert(connection)
                else:
                    self._policies(connection, current)

    def _convert(self, connection: Any) -> None:
        applied = MigrationRecorder(connection).applied_migrations()
        if CONVERSION_MIGRATION not in applied:
            raise CommandError(
                "the time-series tables are not there yet: apply version 4 first (rtx-migrate -up)",
                returncode=ExitCode.USAGE,
            )
        graph = MigrationLoader(connection, ignore_no_migrations=True).graph
        in_order = dict.fromkeys(
            key for leaf in graph.leaf_nodes() for key in graph.forwards_plan(leaf)
        )
        intervals = timescale.chunk_intervals(
            graph.nodes[key] for key in in_order if key in applied
        )
        for version_4_table in timescale.HYPERTABLES:
            hypertable = replace(version_4_table, chunk_interval=intervals[version_4_table.table])
            started = time.monotonic()
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{hypertable.table}"')
                rows = cursor.fetchone()[0]
                timescale.convert(cursor, hypertable)
                # As the catalog has it: a table that was a hypertable already keeps its own.
                chunks = timescale.state(cursor).chunk_intervals[hypertable.table]
            self.stdout.write(
                f"{hypertable.table}: hypertable on {hypertable.time_column}, chunks of "
                f"{chunks}, {rows} rows kept ({time.monotonic() - started:.2f}s)"
            )
        if AGGREGATES_MIGRATION not in applied:
            return  # version 12 creates them
        for aggregate in aggregates.AGGREGATES:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                if aggregates.create(cursor, aggregate):
                    self.stdout.write(
                        f"{aggregate.name}: continuous aggregate of {aggregate.table} per "
                        f"{aggregate.width}, refreshed every {aggregate.refresh_every}"
                    )

    def _policies(self, connection: Any, current: timescale.TimescaleState) -> None:
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                results = policies.apply(
                    cursor,
                    compress_after=settings.RTX_TRADES_COMPRESS_AFTER,
                    keep=settings.RTX_ORDER_HISTORY_RETENTION,
                    apache_edition=current.apache_edition,
                )
        except policies.PoliciesUnavailable as refused:
            raise CommandError(str(refused), returncode=ExitCode.USAGE) from None
        for result in results:
            self.stdout.write(result.describe())
