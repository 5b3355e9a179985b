"""Risk alerts, liquidations and the symbol correlation matrix."""

from django.db import models

from accounts.models import Account
from rtx.db.constraints import NamedIndex, index
from rtx.db.fields import money_field
from rtx.db.functions import CurrentTimestamp


class RiskAlert(models.Model):
    # The risk engine supplies the id.
    id = models.CharField(max_length=255, primary_key=True)
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_index=False,
        related_name="risk_alerts",
    )
    alert_type = models.CharField(max_length=100)
    severity = models.CharField(max_length=50)
    message = models.TextField()
    acknowledged = models.BooleanField(null=True, blank=True, db_default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(db_default=CurrentTimestamp())

    class Meta:
        db_table = "risk_alerts"
        indexes = [
            index("risk_alerts", "account_id"),
            index("risk_alerts", "alert_type", name="idx_risk_alerts_type"),
            index("risk_alerts", "severity"),
            index("risk_alerts", "acknowledged"),
            index("risk_alerts", "created_at"),
            # risk_alert_list_unacknowledged
            NamedIndex(
                fields=["severity", "-created_at"],
                condition=~models.Q(acknowledged=True),
                name="risk_alerts_unacknowledged_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class LiquidationEvent(models.Model):
    id = models.CharField(max_length=255, primary_key=True)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, db_index=False, related_name="liquidation_events"
    )
    trigger_reason = models.CharField(max_length=255)
    margin_level_before = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, db_comment="Percent"
    )
    positions_closed = models.JSONField(null=True, blank=True)
    total_pnl = money_field(null=True, blank=True)
    slippage = money_field(null=True, blank=True)
    executed_at = models.DateTimeField(db_default=CurrentTimestamp())

    class Meta:
        db_table = "liquidation_events"
        indexes = [
            index("liquidation_events", "account_id"),
            index("liquidation_events", "executed_at"),
            # liquidation_event_list
            NamedIndex(
                fields=["account_id", "-executed_at"], name="liquidation_events_account_time_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.id


class SymbolCorrelation(models.Model):
    pk = models.CompositePrimaryKey("symbol1", "symbol2")
    symbol1 = models.CharField(max_length=50)
    symbol2 = models.CharField(max_length=50)
    correlation = models.DecimalField(max_digits=5, decimal_places=4)
    calculated_at = models.DateTimeField(db_default=CurrentTimestamp())

    class Meta:
        db_table = "symbol_correlations"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(correlation__gte=-1, correlation__lte=1),
                name="symbol_correlations_correlation_check",
            )
        ]
        indexes = [
            index("symbol_correlations", "symbol1"),
            index("symbol_correlations", "symbol2"),
        ]

    def __str__(self) -> str:
        return f"{self.symbol1}/{self.symbol2}"
