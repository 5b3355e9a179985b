"""The list page of every back-office table, made to stay fast on millions of rows.

* Counting: at most 10,000 rows, then the planner's estimate, shown as such
  (:class:`~rtx.backoffice.paginator.EstimatingPaginator`); no second count of the whole
  table and no counts per filter choice.
* Date navigation from the table's first and last date (:mod:`rtx.backoffice.dates`); a
  chosen period orders the list by that date, newest first, so that the date's index
  serves the period, however old. Otherwise the list is newest first by id (ids are given
  in time order), which the primary key serves, deep pages included.
* A filter on a column without fixed choices reads its values through the column's index
  (:class:`~rtx.backoffice.filters.IndexedValuesFilter`).
* Search compares exact values of indexed columns (:mod:`rtx.backoffice.search`).
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from rtx.backoffice.filters import IndexedValuesFilter, leads_an_index
from rtx.backoffice.paginator import EstimatingPaginator
from rtx.backoffice.search import indexed_search, search_path


class BackOfficeAdmin(admin.ModelAdmin):
    paginator = EstimatingPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    change_list_template = "backoffice/change_list.html"

    def __init__(self, model: type[models.Model], admin_site: admin.AdminSite) -> None:
        super().__init__(model, admin_site)
        if self.search_fields and self.search_help_text is None:
            names = ", ".join(self._label(path) for path in self.search_fields)
            # Per instance: the labels need the model.
            self.search_help_text = f"Finds exact values of: {names}."  # type: ignore[misc]

    def _label(self, path: str) -> str:
        return str(search_path(self.model, path).compared.verbose_name)

    def get_ordering(self, request: HttpRequest) -> Any:
        period = self.date_hierarchy and any(
            name.startswith(f"{self.date_hierarchy}__") for name in request.GET
        )
        return (f"-{self.date_hierarchy}",) if period else super().get_ordering(request)

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [self._through_index(spec) for spec in super().get_list_filter(request)]

    def _through_index(self, spec: Any) -> Any:
        """A plain column's filter as IndexedValuesFilter where an index starts with it."""
        if not isinstance(spec, str):
            return spec
        try:
            field = self.model._meta.get_field(spec)
        except FieldDoesNotExist:
            return spec
        plain = not (
            field.is_relation
            or field.choices
            or isinstance(field, models.BooleanField | models.DateField)
        )
        if plain and leads_an_index(self.model, field):
            return (spec, IndexedValuesFilter)
        return spec

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        fields = tuple(self.get_search_fields(request))
        return indexed_search(queryset, fields, search_term), False
