"""Plain ``manage.py migrate`` gets the refusals of ``rtx-migrate`` before it changes anything.

Django sends ``pre_migrate`` with the plan it is about to run; this receiver checks that
plan as :meth:`rtx.migrator.runner.Migrator.run` does: other owners' objects that depend on
what it drops stop it always, and rows it drops stop it in production, where only
``rtx-migrate -allow-data-loss`` may drop them.
"""

from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from rtx.migrator.errors import as_command_errors
from rtx.migrator.impact import assess, refuses_data_loss
from rtx.migrator.registry import Registry


def refuse_unsafe_plan(*, plan: list[Any] | None = None, using: str = "default", **_: Any) -> None:
    """``pre_migrate`` receiver: raise the refusal as the command's one-line error."""
    if not plan:
        return
    connection = connections[using]
    registry = Registry.from_setting(settings.RTX_VERSIONS)
    impact = assess(connection, MigrationLoader(connection), plan, registry.owned())
    with as_command_errors():
        impact.check(
            refuse_data_loss=refuses_data_loss(allowed=False),
            allow_with="plain migrate cannot drop them: use rtx-migrate -allow-data-loss",
        )
