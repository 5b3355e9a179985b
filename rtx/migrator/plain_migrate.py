"""Plain ``manage.py migrate`` gets the refusals of ``rtx-migrate`` before it changes anything.

Django sends ``pre_migrate`` with the plan it is about to run; this receiver checks that
plan as :meth:`rtx.migrator.runner.Migrator.run` does: other owners' objects that depend on
what it drops stop it always, and rows it drops stop it in production, where only
``rtx-migrate -allow-data-loss`` may drop them.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from rtx.migrator.errors import MigratorError
from rtx.migrator.impact import assess
from rtx.migrator.registry import Registry


def refuse_unsafe_plan(*, plan: list[Any] | None = None, using: str = "default", **_: Any) -> None:
    """``pre_migrate`` receiver: raise the refusal as the command's one-line error."""
    if not plan:
        return
    connection = connections[using]
    registry = Registry.from_setting(settings.RTX_VERSIONS)
    impact = assess(connection, MigrationLoader(connection), plan, registry.owned())
    try:
        impact.check(
            refuse_data_loss=settings.ENVIRONMENT == "production",
            allow_with="plain migrate cannot drop them: use rtx-migrate -allow-data-loss",
        )
    except MigratorError as error:
        raise CommandError(str(error), returncode=error.exit_code) from None
