from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate, pre_migrate


class RtxConfig(AppConfig):
    name = "rtx"
    verbose_name = "RTX schema"

    def ready(self) -> None:
        import rtx.db.lookups  # noqa: F401  (registers field__any_of)
        from rtx.migrator.mirror import sync_after_migrate
        from rtx.migrator.plain_migrate import refuse_unsafe_plan

        # A plain `manage.py migrate` refuses what rtx-migrate refuses, before it starts,
        # and keeps schema_migrations right after it.
        pre_migrate.connect(refuse_unsafe_plan, sender=self, dispatch_uid="rtx-refuse-unsafe")
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="rtx-mirror-sync")


class RtxAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the back office's site (rtx.admin_site)."""

    default = False  # Named in INSTALLED_APPS; RtxConfig stays this module's default.
    default_site = "rtx.admin_site.RtxAdminSite"
