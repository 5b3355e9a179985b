"""Rate-limit tiers and their limits, as the legacy engine documented them."""

from dataclasses import dataclass

from fixapi.errors import CredentialError
from fixapi.models import FixCredential, RateLimitTier


@dataclass(frozen=True)
class TierLimits:
    orders_per_second: int
    messages_per_second: int
    sessions: int

    def describe(self) -> str:
        return (
            f"{self.orders_per_second} orders/s, {self.messages_per_second} messages/s, "
            f"{self.sessions} session{'s' if self.sessions != 1 else ''}"
        )


TIER_LIMITS: dict[str, TierLimits] = {
    RateLimitTier.BASIC: TierLimits(orders_per_second=1, messages_per_second=10, sessions=1),
    RateLimitTier.STANDARD: TierLimits(orders_per_second=5, messages_per_second=50, sessions=3),
    RateLimitTier.PREMIUM: TierLimits(orders_per_second=20, messages_per_second=200, sessions=10),
    RateLimitTier.UNLIMITED: TierLimits(
        orders_per_second=1000, messages_per_second=10000, sessions=100
    ),
}


def session_limit(credential: FixCredential) -> int:
    """max_sessions, or the tier's sessions where a legacy row left max_sessions NULL."""
    if credential.max_sessions is not None:
        return credential.max_sessions
    return TIER_LIMITS[credential.rate_limit_tier].sessions


def tier_limits(tier: str) -> TierLimits:
    """The limits of ``tier``; refuses a tier the rate_limit_tier CHECK does not allow."""
    if tier not in TIER_LIMITS:
        raise CredentialError(
            f"rate_limit_tier {tier!r} is not one of {', '.join(RateLimitTier.values)}"
        )
    return TIER_LIMITS[tier]
