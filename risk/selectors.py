"""Reads of risk data for the engine's services."""

from django.db.models import QuerySet

from risk.models import LiquidationEvent, RiskAlert, SymbolCorrelation


def risk_alert_list_unacknowledged(*, severity: str | None = None) -> QuerySet[RiskAlert]:
    """Alerts nobody has acknowledged yet, newest first, optionally of one severity."""
    alerts = RiskAlert.objects.exclude(acknowledged=True)
    if severity is not None:
        alerts = alerts.filter(severity=severity)
    return alerts.order_by("-created_at", "-id")


def liquidation_event_list(*, account_id: int) -> QuerySet[LiquidationEvent]:
    return LiquidationEvent.objects.filter(account_id=account_id).order_by("-executed_at", "-id")


def symbol_correlation_get(*, symbol_a: str, symbol_b: str) -> SymbolCorrelation | None:
    """The correlation of two symbols, whichever order they were stored in."""
    return (
        SymbolCorrelation.objects.filter(symbol1=symbol_a, symbol2=symbol_b).first()
        or SymbolCorrelation.objects.filter(symbol1=symbol_b, symbol2=symbol_a).first()
    )
