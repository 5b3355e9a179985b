"""What a range of versions changes in the schema, read from the catalog of a scratch database.

The scratch database is created next to the configured one, migrated to the first
version, then to the second, compared, and dropped; the configured database is untouched.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from rtx.migrator.catalog import catalog, catalog_differences
from rtx.migrator.database import create_database, drop_database
from rtx.migrator.events import Progress
from rtx.migrator.registry import Registry
from rtx.migrator.runner import Migrator
from rtx.migrator.steps import Event, StepDone

SCRATCH_ALIAS = "rtx_schema_diff"


@contextmanager
def scratch_database(base: BaseDatabaseWrapper) -> Iterator[BaseDatabaseWrapper]:
    settings = base.settings_dict
    name = f"{settings['NAME']}_diff_{os.getpid()}"[:63]
    create_database(settings, name)
    connections.settings[SCRATCH_ALIAS] = {**settings, "NAME": name}
    try:
        yield connections[SCRATCH_ALIAS]
    finally:
        connections[SCRATCH_ALIAS].close()
        del connections[SCRATCH_ALIAS]
        del connections.settings[SCRATCH_ALIAS]
        drop_database(settings, name)


def schema_diff(
    base: BaseDatabaseWrapper,
    registry: Registry,
    first: int,
    second: int,
    report: Callable[[Progress], None] = lambda progress: None,
) -> list[str]:
    """Every catalog difference between a database at version ``first`` and at ``second``."""

    def built(event: Event) -> None:
        if isinstance(event, StepDone):
            step = event.step
            report(Progress(f"scratch database: version {step.version.label} {step.done}"))

    with scratch_database(base) as connection:
        migrator = Migrator(connection, registry, report=built)
        migrator.init()
        migrator.run(migrator.plan(first))
        with connection.cursor() as cursor:
            before = catalog(cursor)
        migrator.run(migrator.plan(second))
        with connection.cursor() as cursor:
            after = catalog(cursor)
    return catalog_differences(before, after)
