"""Reads of risk data for the engine's services (compiled once: see rtx.db.compiled)."""

from typing import Any

from django.db.models import QuerySet

from risk.models import LiquidationEvent, RiskAlert, SymbolCorrelation
from rtx.db.compiled import PAGE, CompiledQuery
from rtx.db.routers import replica_read


def unacknowledged_alerts(severity: Any = None) -> QuerySet[RiskAlert]:
    alerts = RiskAlert.objects.exclude(acknowledged=True)
    if severity is not None:
        alerts = alerts.filter(severity=severity)
    return alerts.order_by("-created_at", "-id")


UNACKNOWLEDGED_ALERTS = CompiledQuery(unacknowledged_alerts)


@replica_read
def risk_alert_list_unacknowledged(
    *, severity: str | None = None, limit: int = PAGE
) -> list[RiskAlert]:
    """Alerts nobody has acknowledged yet, newest first, optionally of one severity."""
    return UNACKNOWLEDGED_ALERTS.fetch(severity=severity, limit=limit)


LIQUIDATION_EVENTS = CompiledQuery(
    lambda account_id: LiquidationEvent.objects.filter(account_id=account_id).order_by(
        "-executed_at", "-id"
    )
)


@replica_read
def liquidation_event_list(*, account_id: int, limit: int = PAGE) -> list[LiquidationEvent]:
    """An account's liquidations, newest first."""
    return LIQUIDATION_EVENTS.fetch(account_id=account_id, limit=limit)


CORRELATION = CompiledQuery(
    lambda symbol1, symbol2: SymbolCorrelation.objects.filter(
        symbol1=symbol1, symbol2=symbol2
    ).order_by("symbol1", "symbol2")
)


@replica_read
def symbol_correlation_get(*, symbol_a: str, symbol_b: str) -> SymbolCorrelation | None:
    """The correlation of two symbols, whichever order they were stored in."""
    for symbol1, symbol2 in ((symbol_a, symbol_b), (symbol_b, symbol_a)):
        found = CORRELATION.fetch(symbol1=symbol1, symbol2=symbol2, limit=1)
        if found:
            return found[0]
    return None
