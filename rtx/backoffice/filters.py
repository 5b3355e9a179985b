"""A list filter that finds a column's values through its index, one probe per value.

Django's filter for a column without fixed choices lists its values with ``SELECT
DISTINCT``, which reads every row: 0.2 s on two million trades. Where an index starts with
the column, a recursive query hops from each value to the next through the index (a
"loose index scan"): as many probes as there are values.
"""

from typing import Any

from django.contrib import admin
from django.db import connections
from django.db.models import Field, Model, UniqueConstraint

MAX_VALUES = 200  # a filter offers at most this many values

LOOSE_SCAN_SQL = """
WITH RECURSIVE found(value, n) AS (
    (SELECT {column}, 1 FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
  UNION ALL
    SELECT (SELECT {column} FROM {table} WHERE {column} > found.value ORDER BY {column} LIMIT 1),
           n + 1
    FROM found WHERE found.value IS NOT NULL AND n < %s
)
SELECT value FROM found WHERE value IS NOT NULL
UNION ALL
(SELECT NULL FROM {table} WHERE {column} IS NULL LIMIT 1)
"""


def leads_an_index(model: type[Model], field: "Field[Any, Any]") -> bool:
    """Whether an index or a unique constraint of the model's Meta starts with ``field``."""
    leading = [index.fields[0].lstrip("-") for index in model._meta.indexes if index.fields]
    leading += [
        constraint.fields[0]
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint) and constraint.fields
    ]
    return field.primary_key or field.name in leading


def indexed_values(model: type[Model], field: "Field[Any, Any]", using: str) -> list[Any]:
    """The column's distinct values in order (None last, when there are NULLs)."""
    connection = connections[using]
    query = LOOSE_SCAN_SQL.format(
        table=connection.ops.quote_name(model._meta.db_table),
        column=connection.ops.quote_name(field.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [MAX_VALUES])
        return [row[0] for row in cursor.fetchall()]


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """Django's values filter, with the values found through the column's index."""

    def __init__(
        self,
        field: "Field[Any, Any]",
        request: Any,
        params: Any,
        model: type[Model],
        model_admin: Any,
        field_path: str,
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        # A list where Django keeps a lazy queryset: choices() only iterates over it.
        self.lookup_choices = indexed_values(  # type: ignore[assignment]
            field.model, field, model_admin.get_queryset(request).db
        )
