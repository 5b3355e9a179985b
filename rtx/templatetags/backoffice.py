"""Template tags of the back office's lists (rtx/templates/backoffice/change_list.html)."""

from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import pagination, search_form

from rtx.backoffice.dates import date_navigation

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def table_date_hierarchy(cl: Any) -> dict[str, Any]:
    """Django's date navigation, with periods from the table's first and last date."""
    return date_navigation(cl)


@register.inclusion_tag("backoffice/pagination.html")
def estimating_pagination(cl: Any) -> dict[str, Any]:
    """Django's page links, with a row count marked when it is the planner's estimate."""
    return pagination(cl)


@register.inclusion_tag("backoffice/search_form.html")
def estimating_search_form(cl: Any) -> dict[str, Any]:
    """Django's search form, with a result count marked when it is the planner's estimate."""
    return search_form(cl)
