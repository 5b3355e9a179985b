"""``fix_provision``: FIX API credentials for a user, with the password shown this once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fixapi.errors import FixApiError
from fixapi.management.arguments import positive_int, timestamp
from fixapi.models import RateLimitTier
from fixapi.services import Actor, credential_provision
from fixapi.tiers import TIER_LIMITS


class Command(BaseCommand):
    help = (
        "Provision FIX API credentials (SenderCompID USER_XXXXXXXX, TargetCompID GATEWAY) for a "
        "user and print the password, which is shown only this once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user-id", required=True, help="the trading engine's user id (a string)"
        )
        parser.add_argument(
            "--tier",
            choices=RateLimitTier.values,
            default=RateLimitTier.BASIC,
            help="rate-limit tier: "
            + "; ".join(f"{tier} {limits.describe()}" for tier, limits in TIER_LIMITS.items())
            + " (default: basic)",
        )
        parser.add_argument(
            "--max-sessions",
            type=positive_int,
            metavar="N",
            help="sessions open at once, at most the tier's (default: the tier's)",
        )
        parser.add_argument(
            "--allowed-ip",
            action="append",
            default=[],
            dest="allowed_ips",
            metavar="ADDRESS",
            help="an address or CIDR range logons may come from; repeat for more "
            "(default: anywhere)",
        )
        parser.add_argument(
            "--expires-at",
            type=timestamp,
            metavar="TIME",
            help="when the credentials expire, ISO 8601; without a zone, UTC (default: never)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            issued = credential_provision(
                user_id=options["user_id"],
                actor=Actor(name="fix_provision"),
                rate_limit_tier=options["tier"],
                max_sessions=options["max_sessions"],
                allowed_ips=options["allowed_ips"],
                expires_at=options["expires_at"],
            )
        except FixApiError as error:
            raise CommandError(str(error)) from None
        credential = issued.credential
        limits = TIER_LIMITS[credential.rate_limit_tier]
        expires = credential.expires_at.isoformat() if credential.expires_at else "never"
        self.stdout.write(
            self.style.SUCCESS(
                f"Provisioned FIX credentials for user_id {credential.user_id!r} "
                f"({credential.rate_limit_tier} tier: {limits.describe()})."
            )
        )
        self.stdout.write(f"SenderCompID: {credential.sender_comp_id}")
        self.stdout.write(f"TargetCompID: {issued.target_comp_id}")
        self.stdout.write(f"Password:     {issued.password}")
        self.stdout.write(f"MaxSessions:  {credential.max_sessions}")
        self.stdout.write(f"AllowedIPs:   {', '.join(credential.allowed_ips or ['any'])}")
        self.stdout.write(f"ExpiresAt:    {expires}")
        self.stdout.write(
            self.style.WARNING(
                "Store the password now: it is shown only this once and cannot be recovered, "
                "only reset."
            )
        )
