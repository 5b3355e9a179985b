"""``fix_close_stale_sessions``: close FIX sessions that stopped sending heartbeats."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fixapi.management.arguments import positive_int
from fixapi.services import session_close_stale


class Command(BaseCommand):
    help = "Close open FIX sessions with no activity (heartbeat) for longer than --idle-seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--idle-seconds",
            type=positive_int,
            default=300,
            metavar="SECONDS",
            help="close sessions idle for longer than this (default: 300)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["idle_seconds"]
        closed = session_close_stale(idle=timedelta(seconds=seconds))
        if not closed:
            self.stdout.write(
                f"No open session has been idle for more than {seconds} seconds; nothing closed."
            )
            return
        if options["verbosity"] >= 2:
            for session_id in closed:
                self.stdout.write(f"Closed {session_id}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Closed {len(closed)} session{'s' if len(closed) != 1 else ''} "
                f"idle for more than {seconds} seconds."
            )
        )
