from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db import models


def one_of(table: str, column: str, values: Iterable[str]) -> models.CheckConstraint:
    """``CHECK (column IN (...))``, named ``<table>_<column>_check`` as PostgreSQL would.

    A NULL passes, as in SQL, so the check suits nullable columns too.
    """
    return models.CheckConstraint(
        condition=models.Q(**{f"{column}__in": list(values)}),
        name=f"{table}_{column}_check",
    )


def unique(table: str, *columns: str) -> models.UniqueConstraint:
    """A UNIQUE constraint named as PostgreSQL names it: ``<table>_<columns>_key``."""
    return models.UniqueConstraint(fields=list(columns), name=f"{table}_{'_'.join(columns)}_key")


class PostgresNameLength:
    """Lets an index name use PostgreSQL's 63 bytes, not Django's portable 30 characters.

    Legacy names such as ``idx_fix_credentials_sender_comp_id`` are longer than 30.
    """

    max_name_length = 63
    name: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(self.name.encode()) > self.max_name_length:
            raise ValueError(f"index name {self.name!r} is longer than 63 bytes")


class NamedIndex(PostgresNameLength, models.Index):
    pass


class NamedGinIndex(PostgresNameLength, GinIndex):
    pass


def index(table: str, column: str, *, name: str | None = None) -> NamedIndex:
    """A single-column B-tree index with the legacy name ``idx_<table>_<column>``."""
    return NamedIndex(fields=[column], name=name or f"idx_{table}_{column}")
