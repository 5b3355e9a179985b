from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast, Upper

from accounts.models import TradingGroup
from adminpanel.models import AdminAuditLog, GroupSymbolSettings
from rtx.db.compiled import PAGE, CompiledQuery
from rtx.db.routers import replica_read


def audit_log_search(*, queryset: QuerySet[AdminAuditLog], text: str) -> QuerySet[AdminAuditLog]:
    """Entries whose details contain ``text`` anywhere, case-insensitively.

    ``UPPER(details::text) LIKE UPPER('%text%')`` is what the trigram index
    ``admin_audit_log_details_trgm_idx`` serves.
    """
    if not text:
        return queryset
    return queryset.annotate(details_text=Upper(Cast("details", TextField()))).filter(
        details_text__contains=text.upper()
    )


def audit_entries(
    start: Any,
    end: Any,
    admin_id: Any = None,
    action: Any = None,
    resource_type: Any = None,
    resource_id: Any = None,
) -> QuerySet[AdminAuditLog]:
    entries = AdminAuditLog.objects.filter(created_at__gte=start, created_at__lt=end)
    if admin_id is not None:
        entries = entries.filter(admin_id=admin_id)
    if action is not None:
        entries = entries.filter(action=action)
    if resource_type is not None:
        entries = entries.filter(resource_type=resource_type)
        if resource_id is not None:
            entries = entries.filter(resource_id=resource_id)
    return entries.order_by("-created_at", "-id")


AUDIT_ENTRIES = CompiledQuery(audit_entries)


@replica_read
def audit_log_list(
    *,
    start: datetime,
    end: datetime,
    admin_id: int | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: int | None = None,
    limit: int = PAGE,
) -> list[AdminAuditLog]:
    """Audit entries with ``start <= created_at < end``, newest first, narrowed as asked.

    ``resource_id`` narrows only together with ``resource_type``.
    """
    return AUDIT_ENTRIES.fetch(
        start=start,
        end=end,
        admin_id=admin_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id if resource_type is not None else None,
        limit=limit,
    )


@dataclass(frozen=True)
class SymbolSettings:
    """What applies to a symbol in a group: its own settings over the group's defaults."""

    group_id: int
    symbol: str
    enabled: bool
    markup: Decimal
    commission: Decimal
    min_volume: Decimal | None
    max_volume: Decimal | None
    step_volume: Decimal | None


TRADING_GROUP = CompiledQuery(lambda group_id: TradingGroup.objects.filter(pk=group_id))
OWN_SYMBOL_SETTINGS = CompiledQuery(
    lambda group_id, symbol: GroupSymbolSettings.objects.filter(
        group_id=group_id, symbol=symbol
    ).order_by("id")
)


@replica_read
def symbol_settings_effective(*, group_id: int, symbol: str) -> SymbolSettings:
    """A symbol's settings in a group: group_symbol_settings where set, else the group's.

    Raises ``TradingGroup.DoesNotExist`` for an unknown group.
    """
    groups = TRADING_GROUP.fetch(group_id=group_id, limit=1)
    if not groups:
        raise TradingGroup.DoesNotExist(f"no trading group {group_id}")
    group = groups[0]
    own = next(iter(OWN_SYMBOL_SETTINGS.fetch(group_id=group_id, symbol=symbol, limit=1)), None)

    def pick(name: str, default: Any) -> Any:
        value = getattr(own, name) if own is not None else None
        return default if value is None else value

    return SymbolSettings(
        group_id=group_id,
        symbol=symbol,
        enabled=pick("enabled", True),
        markup=pick("markup", group.markup or Decimal(0)),
        commission=pick("commission", group.commission or Decimal(0)),
        min_volume=pick("min_volume", None),
        max_volume=pick("max_volume", None),
        step_volume=pick("step_volume", None),
    )
