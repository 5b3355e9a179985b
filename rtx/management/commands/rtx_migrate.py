"""``rtx_migrate``: the Go tool's ``-init/-up/-down/-status/-version=N`` on Django migrations.

A thin front end: it parses and reports. The work is done by
:class:`rtx.migrator.runner.Migrator`, which reports progress through a callback.
"""

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from rtx.migrator import database
from rtx.migrator.adoption import Adoption
from rtx.migrator.errors import ExitCode, as_command_errors
from rtx.migrator.events import Progress
from rtx.migrator.lint import LintUnavailable, lint
from rtx.migrator.lint import update_lock as update_lock_file
from rtx.migrator.lock import migration_lock
from rtx.migrator.registry import Registry, Version
from rtx.migrator.runner import (
    Event,
    MigrationDone,
    Migrator,
    Status,
    StepDone,
    StepStarted,
    Timeouts,
)
from rtx.migrator.schema_diff import schema_diff


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
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}")
    return value


def utc(moment: datetime) -> str:
    """An instant as the tool prints every time: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_8601(value: object) -> str:
    """JSON for what ``json`` cannot write itself: instants with their offset."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class Command(BaseCommand):
    help = (
        "Apply, revert and report the schema versions of the RTX database "
        "(the Go tool's ./bin/migrate). Exit codes are listed in the README."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_mutually_exclusive_group(required=True)
        verbs.add_argument(
            "-init", action="store_true", help="create the tracking tables, idempotently"
        )
        verbs.add_argument("-up", action="store_true", help="apply every pending version")
        verbs.add_argument("-down", action="store_true", help="revert the newest applied version")
        verbs.add_argument(
            "-status", action="store_true", help="list every version and whether it is applied"
        )
        verbs.add_argument(
            "-lint",
            action="store_true",
            help="check every migration against the project's rules (needs the server, "
            "not a migrated database: any database it can connect to will do)",
        )
        verbs.add_argument(
            "-diff",
            nargs=2,
            type=version_number,
            metavar=("FROM", "TO"),
            help="print what moving from version FROM to version TO changes in the schema "
            "(built in a scratch database that is dropped afterwards)",
        )
        verbs.add_argument(
            "-version",
            type=version_number,
            metavar="N",
            dest="target",
            help="move up or down to exactly version N (0: nothing applied)",
        )
        parser.add_argument(
            "-dry-run",
            action="store_true",
            help="with -up, -down or -version: print the plan and its SQL, change nothing",
        )
        parser.add_argument(
            "-json", action="store_true", help="with -status: print the status as JSON"
        )
        parser.add_argument(
            "-check",
            action="store_true",
            help=f"with -status: exit {ExitCode.PENDING.value} when a version is pending",
        )
        parser.add_argument(
            "-update-lock",
            action="store_true",
            help="with -lint: record the checksums of versions the lock file does not have yet",
        )
        parser.add_argument(
            "-lock-wait",
            type=seconds,
            metavar="SECONDS",
            help="how long to wait for another migration to finish "
            "(default: RTX_LOCK_WAIT_SECONDS, 60)",
        )
        parser.add_argument(
            "-allow-data-loss",
            action="store_true",
            help="with ENVIRONMENT=production: allow -down, -version (and fresh) to drop "
            "tables or columns that hold rows",
        )
        parser.add_argument(
            "-database", default=DEFAULT_DB_ALIAS, help="the Django database alias to migrate"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._check_combinations(options)
        if options["database"] not in connections:
            configured = ", ".join(connections)
            raise CommandError(
                f"-database {options['database']!r} is not a configured database alias "
                f"(configured: {configured}); it names an alias from the settings, not a "
                "database: set DB_NAME or DATABASE_URL to choose the database",
                returncode=ExitCode.USAGE,
            )
        connection = connections[options["database"]]
        migrator = Migrator(
            connection,
            Registry.from_setting(settings.RTX_VERSIONS),
            report=self._report,
            timeouts=Timeouts(settings.RTX_LOCK_TIMEOUT, settings.RTX_STATEMENT_TIMEOUT),
        )
        with as_command_errors():
            database.connect(connection)
            if options["lint"]:
                self._lint(connection, update_lock=options["update_lock"])
                return
            if not options["json"]:
                self.stdout.write(f"Database: {database.describe(connection)}")
            if options["status"]:
                self._status(migrator, as_json=options["json"], check=options["check"])
                return
            if options["diff"]:
                self._diff(connection, *options["diff"])
                return
            lock_wait = options["lock_wait"]
            if lock_wait is None:
                lock_wait = settings.RTX_LOCK_WAIT_SECONDS
            if options["dry_run"]:
                self._dry_run(migrator, options)
                return
            with migration_lock(connection, lock_wait):
                if options["init"]:
                    migrator.init()
                    self.stdout.write(
                        self.style.SUCCESS(
                            "Tracking tables ready: django_migrations, schema_migrations"
                        )
                    )
                    return
                status = migrator.prepare(adopt=self._goes_up(options))
                self._migrate(
                    migrator,
                    status,
                    self._target(status, options),
                    refuse_data_loss=self._refuses_data_loss(options),
                )

    @staticmethod
    def _refuses_data_loss(options: dict[str, Any]) -> bool:
        """In production, dropping rows needs the explicit -allow-data-loss."""
        return settings.ENVIRONMENT == "production" and not options["allow_data_loss"]

    @staticmethod
    def _goes_up(options: dict[str, Any]) -> bool:
        """Whether the request may adopt a Go-built database (it moves to version 1 or later)."""
        return bool(options["up"] or (options["target"] or 0) > 0)

    def _check_combinations(self, options: dict[str, Any]) -> None:
        changes = options["up"] or options["down"] or options["target"] is not None
        if options["dry_run"] and not changes:
            raise CommandError(
                "-dry-run goes with -up, -down or -version", returncode=ExitCode.USAGE
            )
        for flag in ("json", "check"):
            if options[flag] and not options["status"]:
                raise CommandError(f"-{flag} goes with -status", returncode=ExitCode.USAGE)
        if options["update_lock"] and not options["lint"]:
            raise CommandError("-update-lock goes with -lint", returncode=ExitCode.USAGE)
        if options["allow_data_loss"] and not changes:
            raise CommandError(
                "-allow-data-loss goes with -up, -down or -version", returncode=ExitCode.USAGE
            )

    def _lint(self, connection: Any, *, update_lock: bool) -> None:
        registry = Registry.from_setting(settings.RTX_VERSIONS)
        loader = MigrationLoader(connection, ignore_no_migrations=True, load=True)
        lock_path = Path(settings.RTX_VERSIONS_LOCK)
        if update_lock:
            added = update_lock_file(registry, loader, lock_path)
            self.stdout.write(f"Lock file {lock_path.name}: added versions {added or 'none'}")
        try:
            findings = lint(registry, loader, lock_path)
        except LintUnavailable as error:
            raise CommandError(str(error), returncode=ExitCode.USAGE) from None
        for finding in findings:
            self.stdout.write(finding.line())
        errors = [finding for finding in findings if not finding.accepted]
        accepted = len(findings) - len(errors)
        summary = f"Lint: {len(errors)} problem(s), {accepted} accepted exception(s)"
        if errors:
            raise CommandError(summary, returncode=ExitCode.LINT_FAILED)
        self.stdout.write(self.style.SUCCESS(summary))

    def _diff(self, connection: Any, first: int, second: int) -> None:
        registry = Registry.from_setting(settings.RTX_VERSIONS)
        for number in (first, second):
            if number:
                registry.get(number)
        changes = schema_diff(connection, registry, first, second)
        if not changes:
            self.stdout.write(f"No schema difference between version {first} and {second}.")
            return
        self.stdout.write(f"Schema changes from version {first} to {second}:")
        for change in changes:
            self.stdout.write(f"  {change}")

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

    def _migrate(
        self, migrator: Migrator, status: Status, target: int, *, refuse_data_loss: bool
    ) -> None:
        steps = migrator.plan(target)
        if not steps:
            migrator.complete_bookkeeping()
            self.stdout.write(f"Nothing to do: the database is at version {status.current}.")
            return
        started = time.monotonic()
        migrator.run(steps, refuse_data_loss=refuse_data_loss)
        applied = sum(not step.backwards for step in steps)
        reverted = len(steps) - applied
        self.stdout.write(
            self.style.SUCCESS(
                f"{self._now()} Done: version {status.current} -> {target}; "
                f"{applied} applied, {reverted} reverted in {time.monotonic() - started:.2f}s"
            )
        )

    def _dry_run(self, migrator: Migrator, options: dict[str, Any]) -> None:
        status = migrator.status()
        migrator.refuse_unsafe(status, adopting=self._goes_up(options))
        assumed: tuple[Version, ...] = ()
        if status.go_database:
            self.stdout.write("Adoption of this Go-built database (dry run, nothing is changed):")
            adoption = Adoption(
                connections[options["database"]], configured_zone=settings.RTX_LEGACY_TIME_ZONE
            )
            for line in adoption.plan(migrator.loader()):
                self.stdout.write(f"  {line}")
            assumed = (migrator.registry.versions[0],)
            status.current = assumed[0].number
        target = self._target(status, options)
        steps = migrator.plan(target, assume_applied=assumed)
        if not steps:
            self.stdout.write(f"Nothing to do: the database is at version {status.current}.")
            return
        self.stdout.write(
            f"Plan (dry run, nothing is changed): version {status.current} -> {target}"
        )
        impact = migrator.impact(steps)
        for step in steps:
            self.stdout.write(f"-- {step.verb} version {step.version.label}")
            for loss in impact.of(step.plan):
                self.stdout.write(f"-- drops {loss.describe()}")
            for migration, statements in migrator.sql(step):
                self.stdout.write(f"-- {migration}")
                for statement in statements:
                    self.stdout.write(statement)
        # The run would refuse what the dry run shows: the same message and exit status.
        impact.check(refuse_data_loss=self._refuses_data_loss(options))

    def _status(self, migrator: Migrator, *, as_json: bool, check: bool) -> None:
        status = migrator.status()
        if as_json:
            self.stdout.write(json.dumps(status.as_dict(), default=iso_8601, indent=2))
        else:
            self._print_status(status)
        if check and (status.pending or status.problems):
            raise CommandError(
                f"{len(status.pending)} version(s) pending", returncode=ExitCode.PENDING
            )

    def _print_status(self, status: Status) -> None:
        write = self.stdout.write
        write(f"Current version: {status.current} (latest {status.latest})")
        write(f"TimescaleDB: {status.timescaledb['summary']}")
        if status.go_database:
            write(
                self.style.WARNING(
                    "Built by the Go migration tool, not adopted yet: rtx-migrate -up adopts it "
                    "(rtx-migrate -up -dry-run shows the plan)"
                )
            )
            write(f"Legacy TIMESTAMP values will be read in {status.legacy_time_zone}")
            if status.legacy_time_zone_warning:
                write(self.style.WARNING(f"WARNING: {status.legacy_time_zone_warning}"))
        if status.running:
            write(self.style.WARNING(f"A migration is running: {status.running}"))
        write("=" * 72)
        for version in status.versions:
            state = version.state.upper()
            if version.state == "partial":
                state += f" {version.applied_migrations}/{len(version.migrations)}"
            line = f"  {version.number} - {version.name} [{state}]"
            if version.applied_at:
                line += f" applied {utc(version.applied_at)}"
            if version.duration_ms is not None:
                line += f" in {version.duration_ms} ms"
            if version.applied_with:
                line += f" by {version.applied_by} with {version.applied_with}"
            if version.checksum:
                line += f", checksum {version.checksum}"
            style = self.style.WARNING if version.checksum == "changed" else str
            write(style(line))
            for migration in version.migrations:
                write(f"      {migration}")
        for row in status.foreign_versions:
            write(
                f"  {row['version']} - {row['name']} [APPLIED, not ours: left untouched] "
                f"applied {utc(row['applied_at'])}"
            )
        write("=" * 72)
        applied = len(status.versions) - len(status.pending)
        write(
            f"Total: {len(status.versions)} versions, {applied} applied, "
            f"{len(status.pending)} pending"
            + (
                f"; {len(status.foreign_versions)} other version(s) in schema_migrations"
                if status.foreign_versions
                else ""
            )
        )
        for problem in status.problems:
            write(self.style.ERROR(f"Registry problem: {problem}"))

    def _report(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self.stdout.write(
                f"{self._now()} {event.step.verb} version {event.step.version.label}: "
                f"{len(event.step.plan)} migration(s)"
            )
            for loss in event.losses:
                self.stdout.write(f"{self._now()}   drops {loss.describe()}")
        elif isinstance(event, Progress):
            self.stdout.write(f"{self._now()}   {event.message}")
        elif isinstance(event, MigrationDone):
            verb = "reverted" if event.backwards else "recorded" if event.faked else "applied"
            self.stdout.write(f"{self._now()}   {verb} {event.migration} ({event.seconds:.3f}s)")
        elif isinstance(event, StepDone):
            verb = "reverted" if event.step.backwards else "applied"
            self.stdout.write(
                f"{self._now()} Version {event.step.version.label} {verb} in {event.seconds:.2f}s"
            )

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
