"""Keyset pagination's condition as PostgreSQL's row comparison.

``(created_at, id) < (%s, %s)`` is one index condition on an index ordered by those
columns: the scan starts at the cursor and reads only the page. Spelled with ``Q`` objects
(``created_at < c OR (created_at = c AND id < i)``) the planner bounds the scan by
``created_at`` alone and filters the rest, with a slower plan to make.
"""

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

PAGE = 100  # rows a selector's list holds unless the caller gives a limit


class RowsBefore(models.Expression):
    """True for rows whose ``columns`` sort before ``values``, column by column."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, columns: Sequence[str], values: Sequence[Any]) -> None:
        if len(columns) != len(values) or not columns:
            raise ValueError("a row comparison needs as many values as columns, at least one")
        super().__init__()
        self.columns: list[Any] = [models.F(column) for column in columns]
        self.values: list[Any] = [models.Value(value) for value in values]

    def get_source_expressions(self) -> list[Any]:
        return [*self.columns, *self.values]

    def set_source_expressions(self, expressions: Sequence[Any]) -> None:
        self.columns = list(expressions[: len(self.columns)])
        self.values = list(expressions[len(self.columns) :])

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        sql = []
        params: list[Any] = []
        for side in (self.columns, self.values):
            compiled = [compiler.compile(expression) for expression in side]
            sql.append(", ".join(part for part, _ in compiled))
            params += [param for _, part_params in compiled for param in part_params]
        return f"({sql[0]}) < ({sql[1]})", params
