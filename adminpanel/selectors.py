"""Reads of the audit log and of the per-group symbol settings."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, FilteredRelation, Max, Q, QuerySet, TextField
from django.db.models.functions import Cast, Upper

from accounts.models import TradingGroup
from adminpanel.models import AdminAuditLog
from rtx.db.keyset import PAGE
from rtx.db.optional_filters import ANY, AnyValue, filter_given
from rtx.db.routers import replica_read

# How many of the newest entries the audit log's searches sample, and the share of them that
# must match for a search to count as common; up to SEARCH_IDS entries of a rarer one are
# returned by id (see newest_first_or_by_id).
SEARCH_SAMPLE = 2_000
COMMON_SHARE = 0.01
SEARCH_IDS = 10_000


@replica_read
def audit_log_list(
    *,
    start: datetime,
    end: datetime,
    admin_id: int | AnyValue | None = ANY,
    action: str | AnyValue = ANY,
    resource_type: str | AnyValue = ANY,
    resource_id: int | AnyValue | None = ANY,
    limit: int = PAGE,
) -> list[AdminAuditLog]:
    """Audit entries with ``start <= created_at < end``, newest first, narrowed as asked.

    None is NULL: ``admin_id=None`` lists what no admin did (``SYSTEM`` and the like). The
    indexes serve admin_id, action, or resource_type (with or without resource_id).
    """
    entries = filter_given(
        AdminAuditLog.objects.filter(created_at__gte=start, created_at__lt=end),
        admin_id=admin_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
    )
    return list(entries.order_by("-created_at", "-id")[:limit])


def audit_log_containing(
    *, details: dict[str, Any], queryset: QuerySet[AdminAuditLog] | None = None
) -> QuerySet[AdminAuditLog]:
    """Entries of ``queryset`` (default: all) whose details contain ``details``, newest first.

    JSON containment: ``details={"account_id": 42}`` finds every entry with that key and
    value at the top of its details; ``{"changes": {"status": {}}}`` every change of a
    status. Served by ``admin_audit_log_details_path_idx``; reads when called (see
    newest_first_or_by_id).
    """
    entries = AdminAuditLog.objects.all() if queryset is None else queryset
    return newest_first_or_by_id(entries, entries.filter(details__contains=details))


def audit_log_search(
    *, text: str, queryset: QuerySet[AdminAuditLog] | None = None
) -> QuerySet[AdminAuditLog]:
    """Entries of ``queryset`` (default: all) whose details contain ``text``, in any case.

    ``UPPER(details::text) LIKE UPPER('%text%')``, served by the trigram index
    ``admin_audit_log_details_trgm_idx``; reads when called (see newest_first_or_by_id).
    """
    entries = AdminAuditLog.objects.all() if queryset is None else queryset
    if not text:
        return entries.order_by("-id")
    matching = entries.alias(details_text=Upper(Cast("details", TextField()))).filter(
        details_text__contains=text.upper()
    )
    return newest_first_or_by_id(entries, matching)


def newest_first_or_by_id(
    entries: QuerySet[AdminAuditLog], matching: QuerySet[AdminAuditLog]
) -> QuerySet[AdminAuditLog]:
    """The entries of ``matching``, newest first, read the way that finds them quickly.

    A GIN index finds the entries that match but not in the log's order, so PostgreSQL
    must choose: read them all through the index and sort, or read the log newest first
    and keep those that match. Its estimate for a JSON document or a text pattern cannot
    tell which is cheaper, and the wrong choice is slow both ways: a page of the busiest
    accounts' entries (up to 1,300 among 500k) took 26.7 ms at p99 read in the log's order,
    and a status change (in a quarter of the entries) takes milliseconds to collect through
    the index where the log's order finds a page at once. So the newest SEARCH_SAMPLE
    entries are sampled first (two statements): a match in COMMON_SHARE of them or more is
    read in the log's order; a rarer one through the index, whose ids (up to SEARCH_IDS;
    past that, the log's order again) are read when this is called, and the entries are
    returned by id: a queryset made later does not see entries added since.
    """
    newest = AdminAuditLog.objects.aggregate(newest=Max("id"))["newest"] or 0
    sampled = matching.filter(id__gt=newest - SEARCH_SAMPLE).count()
    if sampled < SEARCH_SAMPLE * COMMON_SHARE:
        found = list(matching.order_by().values_list("id", flat=True)[: SEARCH_IDS + 1])
        if len(found) <= SEARCH_IDS:
            return entries.filter(id__any_of=found).order_by("-id")
    return matching.order_by("-id")


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


@replica_read
def symbol_settings_effective(*, group_id: int, symbol: str) -> SymbolSettings:
    """A symbol's settings in a group: group_symbol_settings where set, else the group's.

    One query: the group with its settings row for the symbol, if any. Raises
    ``TradingGroup.DoesNotExist`` for an unknown group.
    """
    row = (
        TradingGroup.objects.annotate(
            own=FilteredRelation("symbol_settings", condition=Q(symbol_settings__symbol=symbol))
        )
        .values(
            "markup",
            "commission",
            own_enabled=F("own__enabled"),
            own_markup=F("own__markup"),
            own_commission=F("own__commission"),
            min_volume=F("own__min_volume"),
            max_volume=F("own__max_volume"),
            step_volume=F("own__step_volume"),
        )
        .get(pk=group_id)
    )

    def pick(own: Any, default: Any) -> Any:
        return default if own is None else own

    return SymbolSettings(
        group_id=group_id,
        symbol=symbol,
        enabled=pick(row["own_enabled"], True),
        markup=pick(row["own_markup"], row["markup"] or Decimal(0)),
        commission=pick(row["own_commission"], row["commission"] or Decimal(0)),
        min_volume=row["min_volume"],
        max_volume=row["max_volume"],
        step_volume=row["step_volume"],
    )
