"""Reads of risk data for the engine's services."""

from risk.models import LiquidationEvent, RiskAlert, SymbolCorrelation
from rtx.db.keyset import PAGE
from rtx.db.optional_filters import ANY, AnyValue, filter_given
from rtx.db.routers import replica_read


@replica_read
def risk_alert_list_unacknowledged(
    *, severity: str | AnyValue | None = ANY, limit: int = PAGE
) -> list[RiskAlert]:
    """Alerts nobody has acknowledged yet, newest first; of one severity when given."""
    alerts = filter_given(RiskAlert.objects.exclude(acknowledged=True), severity=severity)
    return list(alerts.order_by("-created_at", "-id")[:limit])


@replica_read
def liquidation_event_list(*, account_id: int, limit: int = PAGE) -> list[LiquidationEvent]:
    """An account's liquidations, newest first."""
    events = LiquidationEvent.objects.filter(account_id=account_id)
    return list(events.order_by("-executed_at", "-id")[:limit])


@replica_read
def symbol_correlation_get(*, symbol_a: str, symbol_b: str) -> SymbolCorrelation | None:
    """The correlation of two symbols, whichever order they were stored in (one query).

    Should both orders be stored, the one stored as (symbol_a, symbol_b) is returned.
    """
    pairs = {
        correlation.pk: correlation
        for correlation in SymbolCorrelation.objects.filter(
            pk__in=[(symbol_a, symbol_b), (symbol_b, symbol_a)]
        )
    }
    return pairs.get((symbol_a, symbol_b)) or pairs.get((symbol_b, symbol_a))
