"""Optional filters of a selector: left out, it does not filter; None means NULL, as in Django.

``queryset.filter(severity=None)`` means ``severity IS NULL``, and so does a selector's
argument given as None. An argument left out has the default :data:`ANY`, "whatever the
value": :func:`filter_given` applies the lookups given a value and drops the others.
"""

import enum
from typing import Any, Final, TypeVar

from django.db.models import Model, QuerySet

_M = TypeVar("_M", bound=Model)


class AnyValue(enum.Enum):
    ANY = "any"

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = AnyValue.ANY


def filter_given(queryset: QuerySet[_M], **lookups: Any) -> QuerySet[_M]:
    """``queryset.filter(**lookups)`` for the lookups whose value is not :data:`ANY`."""
    return queryset.filter(
        **{lookup: value for lookup, value in lookups.items() if value is not ANY}
    )
