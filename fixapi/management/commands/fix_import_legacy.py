"""``fix_import_legacy``: the Go engine's FIX credential file into fix_credentials.

Every client keeps its SenderCompID and password. Safe to rerun, and on a live system:
entries already imported are left alone, conflicting ones are listed and left as they are
unless --overwrite-conflicts is given. Exit status: 0 done; 1 refused, nothing written;
4 done, but conflicts were left as they are (listed).
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fixapi.errors import FixApiError
from fixapi.legacy_import import EntryResult, LegacyImport, Outcome, credentials_import_legacy
from fixapi.services import Actor

CONFLICTS_LEFT_EXIT = 4
# The verbosity from which an entry's line is printed: conflicts always, since the final
# error refers to them; unchanged entries with -v 2.
LINE_VERBOSITY = {
    Outcome.CONFLICT: 0,
    Outcome.IMPORTED: 1,
    Outcome.OVERWRITTEN: 1,
    Outcome.UNCHANGED: 2,
}


class Command(BaseCommand):
    help = (
        "Import the Go engine's FIX credential file into fix_credentials, each client keeping "
        "its password. The master password is read from FIX_MASTER_PASSWORD only. Exit "
        f"status 0: done; 1: refused, nothing written; {CONFLICTS_LEFT_EXIT}: done, but "
        "conflicting entries were left as they are."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Options by their full names only: --overwrite-conflicts replaces data, so no
        # abbreviation (--over) may stand for it.
        return super().create_parser(prog_name, subcommand, allow_abbrev=False, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            help="the Go engine's credential file (default: FIX_PROVISIONING_STORE_PATH, "
            "./data/fix_credentials when unset)",
        )
        parser.add_argument(
            "--dry-run",
            "-dry-run",
            action="store_true",
            help="check and compare everything, say what would happen, write nothing",
        )
        parser.add_argument(
            "--overwrite-conflicts",
            action="store_true",
            help="replace a credential whose user_id is in the table with other values by "
            "the file's values, and close its open sessions (default: list it, change nothing)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"] or Path(settings.FIX_PROVISIONING_STORE_PATH)
        try:
            done = credentials_import_legacy(
                path=path,
                master_password=settings.FIX_MASTER_PASSWORD,
                actor=Actor(name="fix_import_legacy"),
                overwrite_conflicts=options["overwrite_conflicts"],
                dry_run=options["dry_run"],
            )
        except FixApiError as error:
            raise CommandError(str(error)) from None
        for entry in done.entries:
            if options["verbosity"] >= LINE_VERBOSITY[entry.outcome]:
                self.stdout.write(
                    f"user_id {entry.user_id!r} ({entry.sender_comp_id}): "
                    + _what_happens(entry, dry_run=done.dry_run)
                )
        self.stdout.write(_summary(done))
        conflicts = done.with_outcome(Outcome.CONFLICT)
        if conflicts:
            raise CommandError(_conflicts_left(conflicts), returncode=CONFLICTS_LEFT_EXIT)


def _what_happens(entry: EntryResult, *, dry_run: bool) -> str:
    if entry.outcome is Outcome.CONFLICT:
        return f"conflict ({entry.conflict()}), left as it is"
    if entry.outcome is Outcome.OVERWRITTEN:
        return f"{'would be overwritten' if dry_run else 'overwritten'} ({entry.conflict()})"
    if entry.outcome is Outcome.IMPORTED:
        return "would be imported" if dry_run else "imported"
    return "unchanged"


def _summary(done: LegacyImport) -> str:
    total = len(done.entries)
    if not total:
        return f"Nothing to import: {done.source} holds no credentials."
    entries = f"{total} entr{'y' if total == 1 else 'ies'} in {done.source}"
    if done.count(Outcome.UNCHANGED) == total:
        return (
            f"Nothing new: fix_credentials already has every entry of {done.source} ({total}) "
            "with the same values."
        )
    if done.dry_run:
        return (
            f"Dry run, nothing written: {entries}: {done.count(Outcome.IMPORTED)} to import, "
            f"{done.count(Outcome.OVERWRITTEN)} to overwrite, "
            f"{done.count(Outcome.UNCHANGED)} unchanged, {done.count(Outcome.CONFLICT)} in "
            "conflict."
        )
    return (
        f"Done: {entries}: {done.count(Outcome.IMPORTED)} imported, "
        f"{done.count(Outcome.OVERWRITTEN)} overwritten, {done.count(Outcome.UNCHANGED)} "
        f"unchanged, {done.count(Outcome.CONFLICT)} in conflict."
    )


def _conflicts_left(conflicts: list[EntryResult]) -> str:
    advice = []
    if any(entry.sender_comp_id_taken_by is None for entry in conflicts):
        advice.append("where the file's values are right, rerun with --overwrite-conflicts")
    if any(entry.sender_comp_id_taken_by is not None for entry in conflicts):
        advice.append(
            "a sender_comp_id that another user_id has here is never overwritten: give one "
            "of the two new credentials in the Go engine"
        )
    one = len(conflicts) == 1
    return (
        f"{len(conflicts)} entr{'y' if one else 'ies'} in conflict, left as "
        f"{'it is' if one else 'they are'} (listed above); " + "; ".join(advice)
    )
