from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class RtxConfig(AppConfig):
    name = "rtx"
    verbose_name = "RTX schema"

    def ready(self) -> None:
        from rtx.migrator.mirror import sync_after_migrate

        # Keeps schema_migrations right after a plain `manage.py migrate` as well.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="rtx-mirror-sync")


class RtxAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the back office's site (rtx.admin_site)."""

    default = False  # Named in INSTALLED_APPS; RtxConfig stays this module's default.
    default_site = "rtx.admin_site.RtxAdminSite"
