"""Command-line entry points: ``manage.py`` and the ``rtx-migrate`` console script.

Both turn the errors a user can cause or meet (configuration, an unreachable or refusing
database) into one line on stderr and a documented exit status, instead of the traceback
Django would print.
"""

import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, OperationalError

CONFIGURATION_ERROR_EXIT = 2
DATABASE_UNREACHABLE_EXIT = 3
DATABASE_ERROR_EXIT = 1


def settings_module_error() -> str | None:
    """Why DJANGO_SETTINGS_MODULE cannot be loaded, found before Django tries and fails."""
    name = os.environ["DJANGO_SETTINGS_MODULE"]
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        found = None
    if found is None:
        return (
            f"DJANGO_SETTINGS_MODULE={name!r} is not a module that can be imported; unset it "
            "to use rtx.settings"
        )
    return None


class ReaderMayLeave:
    """Standard output that goes quiet once its reader has gone (``rtx-migrate -status |
    head``), instead of a BrokenPipeError traceback, or worse, a migration abandoned half-way
    because nobody reads its log: the command carries on and ends with its own status."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self.silence()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.silence()

    def silence(self) -> None:
        """Point the descriptor at /dev/null: what is still buffered goes there too."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def run(main: Callable[[], None]) -> None:
    """Run ``main`` (a command line), turning what a user can cause into one line and a code."""
    sys.stdout = ReaderMayLeave(sys.stdout)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rtx.settings")
    problem = settings_module_error()
    if problem:
        print(f"Configuration error: {problem}", file=sys.stderr)
        sys.exit(CONFIGURATION_ERROR_EXIT)
    try:
        main()
    except ModuleNotFoundError as error:
        # manage.py --settings=NAME names a settings module that is not there.
        if error.name != os.environ["DJANGO_SETTINGS_MODULE"]:
            raise
        print(f"Configuration error: {settings_module_error()}", file=sys.stderr)
        sys.exit(CONFIGURATION_ERROR_EXIT)
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
    from django.core.management import execute_from_command_line

    run(lambda: execute_from_command_line(sys.argv))


def rtx_migrate() -> None:
    """``rtx-migrate -up`` is ``manage.py rtx_migrate -up``, like ``./bin/migrate``.

    The command runs on its own, not through Django's ``manage.py`` front end, whose
    options (``--settings``, ``--version``, ...) mean something else here.
    """

    def main() -> None:
        import django

        django.setup()
        from rtx.management.commands.rtx_migrate import Command

        Command().run_from_argv([sys.argv[0], "rtx_migrate", *sys.argv[1:]])

    run(main)
