"""Writes of risk data for the engine's services."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from risk.models import LiquidationEvent, RiskAlert
from rtx.money import decimal


@transaction.atomic
def risk_alert_acknowledge(*, alert_id: str, acknowledged_by: str) -> RiskAlert:
    """Acknowledge an alert once; acknowledging it again keeps the first who and when."""
    alert = RiskAlert.objects.select_for_update().get(pk=alert_id)
    if not alert.acknowledged:
        alert.acknowledged = True
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = acknowledged_by
        alert.save(update_fields=["acknowledged", "acknowledged_at", "acknowledged_by"])
    return alert


def liquidation_event_record(
    *,
    event_id: str,
    account_id: int,
    trigger_reason: str,
    margin_level_before: Decimal | None = None,
    positions_closed: list[dict[str, Any]] | None = None,
    total_pnl: Decimal | None = None,
    slippage: Decimal | None = None,
    executed_at: datetime | None = None,
) -> tuple[LiquidationEvent, bool]:
    """Record a liquidation once per event id (a retry returns the first record and False)."""

    def optional(value: Any, name: str) -> Decimal | None:
        return None if value is None else decimal(value, name=name)

    return LiquidationEvent.objects.get_or_create(
        id=event_id,
        defaults={
            "account_id": account_id,
            "trigger_reason": trigger_reason,
            "margin_level_before": optional(margin_level_before, "margin_level_before"),
            "positions_closed": positions_closed,
            "total_pnl": optional(total_pnl, "total_pnl"),
            "slippage": optional(slippage, "slippage"),
            "executed_at": executed_at or timezone.now(),
        },
    )
