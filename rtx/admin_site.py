"""The back office's admin site: Django's, plus pages that a ModelAdmin cannot serve.

An app adds such a page from its own admin module (``site.register_page(...)``), so the
site itself imports no app.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, reverse


@dataclass(frozen=True)
class AdminPage:
    """A page listed under its app like a model's list, e.g. a table with a composite key."""

    app_label: str
    model_name: str  # the URL's last segment, as Django names a model's list
    title: str
    view_permission: str
    view: Callable[[HttpRequest], HttpResponse]

    @property
    def url_name(self) -> str:
        return f"{self.app_label}_{self.model_name}_changelist"


class RtxAdminSite(admin.AdminSite):
    site_header = "RTX back office"
    site_title = "RTX back office"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages: list[AdminPage] = []

    def register_page(self, page: AdminPage) -> None:
        self.pages.append(page)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        extra: list[URLResolver | URLPattern] = [
            path(
                f"{page.app_label}/{page.model_name}/",
                self.admin_view(page.view),
                name=page.url_name,
            )
            for page in self.pages
        ]
        return extra + super().get_urls()

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        apps = super().get_app_list(request, app_label)
        for page in self.pages:
            if not request.user.has_perm(page.view_permission):
                continue
            for app in apps:
                if app["app_label"] == page.app_label:
                    app["models"].append(
                        {
                            "name": page.title,
                            "object_name": page.model_name,
                            "admin_url": reverse(f"{self.name}:{page.url_name}"),
                            "add_url": None,
                            "view_only": True,
                            "perms": {"view": True},
                        }
                    )
        return apps
