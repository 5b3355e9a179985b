"""``rtx_createdb``: create the configured database when it does not exist yet.

The seed's first-time setup starts with ``createdb trading_engine``; this does the same
from the project's own configuration, so it needs no PostgreSQL client tools.
"""

from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from rtx.migrator.database import create_database
from rtx.migrator.errors import ExitCode


class Command(BaseCommand):
    help = "Create the configured database (DB_NAME) if it does not exist."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-database", default=DEFAULT_DB_ALIAS, help="Django database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        settings = connections[options["database"]].settings_dict
        name = settings["NAME"]
        try:
            created = create_database(settings, name)
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "error"
            raise CommandError(
                f'could not create database "{name}": {reason}',
                returncode=ExitCode.DATABASE_UNREACHABLE,
            ) from None
        if created:
            self.stdout.write(self.style.SUCCESS(f'Created database "{name}".'))
        else:
            self.stdout.write(f'Database "{name}" already exists.')
