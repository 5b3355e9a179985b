"""Selector queries compiled to SQL once and then run with new values: the services' hot reads.

Django turns a queryset into SQL anew every time it is evaluated. For the services' point
reads that Python costs more than the database does: about 0.5 ms to build and compile an
account's open positions against 0.2 ms for PostgreSQL to find and send them, on the
reference machine (bench/results/reads.txt). SQLAlchemy caches compiled statements for the
same reason; Django has no such cache, hence this one.

A :class:`CompiledQuery` calls its builder with a :class:`Param` in place of each value to
bind, compiles the queryset through Django once per database, shape and limit, and on each
call binds the values, runs that SQL and builds the rows as the queryset would: model
instances through ``Model.from_db`` or, for a ``values()`` queryset, dicts, both through
the same field converters::

    open_positions = CompiledQuery(
        lambda account_id: Position.objects.filter(account_id=account_id, status="OPEN")
    )
    open_positions.fetch(account_id=7, limit=100)

* A value compared with a field (``field=Param``, ``field__lt=Param``, ...) is prepared by
  that field, exactly as Django prepares it: ``"7"`` becomes 7, a naive datetime is made
  aware with Django's warning, a bad value raises Django's own error.
* A value of None is not bound: the builder is called without it (so its default applies)
  and the set of values given is part of the cache key. Selectors here use None for "any".
* Names listed in ``shape`` reach the builder as real values and key the cache instead:
  for values that change the SQL itself, like a bucket width. Keep them few: the cache
  holds :data:`CACHE_SIZE` compiled statements per query and drops the oldest.
"""

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.lookups import Lookup
from django.db.models.query import ModelIterable, ValuesIterable

from rtx.db.loading import FastLoadingModel

CACHE_SIZE = 64
PAGE = 100  # rows a selector's list holds unless the caller gives a limit


@dataclass(frozen=True)
class Slot:
    """Where a bound value goes in the compiled parameters, and the field that prepares it."""

    name: str
    field: "Field[Any, Any] | None"

    def bind(self, values: Mapping[str, Any], connection: BaseDatabaseWrapper) -> Any:
        value = values[self.name]
        if self.field is None:
            return value
        return self.field.get_db_prep_value(value, connection, prepared=False)


class Param(Expression):
    """A value bound each time a :class:`CompiledQuery` runs; compiles to one placeholder."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.compared_with: Field[Any, Any] | None = None  # set at compile time: attach_fields

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        return "%s", [Slot(self.name, self.compared_with)]

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


def attach_fields(node: Any) -> None:
    """Give each Param compared with a field in ``node`` that field, to prepare its values."""
    if isinstance(node, Lookup):
        if isinstance(node.rhs, Param):
            node.rhs.compared_with = node.lhs.output_field
        return
    for child in getattr(node, "children", ()):  # expressions attach their own
        attach_fields(child)


@dataclass(frozen=True)
class Statement:
    """One compiled shape of a query: its SQL, parameters and how to build its rows."""

    sql: str
    params: tuple[Any, ...]
    make_rows: Callable[[str, list[tuple[Any, ...]]], list[Any]]

    def run(self, alias: str, values: Mapping[str, Any]) -> list[Any]:
        connection = connections[alias]
        params = [p.bind(values, connection) if isinstance(p, Slot) else p for p in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return self.make_rows(alias, rows)


def compile_queryset(queryset: QuerySet[Any], alias: str) -> Statement:
    """Compile ``queryset`` for ``alias`` into a :class:`Statement`.

    Only what Django's iterables would do without further queries is supported: a model's
    own columns (no ``select_related``, ``annotate`` or deferred fields) or ``values()``.
    """
    query = queryset.query
    attach_fields(query.where)
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(columns)

    def converted(rows: list[tuple[Any, ...]]) -> Iterable[Sequence[Any]]:
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        return compiler.apply_converters(rows, converters) if converters else rows

    if queryset._iterable_class is ValuesIterable:
        names = [*query.extra_select, *query.values_select, *query.annotation_select]

        def make_dicts(alias: str, rows: list[tuple[Any, ...]]) -> list[Any]:
            return [dict(zip(names, row, strict=True)) for row in converted(rows)]

        return Statement(sql, tuple(params), make_dicts)

    klass_info = compiler.klass_info
    if (
        queryset._iterable_class is not ModelIterable
        or klass_info is None
        or klass_info.get("related_klass_infos")
        or compiler.annotation_col_map
        or list(klass_info["select_fields"]) != list(range(len(columns)))
        or len(columns) != len(klass_info["model"]._meta.concrete_fields)
    ):
        raise TypeError(
            "a compiled query returns whole model rows or values() dicts; "
            f"this one does more: {sql}"
        )
    model: type[Model] = klass_info["model"]
    attnames = [column.target.attname for column in columns]

    def make_instances(alias: str, rows: list[tuple[Any, ...]]) -> list[Any]:
        if issubclass(model, FastLoadingModel):
            return model.from_db_rows(alias, attnames, converted(rows))
        return [model.from_db(alias, attnames, row) for row in converted(rows)]

    return Statement(sql, tuple(params), make_instances)


class CompiledQuery:
    """A selector's queryset, compiled once per database, shape and limit (module docstring)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *, shape: Sequence[str] = ()) -> None:
        self.build = build
        self.shape = tuple(shape)
        self.statement = functools.lru_cache(maxsize=CACHE_SIZE)(self.compile)

    def compile(
        self,
        alias: str,
        bound: frozenset[str],
        shape: tuple[tuple[str, Any], ...],
        limit: int | None,
    ) -> Statement:
        queryset = self.build(
            **{name: Param(name) for name in bound},
            **{name: value for name, value in shape if value is not None},
        )
        if limit is not None:
            queryset = queryset[:limit]
        statement = compile_queryset(queryset, alias)
        unused = bound - {p.name for p in statement.params if isinstance(p, Slot)}
        if unused:
            raise TypeError(f"the query does not use {', '.join(sorted(unused))}: {statement.sql}")
        return statement

    def fetch(
        self, *, limit: int | None = None, using: str = DEFAULT_DB_ALIAS, **values: Any
    ) -> list[Any]:
        """The rows for these values: model instances, or dicts for a ``values()`` query."""
        if limit is not None and (type(limit) is not int or limit < 0):
            raise ValueError(f"limit must be a non-negative int, not {limit!r}")
        if limit == 0:
            return []
        bound = frozenset(
            name for name, value in values.items() if value is not None and name not in self.shape
        )
        shape = tuple((name, values.get(name)) for name in self.shape)
        return self.statement(using, bound, shape, limit).run(using, values)
