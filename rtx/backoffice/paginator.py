"""Pages of a list without counting every row, and deep pages without reading every row.

A changelist asks its paginator how many rows there are. ``COUNT(*)`` reads them all: a
second on two million trades. :class:`EstimatingPaginator` counts at most
:data:`EXACT_UP_TO` rows; past that it takes the planner's estimate of the whole, and says
so (``estimated``), so the page can show it as such.

A page far into the list is read by offset: PostgreSQL steps over every row before it.
Past :data:`KEYS_ONLY_FROM` rows, the page's keys are read first, from the index alone
where the order allows, and then its rows by key.
"""

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

EXACT_UP_TO = 10_000
KEYS_ONLY_FROM = 10_000


def planner_estimate(queryset: QuerySet[Any]) -> int:
    """The number of rows PostgreSQL's planner expects ``queryset`` to return."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatingPaginator(Paginator):
    object_list: QuerySet[Any]

    estimated = False  # whether count is the planner's estimate

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: EXACT_UP_TO + 1].count()
        if counted <= EXACT_UP_TO:
            return counted
        self.estimated = True
        return max(planner_estimate(self.object_list), counted)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        offset = (number - 1) * self.per_page
        if offset < KEYS_ONLY_FROM:
            return super().page(number)
        keys = self.object_list.values_list("pk", flat=True)[offset : offset + self.per_page]
        return Page(self.object_list.filter(pk__in=list(keys)), number, self)
