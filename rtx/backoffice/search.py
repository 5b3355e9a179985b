"""Search that an index serves: a term matches a whole value of an indexed column.

Django's admin search compares with ``UPPER(column) LIKE UPPER('%term%')`` and joins the
related tables it searches: no index serves either, so two million trades are read for
every search. Here each name in ``search_fields`` is an indexed column, compared with
``=``, or a foreign key's column (``"account__account_number"``), whose keys are looked up
first so that the list is filtered on its own indexed foreign key column. A term that is
no value for a column (text for a number) is not compared with it. Terms separated by
spaces must all match, as in Django's search.
"""

from typing import Any, NamedTuple, cast

from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

MAX_RELATED_KEYS = 1_000  # keys a term may match in a related table


def search_terms(search_term: str) -> list[str]:
    """The terms of the search box, quoted phrases kept whole, as Django's search splits them."""
    terms = []
    for term in smart_split(search_term):
        if term.startswith(('"', "'")) and term[0] == term[-1]:
            term = unescape_string_literal(term)
        terms.append(term)
    return terms


class SearchPath(NamedTuple):
    """A name of ``search_fields``: ``name`` on the model, or ``remote`` on the model it
    refers to (``target``); ``compared`` is the field whose values a term is compared with."""

    name: str
    remote: str
    target: type[Model]
    compared: "Field[Any, Any]"


def search_path(model: type[Model], path: str) -> SearchPath:
    name, _, remote = path.partition("__")
    target = cast(type[Model], model._meta.get_field(name).related_model) if remote else model
    compared = cast("Field[Any, Any]", target._meta.get_field(remote or name))
    return SearchPath(name, remote, target, compared)


def term_condition(model: type[Model], path: str, term: str) -> Q | None:
    """The condition for ``term`` on ``path``; None when nothing there can match it."""
    name, remote, target, compared = search_path(model, path)
    try:
        value = compared.to_python(term)
    except ValidationError:
        return None
    if not remote:
        return Q(**{name: value})
    keys = target._default_manager.filter(**{remote: value}).values_list("pk", flat=True)
    found = list(keys[:MAX_RELATED_KEYS])
    return Q(**{f"{name}__in": found}) if found else None


def indexed_search(
    queryset: QuerySet[Any], search_fields: tuple[str, ...], search_term: str
) -> QuerySet[Any]:
    """``queryset`` narrowed to the rows each term of ``search_term`` matches exactly."""
    for term in search_terms(search_term):
        matches = Q()
        for path in search_fields:
            condition = term_condition(queryset.model, path, term)
            if condition is not None:
                matches |= condition
        if not matches:
            return queryset.none()
        queryset = queryset.filter(matches)
    return queryset
