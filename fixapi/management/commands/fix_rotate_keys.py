"""``fix_rotate_keys``: re-encrypt every FIX password with the current key.

Safe to interrupt and rerun: each batch commits on its own, and a rerun picks up the
rows still under an older key. The gateway keeps verifying throughout, as long as the
old keys stay configured until this command has finished.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fixapi.errors import FixApiError
from fixapi.management.arguments import positive_int
from fixapi.services import Actor, RotationBatch, credentials_rotate_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every FIX credential password with the current key (the last of "
        "FIX_ENCRYPTION_KEYS), in committed batches; rerun to resume."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=500,
            metavar="N",
            help="credentials re-encrypted per transaction (default: 500)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = credentials_rotate_keys(
                actor=Actor(name="fix_rotate_keys"),
                batch_size=options["batch_size"],
                report=self._report if options["verbosity"] >= 1 else None,
            )
        except FixApiError as error:
            raise CommandError(str(error)) from None
        if not result.rows:
            self.stdout.write(
                f"Nothing to do: every credential is already encrypted with key {result.key_id!r}."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {result.rows} credential{'s' if result.rows != 1 else ''} re-encrypted "
                f"with key {result.key_id!r} in {result.batches} "
                f"batch{'es' if result.batches != 1 else ''}."
            )
        )

    def _report(self, batch: RotationBatch) -> None:
        sources = ", ".join(f"{key_id}: {count}" for key_id, count in batch.from_key_ids.items())
        self.stdout.write(
            f"Batch {batch.number}: {len(batch.user_ids)} re-encrypted (from {sources})"
        )
