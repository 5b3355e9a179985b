"""Selectors' reads on the streaming replica; everything else on the primary.

With ``DB_REPLICA_URL`` set, the settings add the ``replica`` database alias and install
:class:`PrimaryReplicaRouter`. A query goes to the replica only when all of these hold:

* it runs inside a function marked :func:`replica_read`: the selectors whose callers accept
  rows as old as the replica's replay lag;
* it runs outside a transaction on the primary (``transaction.atomic``): a service's reads
  inside its transaction see its own writes and its locks, whatever it calls;
* it runs outside :func:`primary_reads`, which code opens around reads that must see what
  it committed earlier (``with primary_reads(): order_list_pending_for_symbol(...)``).

Every write, every other read (services, the admin, management commands) and every
migration goes to the primary: ``db_for_write`` is always ``default`` (so an instance read
from the replica is saved to the primary) and ``allow_migrate`` is true on the primary's
aliases only (``default``, and ``migrate``, its direct address for rtx-migrate).
Without a replica nothing here changes where a query goes.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPLICA = "replica"
MIGRATE = "migrate"

Params = ParamSpec("Params")
Result = TypeVar("Result")

# Context variables, so each thread and each asyncio task has its own.
_in_replica_read: ContextVar[bool] = ContextVar("rtx_in_replica_read", default=False)
_primary_reads_only: ContextVar[bool] = ContextVar("rtx_primary_reads_only", default=False)


def replica_read(selector: Callable[Params, Result]) -> Callable[Params, Result]:
    """Mark ``selector`` as a read the replica may serve (see the module docstring)."""

    @functools.wraps(selector)
    def read(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        token = _in_replica_read.set(True)
        try:
            return selector(*args, **kwargs)
        finally:
            _in_replica_read.reset(token)

    return read


@contextmanager
def primary_reads() -> Iterator[None]:
    """Every read in the block goes to the primary, selectors' included."""
    token = _primary_reads_only.set(True)
    try:
        yield
    finally:
        _primary_reads_only.reset(token)


def read_alias() -> str:
    """The database a read made now goes to: ``replica`` or ``default``."""
    if (
        _in_replica_read.get()
        and not _primary_reads_only.get()
        and REPLICA in settings.DATABASES
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS


class PrimaryReplicaRouter:
    """Django's database router for a primary (``default``) and its ``replica``."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        """Rows of the replica and of the primary are rows of one database."""
        same_rows = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in same_rows and obj2._state.db in same_rows:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # ``migrate`` (RTX_MIGRATE_DATABASE_URL) is the primary too, reached directly.
        return db in (DEFAULT_DB_ALIAS, MIGRATE)
