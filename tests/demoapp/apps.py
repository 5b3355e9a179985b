from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def stall_after_migrate(*, using: str = "default", **_: Any) -> None:
    """``PGOPTIONS="-c rtx.demo_post_migrate_sleep=30"`` stalls Django's post-migrate step.

    It runs after the first app's content types and permissions, so a test can kill the
    process half-way through that step.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT pg_sleep(coalesce(nullif(current_setting("
            "'rtx.demo_post_migrate_sleep', true), ''), '0')::float)"
        )


class DemoAppConfig(AppConfig):
    """Versions 2-4 on top of the real version 1, for the multi-version tests of rtx_migrate."""

    name = "tests.demoapp"
    label = "demoapp"

    def ready(self) -> None:
        post_migrate.connect(stall_after_migrate, dispatch_uid="demo-stall-after-migrate")
