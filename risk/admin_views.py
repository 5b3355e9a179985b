"""A read-only admin page for symbol_correlations (composite key: no ModelAdmin in Django 5.2)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from risk.models import SymbolCorrelation

VIEW_PERMISSION = "risk.view_symbolcorrelation"
PAGE_SIZE = 100


def symbol_correlations(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    query = request.GET.get("q", "").strip().upper()
    rows = SymbolCorrelation.objects.order_by("symbol1", "symbol2")
    if query:
        rows = rows.filter(Q(symbol1=query) | Q(symbol2=query))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("p"))
    context = {
        **admin.site.each_context(request),
        "title": "Symbol correlations",
        "page": page,
        "query": query,
    }
    return TemplateResponse(request, "admin/risk/symbol_correlations.html", context)
