"""Command-line entry points: ``manage.py`` and the ``rtx-migrate`` console script.

Both turn the errors a user can cause or meet (configuration, an unreachable or refusing
database) into one line on stderr and a documented exit status, instead of the traceback
Django would print.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, OperationalError

CONFIGURATION_ERROR_EXIT = 2
DATABASE_UNREACHABLE_EXIT = 3
DATABASE_ERROR_EXIT = 1


def run(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rtx.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        sys.exit(CONFIGURATION_ERROR_EXIT)
    except OperationalError as error:
        if "connection failed" not in str(error):
            exit_with_database_error(error)
        from django.db import connection

        from rtx.migrator.database import explain

        print(f"Database error: {explain(connection, error)}", file=sys.stderr)
        sys.exit(DATABASE_UNREACHABLE_EXIT)
    except DatabaseError as error:
        exit_with_database_error(error)


def exit_with_database_error(error: DatabaseError) -> None:
    from rtx.migrator.database import first_line

    print(f"Database error: {first_line(error)}", file=sys.stderr)
    sys.exit(DATABASE_ERROR_EXIT)


def manage() -> None:
    run(sys.argv)


def rtx_migrate() -> None:
    """``rtx-migrate -up`` is ``manage.py rtx_migrate -up``, like ``./bin/migrate``."""
    run([sys.argv[0], "rtx_migrate", *sys.argv[1:]])
