"""Reads of FIX credentials and sessions."""

from django.db.models import BinaryField, QuerySet
from django.db.models.functions import Substr

from fixapi.crypto import header
from fixapi.models import FixCredential, FixSession, SessionStatus


def credential_find_by_sender(*, sender_comp_id: str) -> FixCredential | None:
    """The one credential with this SenderCompID; None when there is none, or several.

    sender_comp_id has no UNIQUE constraint in the legacy schema; provisioning never
    reuses one, and a duplicate from elsewhere is refused rather than guessed at.
    """
    matches = list(FixCredential.objects.filter(sender_comp_id=sender_comp_id)[:2])
    return matches[0] if len(matches) == 1 else None


def session_count_open(*, user_id: str) -> int:
    return FixSession.objects.filter(credential_id=user_id, status=SessionStatus.ACTIVE).count()


def credentials_not_under_key(*, key_id: str) -> QuerySet[FixCredential]:
    """Credentials whose stored password is not encrypted with ``key_id``, by user_id."""
    prefix = header(key_id)
    return (
        FixCredential.objects.annotate(
            stored_header=Substr("password_encrypted", 1, len(prefix), output_field=BinaryField())
        )
        .exclude(stored_header=prefix)
        .order_by("user_id")
    )
