from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast, Upper

from adminpanel.models import AdminAuditLog


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
