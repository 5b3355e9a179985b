from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RtxConfig(AppConfig):
    name = "rtx"
    verbose_name = "RTX schema"

    def ready(self) -> None:
        from rtx.migrator.mirror import sync_after_migrate

        # Keeps schema_migrations right after a plain `manage.py migrate` as well.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="rtx-mirror-sync")
