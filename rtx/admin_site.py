"""The back office's admin site: Django's, plus pages that a ModelAdmin cannot serve."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, path, reverse

from risk.admin_views import VIEW_PERMISSION, symbol_correlations


class RtxAdminSite(admin.AdminSite):
    site_header = "RTX back office"
    site_title = "RTX back office"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        extra = [
            path(
                "risk/symbolcorrelation/",
                self.admin_view(symbol_correlations),
                name="risk_symbolcorrelation_changelist",
            )
        ]
        return extra + super().get_urls()

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        apps = super().get_app_list(request, app_label)
        if request.user.has_perm(VIEW_PERMISSION):
            for app in apps:
                if app["app_label"] == "risk":
                    app["models"].append(
                        {
                            "name": "Symbol correlations",
                            "object_name": "SymbolCorrelation",
                            "admin_url": reverse("admin:risk_symbolcorrelation_changelist"),
                            "add_url": None,
                            "view_only": True,
                            "perms": {"view": True},
                        }
                    )
        return apps
