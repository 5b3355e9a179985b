"""``rtx_migrate``: the Go tool's ``-init/-up/-down/-status/-version=N`` on Django migrations.

A thin front end: it parses and reports. The work is done by
:class:`rtx.migrator.runner.Migrator`, which reports progress through a callback.
"""

import argparse
import json
import logging
import math
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

from rtx.db.routers import MIGRATE
from rtx.management import cli
from rtx.management.status_text import status_lines
from rtx.migrator import database, manual, replication, session
from rtx.migrator.adoption import Adoption
from rtx.migrator.errors import ExitCode, MigratorError
from rtx.migrator.events import Progress
from rtx.migrator.impact import Loss, refuses_data_loss
from rtx.migrator.lint import LintUnavailable, lint, project_migrations
from rtx.migrator.lint import update_lock as update_lock_file
from rtx.migrator.lock import migration_lock
from rtx.migrator.registry import Registry, Version
from rtx.migrator.retry import Retries
from rtx.migrator.runner import Migrator, Status, Timeouts
from rtx.migrator.schema_diff import schema_diff
from rtx.migrator.steps import Event, MigrationDone, MigrationStarted, StepDone, StepStarted

# A refusal lists its details; at the default verbosity only this many, then a count.
SHOWN_DETAILS = 12
# A migration's end gets a line of its own (with its time) from this long, or with -v 2.
SLOW_MIGRATION_SECONDS = 1.0


def loss_lines(losses: Iterable[Loss]) -> list[str]:
    """One line per drop that takes rows, and one for all the empty ones."""
    losses = list(losses)
    lines = [loss.describe() for loss in losses if loss.rows]
    empty = [loss.planned.label.split(" ", 1)[1] for loss in losses if not loss.rows]
    if len(empty) == 1:
        lines.append(f"{empty[0]}: empty")
    elif empty:
        lines.append(f"{len(empty)} empty tables or columns: {', '.join(empty)}")
    return lines


def default_alias() -> str:
    """The primary's direct address when RTX_MIGRATE_DATABASE_URL gives one, else default."""
    return MIGRATE if MIGRATE in connections else DEFAULT_DB_ALIAS


def version_number(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a version number (0 or more), got {text!r}"
        ) from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a version number (0 or more), got {number}")
    return number


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a finite number of seconds, 0 or more, got {text!r}"
        )
    return value


class Command(BaseCommand):
    help = (
        "Apply, revert and report the schema versions of the RTX database, as the Go tool's "
        "./bin/migrate did: exactly one verb, then options."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> cli.Parser:
        parser = cli.create_parser(
            prog_name, subcommand, self.help, getattr(self, "_called_from_command_line", None)
        )
        self.add_arguments(parser)
        return parser

    def add_arguments(self, parser: Any) -> None:
        verbs = parser.verbs
        verbs.add_argument("-init", action="store_true", help="create the tracking tables")
        verbs.add_argument("-up", action="store_true", help="apply every pending version")
        verbs.add_argument("-down", action="store_true", help="revert the newest applied version")
        verbs.add_argument(
            "-status", action="store_true", help="every version, its state, and any drift"
        )
        verbs.add_argument(
            "-version",
            type=version_number,
            metavar="N",
            dest="target",
            help="move up or down to exactly version N (0: nothing applied)",
        )
        verbs.add_argument(
            "-lint", action="store_true", help="check the migrations against the project's rules"
        )
        verbs.add_argument(
            "-diff",
            nargs=2,
            type=version_number,
            metavar=("FROM", "TO"),
            help="what versions FROM..TO change in the schema (built in a scratch database)",
        )
        verbs.add_argument(
            "-mark-applied",
            type=version_number,
            metavar="N",
            help="record version N as applied after a fix by hand (needs -reason)",
        )
        verbs.add_argument(
            "-mark-pending",
            type=version_number,
            metavar="N",
            help="record version N as not applied after a fix by hand (needs -reason)",
        )
        options = parser.options
        options.add_argument(
            "-dry-run", action="store_true", help="with -up/-down/-version: the plan, no change"
        )
        options.add_argument("-json", action="store_true", help="with -status: JSON")
        options.add_argument(
            "-check",
            action="store_true",
            help=f"with -status: exit {ExitCode.DRIFT.value} on drift, "
            f"{ExitCode.PENDING.value} when a version is pending",
        )
        options.add_argument(
            "-allow-data-loss",
            action="store_true",
            help="with ENVIRONMENT=production: let -down/-version drop tables that hold rows",
        )
        options.add_argument(
            "-reason", metavar="TEXT", help="with -mark-applied/-mark-pending: why (recorded)"
        )
        options.add_argument(
            "-lock-wait",
            type=seconds,
            metavar="SECONDS",
            help="how long to wait for another migration (default RTX_LOCK_WAIT_SECONDS: 60)",
        )
        options.add_argument(
            "-update-lock",
            action="store_true",
            help="with -lint: record the checksums of versions not locked yet",
        )
        options.add_argument(
            "-connect-wait",
            type=seconds,
            metavar="SECONDS",
            help="how long to wait for the server to accept connections (default "
            "RTX_CONNECT_WAIT: 0)",
        )
        options.add_argument(
            "-wait-replicas",
            type=seconds,
            metavar="SECONDS",
            help="with -up/-down/-version: then wait until every standby has replayed the change",
        )
        options.add_argument(
            "-database",
            metavar="ALIAS",
            help="a database alias of the settings, not a database name (default: migrate "
            "when RTX_MIGRATE_DATABASE_URL is set, else default)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        if self.verbosity == 0:
            # Only errors and the summary: the project's informational log lines go too.
            logging.getLogger("rtx").setLevel(logging.WARNING)
        self._check_combinations(options)
        connection = self._connection(options["database"] or default_alias())
        try:
            registry = Registry.from_setting(settings.RTX_VERSIONS)
            self.migrator = migrator = Migrator(
                connection,
                registry,
                report=self._report,
                timeouts=Timeouts(settings.RTX_LOCK_TIMEOUT, settings.RTX_STATEMENT_TIMEOUT),
                retries=Retries(settings.RTX_LOCK_RETRIES, settings.RTX_LOCK_RETRY_DELAY),
                heartbeat=settings.RTX_PROGRESS_INTERVAL,
                holds_lock=True,
            )
            wait = options["connect_wait"]
            database.connect(
                connection,
                wait_seconds=settings.RTX_CONNECT_WAIT if wait is None else wait,
                report=self._report,
            )
            self._dispatch(migrator, connection, options)
        except MigratorError as error:
            raise CommandError(self._shortened(str(error)), returncode=error.exit_code) from None

    def _dispatch(
        self, migrator: Migrator, connection: BaseDatabaseWrapper, options: dict[str, Any]
    ) -> None:
        if options["lint"]:
            self._lint(migrator, connection, update_lock=options["update_lock"])
            return
        if not options["json"]:
            self._say(f"Database: {database.describe(connection)}")
        if options["status"]:
            self._status(migrator, as_json=options["json"], check=options["check"])
            return
        if options["diff"]:
            self._diff(migrator, connection, *options["diff"])
            return
        if options["dry_run"]:
            self._dry_run(migrator, options)
            return
        lock_wait = options["lock_wait"]
        if lock_wait is None:
            lock_wait = settings.RTX_LOCK_WAIT_SECONDS
        session.refuse_standby(connection, database.describe(connection))
        session.refuse_declared_pooler(connection.alias)
        session.refuse_pooled_session(connection)
        with migration_lock(
            connection, lock_wait, report=self._report, heartbeat=settings.RTX_PROGRESS_INTERVAL
        ):
            session.refuse_lost_lock(connection)
            if options["init"]:
                migrator.init()
                self._say(
                    "Tracking tables ready: django_migrations, schema_migrations, "
                    "schema_migrations_history",
                    summary=True,
                )
            elif options["mark_applied"] is not None or options["mark_pending"] is not None:
                self._mark(migrator, options)
            else:
                status = migrator.prepare(adopt=self._goes_up(options))
                self._migrate(migrator, status, options)
        if options["wait_replicas"] is not None:
            replication.wait_for_standbys(
                connection,
                options["wait_replicas"],
                self._report,
                heartbeat=settings.RTX_PROGRESS_INTERVAL,
            )

    def _connection(self, alias: str) -> BaseDatabaseWrapper:
        if alias not in connections:
            configured = ", ".join(connections)
            raise CommandError(
                f"-database {alias!r} is not a configured database alias (configured: "
                f"{configured}); it names an alias from the settings, not a database: set "
                "DB_NAME or DATABASE_URL to choose the database",
                returncode=ExitCode.USAGE,
            )
        if not router.allow_migrate(alias, "rtx"):
            raise CommandError(
                f"-database {alias!r}: the database routers migrate nothing there (a replica "
                "is read from, never migrated); use the primary's alias",
                returncode=ExitCode.USAGE,
            )
        return connections[alias]

    @staticmethod
    def _refuses_data_loss(options: dict[str, Any]) -> bool:
        return refuses_data_loss(allowed=options["allow_data_loss"])

    @staticmethod
    def _goes_up(options: dict[str, Any]) -> bool:
        """Whether the request may adopt a Go-built database (it moves to version 1 or later)."""
        return bool(options["up"] or (options["target"] or 0) > 0)

    def _check_combinations(self, options: dict[str, Any]) -> None:
        changes = options["up"] or options["down"] or options["target"] is not None
        marks = options["mark_applied"] is not None or options["mark_pending"] is not None
        rules = (
            ("dry_run", changes, "-dry-run goes with -up, -down or -version"),
            ("json", options["status"], "-json goes with -status"),
            ("check", options["status"], "-check goes with -status"),
            ("update_lock", options["lint"], "-update-lock goes with -lint"),
            ("allow_data_loss", changes, "-allow-data-loss goes with -up, -down or -version"),
            ("reason", marks, "-reason goes with -mark-applied or -mark-pending"),
            ("wait_replicas", changes, "-wait-replicas goes with -up, -down or -version"),
        )
        for option, allowed, message in rules:
            if options[option] and not allowed:
                raise CommandError(message, returncode=ExitCode.USAGE)
        if marks and not (options["reason"] or "").strip():
            raise CommandError(
                "-mark-applied and -mark-pending need -reason TEXT: why the version is "
                "recorded by hand (it is stored with the record)",
                returncode=ExitCode.USAGE,
            )

    def _lint(
        self, migrator: Migrator, connection: BaseDatabaseWrapper, *, update_lock: bool
    ) -> None:
        loader = MigrationLoader(connection, ignore_no_migrations=True, load=True)
        lock_path = Path(settings.RTX_VERSIONS_LOCK)
        if update_lock:
            added = update_lock_file(migrator.registry, loader, lock_path)
            self._say(f"Lock file {lock_path.name}: added versions {added or 'none'}")
        try:
            findings = lint(migrator.registry, loader, lock_path)
        except LintUnavailable as error:
            raise CommandError(str(error), returncode=ExitCode.USAGE) from None
        for finding in findings:
            self._say(finding.line())
        errors = [finding for finding in findings if not finding.accepted]
        accepted = len(findings) - len(errors)
        checked = len(project_migrations(loader))
        summary = (
            f"Lint: {checked} migrations of {len(migrator.registry.versions)} versions checked; "
            f"{len(errors)} problem(s), {accepted} accepted exception(s)"
        )
        if errors:
            raise CommandError(summary, returncode=ExitCode.LINT_FAILED)
        self._say(summary, summary=True)

    def _diff(
        self, migrator: Migrator, connection: BaseDatabaseWrapper, first: int, second: int
    ) -> None:
        for number in (first, second):
            if number:
                migrator.registry.get(number)
        self._report(Progress(f"building versions {first} and {second} in a scratch database"))
        changes = schema_diff(connection, migrator.registry, first, second, self._report)
        if not changes:
            self._say(f"No schema difference between version {first} and {second}.")
            return
        self._say(f"Schema changes from version {first} to {second}:")
        for change in changes:
            self._say(f"  {change}")

    def _target(self, status: Status, options: dict[str, Any]) -> int:
        if options["target"] is not None:
            return int(options["target"])
        if options["up"]:
            return status.latest
        touched = [version.number for version in status.versions if version.applied_migrations]
        if not touched:
            raise CommandError(
                "nothing to roll back: no version is applied", returncode=ExitCode.USAGE
            )
        earlier = [version.number for version in status.versions if version.number < touched[-1]]
        return earlier[-1] if earlier else 0

    def _migrate(self, migrator: Migrator, status: Status, options: dict[str, Any]) -> None:
        target = self._target(status, options)
        steps = migrator.plan(target, status=status)
        if not steps:
            migrator.complete_bookkeeping()
            migrator.verify(status)
            self._say(f"Nothing to do: the database is at version {status.current}.", summary=True)
            return
        started = time.monotonic()
        migrator.run(steps, refuse_data_loss=self._refuses_data_loss(options))
        completed = sum(step.completes for step in steps)
        applied = sum(not step.backwards and not step.completes for step in steps)
        reverted = len(steps) - applied - completed
        self._say(
            f"{cli.now()} Done: version {status.current} -> {target}; {applied} applied, "
            f"{reverted} reverted"
            + (f", {completed} completed" if completed else "")
            + f" in {time.monotonic() - started:.2f}s",
            summary=True,
        )

    def _mark(self, migrator: Migrator, options: dict[str, Any]) -> None:
        status = migrator.status()
        migrator.refuse_unsafe(status)
        migrator.init()
        reason = options["reason"].strip()
        if options["mark_applied"] is not None:
            number = options["mark_applied"]
            manual.mark_applied(migrator.connection, migrator.registry, status, number, reason)
            self._say(f"Version {number} recorded as applied (reason: {reason}).", summary=True)
        else:
            number = options["mark_pending"]
            manual.mark_pending(migrator.connection, migrator.registry, status, number, reason)
            self._say(f"Version {number} recorded as pending (reason: {reason}).", summary=True)

    def _dry_run(self, migrator: Migrator, options: dict[str, Any]) -> None:
        status = migrator.status()
        migrator.refuse_unsafe(status, adopting=self._goes_up(options))
        assumed: tuple[Version, ...] = ()
        if status.go_database:
            self._say("Adoption of this Go-built database (dry run, nothing is changed):")
            adoption = Adoption(migrator.connection, configured_zone=settings.RTX_LEGACY_TIME_ZONE)
            for line in adoption.plan(migrator.loader()):
                self._say(f"  {line}")
            assumed = (migrator.registry.versions[0],)
            status.current = assumed[0].number
        target = self._target(status, options)
        steps = migrator.plan(target, status=status, assume_applied=assumed)
        if not steps:
            self._say(f"Nothing to do: the database is at version {status.current}.")
            return
        self._say(f"Plan (dry run, nothing is changed): version {status.current} -> {target}")
        impact = migrator.impact(steps)
        for step in steps:
            self._say(f"-- {step.verb} version {step.version.label}")
            for line in loss_lines(impact.of(step.plan)):
                self._say(f"-- drops {line}")
            for migration, statements in migrator.sql(step):
                self._say(f"-- {migration}")
                for statement in statements:
                    self._say(statement)
        # The run would refuse what the dry run shows: the same message and exit status.
        impact.check(refuse_data_loss=self._refuses_data_loss(options))

    def _status(self, migrator: Migrator, *, as_json: bool, check: bool) -> None:
        status = migrator.status()
        if as_json:
            self.stdout.write(json.dumps(status.as_dict(), default=cli.iso_8601, indent=2))
        else:
            for line in status_lines(status, self.style):
                self.stdout.write(line)
        if not check:
            return
        if status.drift:
            raise CommandError(
                f"drift: {len(status.drift)} of the objects of recorded versions are missing, "
                "INVALID or changed",
                returncode=ExitCode.DRIFT,
            )
        if status.pending or status.problems:
            raise CommandError(
                f"{len(status.pending)} version(s) pending", returncode=ExitCode.PENDING
            )

    def _say(self, line: str, *, summary: bool = False) -> None:
        """A line of output, at verbosity 1 and up (summaries at 0 too)."""
        if summary or self.verbosity >= 1:
            self.stdout.write(line)

    def _shortened(self, message: str) -> str:
        """A refusal's first line and its first details; all of them with -v 2."""
        lines = message.splitlines()
        if self.verbosity >= 2 or len(lines) <= SHOWN_DETAILS + 1:
            return message
        hidden = len(lines) - 1 - SHOWN_DETAILS
        return "\n".join(
            [*lines[: SHOWN_DETAILS + 1], f"  ... and {hidden} more: run with -v 2 to see all"]
        )

    def _report(self, event: Event) -> None:
        if self.verbosity < 1:
            return
        write = self.stdout.write
        if isinstance(event, StepStarted):
            write(
                f"{cli.now()} {event.step.verb} version {event.step.version.label}: "
                f"{len(event.step.plan)} migration(s)"
            )
            for line in loss_lines(event.losses):
                write(f"{cli.now()}   drops {line}")
        elif isinstance(event, Progress):
            write(f"{cli.now()}   {event.message}")
        elif isinstance(event, MigrationStarted):
            verb = "reverting" if event.backwards else "applying"
            write(f"{cli.now()}   {verb} {event.label}")
            if self.verbosity >= 2:
                for statement in self.migrator.sql_of(event.migration, event.backwards):
                    write(statement)
        elif isinstance(event, MigrationDone):
            # Its start has a line already; the end one is worth it when it took a while.
            if event.seconds >= SLOW_MIGRATION_SECONDS or event.faked or self.verbosity >= 2:
                verb = "reverted" if event.backwards else "recorded" if event.faked else "applied"
                write(f"{cli.now()}   {verb} {event.migration} ({event.seconds:.3f}s)")
        elif isinstance(event, StepDone):
            step = event.step
            write(f"{cli.now()} Version {step.version.label} {step.done} in {event.seconds:.2f}s")
