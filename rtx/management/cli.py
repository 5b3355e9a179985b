"""The command line of ``rtx-migrate``: a parser whose errors are one line, and a ``--help``
that stands alone (verbs, options, exit codes, the environment it reads)."""

import argparse
import os
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import CommandError, CommandParser

from rtx.logs import utc
from rtx.migrator.errors import MEANINGS, ExitCode

PROGRAM = "rtx-migrate"
# What rtx-migrate reads from the environment (and from .env), with its default.
ENVIRONMENT = (
    ("DB_HOST", "localhost", "PostgreSQL host"),
    ("DB_PORT", "5432", "PostgreSQL port"),
    ("DB_NAME", "trading_engine", "database"),
    ("DB_USER", "postgres", "role"),
    ("DB_PASSWORD", "empty", "password (never printed)"),
    ("DB_SSL_MODE", "disable", "libpq sslmode: disable, require, verify-full, ..."),
    ("DATABASE_URL", "unset", "postgres://USER:PASSWORD@HOST:PORT/NAME; wins over DB_*"),
    ("RTX_MIGRATE_DATABASE_URL", "unset", "the primary's direct URL, when DATABASE_URL is pooled"),
    ("DB_POOL_MODE", "direct", "session or transaction: DATABASE_URL goes through a pooler"),
    ("DB_APPLICATION_NAME", "rtx-schema", "application_name of our sessions"),
    ("ENVIRONMENT", "development", "production: -allow-data-loss needed to drop rows"),
    ("RTX_CONNECT_WAIT", "0", "seconds to wait for the server to accept connections"),
    ("RTX_LOCK_WAIT_SECONDS", "60", "how long to wait for another migration (-lock-wait)"),
    ("RTX_LOCK_TIMEOUT", "1s", "lock_timeout of DDL: how long writers may queue behind it"),
    ("RTX_LOCK_RETRIES", "5", "retries of a version whose statement hit lock_timeout"),
    ("RTX_LOCK_RETRY_DELAY", "0.5", "seconds before the first retry; doubled each time"),
    ("RTX_STATEMENT_TIMEOUT", "15min", "statement_timeout of DDL"),
    ("RTX_PROGRESS_INTERVAL", "5", "seconds between progress lines of a long statement"),
    ("RTX_VERSIONS", "rtx.versions.VERSIONS", "the version registry"),
    ("RTX_VERSIONS_LOCK", "rtx/versions.lock.json", "released versions' checksums (-lint)"),
    ("RTX_TIMESCALEDB", "true", "off: never use TimescaleDB"),
    ("RTX_LEGACY_TIME_ZONE", "the database's", "adoption: zone of the Go tool's TIMESTAMPs"),
    ("RTX_EMBEDDED_POSTGRES", "off", "1: run an embedded server (trying the project only)"),
    ("LOG_LEVEL", "INFO", "level of the project's log lines"),
    ("NO_COLOR", "unset", "set: no colours even on a terminal"),
)
WIDTH = 100
VERBS = ("init", "up", "down", "status", "lint", "diff", "target", "mark_applied", "mark_pending")


def now() -> str:
    return utc(datetime.now(UTC))


def iso_8601(value: object) -> str:
    """JSON for what ``json`` cannot write itself: instants with their offset."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def epilog() -> str:
    codes = "\n".join(
        textwrap.fill(
            f"  {code.value:>2}  {MEANINGS[code].replace('`', '')}",
            width=WIDTH,
            subsequent_indent=" " * 6,
        )
        for code in ExitCode
    )
    variables = "\n".join(
        textwrap.fill(
            f"  {name:<25} {meaning} (default: {default})",
            width=WIDTH,
            subsequent_indent=" " * 28,
        )
        for name, default, meaning in ENVIRONMENT
    )
    return f"exit codes:\n{codes}\n\nenvironment (a .env file is read too):\n{variables}"


class Parser(CommandParser):
    """Usage errors are one line and exit 2; a missing verb is named as such.

    ``verbs`` (one of which is required) and ``options`` are where a command adds its own.
    """

    verbs: Any
    options: Any

    def error(self, message: str) -> NoReturn:
        if not self.called_from_command_line:
            raise CommandError(f"Error: {message}", returncode=ExitCode.USAGE)
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(ExitCode.USAGE)

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed = super().parse_args(args, namespace)
        chosen = [
            verb
            for verb in VERBS
            if getattr(parsed, verb, None) is not None and getattr(parsed, verb) is not False
        ]
        if not chosen:
            self.error(
                "a verb is required: -init, -up, -down, -status, -version=N, -lint, "
                "-diff FROM TO, -mark-applied N or -mark-pending N"
            )
        return parsed


def create_parser(
    prog_name: str, subcommand: str, description: str, called_from_command_line: bool | None
) -> Parser:
    name = Path(prog_name).name
    parser = Parser(
        prog=PROGRAM if name == PROGRAM else f"{name} {subcommand}",
        usage="%(prog)s VERB [options]",
        description=description,
        epilog=epilog(),
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, width=WIDTH),
        allow_abbrev=False,
        add_help=False,
        called_from_command_line=called_from_command_line,
    )
    parser.verbs = parser.add_argument_group("verbs (exactly one)").add_mutually_exclusive_group()
    parser.options = parser.add_argument_group("options")
    parser.options.add_argument("-h", "--help", action="help", help="show this help and exit")
    parser.options.add_argument(
        "-v",
        dest="verbosity",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="0: errors and the summary only; 1: a line per step (default); "
        "2: also the SQL of each migration and every line of long refusals",
    )
    # What Django's BaseCommand.execute() reads, fixed: no --settings, --traceback, ...
    parser.set_defaults(
        settings=None,
        pythonpath=None,
        traceback=False,
        no_color=bool(os.environ.get("NO_COLOR")),
        force_color=False,
        skip_checks=True,
    )
    return parser
