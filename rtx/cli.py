"""Command-line entry points: ``manage.py`` and the ``rtx-migrate`` console script.

Both turn a configuration error into one line on stderr and exit status 2, instead of
the traceback Django would print.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

CONFIGURATION_ERROR_EXIT = 2


def run(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rtx.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        sys.exit(CONFIGURATION_ERROR_EXIT)


def manage() -> None:
    run(sys.argv)


def rtx_migrate() -> None:
    """``rtx-migrate -up`` is ``manage.py rtx_migrate -up``, like ``./bin/migrate``."""
    run([sys.argv[0], "rtx_migrate", *sys.argv[1:]])
