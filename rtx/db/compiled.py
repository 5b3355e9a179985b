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

* A value is compared with a field (``field=Param``, ``field__lt=Param``; =, <, <=, >, >=
  only) and prepared by that field, exactly as Django prepares it: ``"7"`` becomes 7, a
  naive datetime is made aware with Django's warning, a bad value raises Django's own error,
  a float compared with an integer column by < or >= is rounded up. A Param anywhere else (a
  subquery, an annotation) or in another lookup (``__in``, ``__contains``) is refused when
  the query is compiled. One difference: an integer outside its column's range raises the
  database's error, where Django would have answered without asking it.
* A value of None is not bound: the builder is called without it (so its default applies)
  and the set of values given is part of the cache key. Selectors here use None for "any".
* Names listed in ``shape`` reach the builder as real values and key the cache instead:
  for values that change the SQL itself, like a bucket width. Keep them few: the cache
  holds :data:`CACHE_SIZE` compiled statements per query and drops the oldest; each
  ``limit`` is a statement of its own too.
* ``depends_on(connection)``, when given, is part of the cache key: for SQL that depends on
  the session, like whether TimescaleDB's ``time_bucket`` can be called there.
"""

import functools
import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IntegerFieldFloatRounding,
    LessThan,
    LessThanOrEqual,
    Lookup,
)
from django.db.models.query import ModelIterable, ValuesIterable

from rtx.db.loading import FastLoadingModel
from rtx.db.routers import read_alias

CACHE_SIZE = 64
PAGE = 100  # rows a selector's list holds unless the caller gives a limit
COMPARISONS = (Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual)

Row = Sequence[Any]
# Per column position: Django's converter functions and the column's expression.
Converters = tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


@dataclass(frozen=True)
class Slot:
    """Where a bound value goes in the compiled parameters, and the field that prepares it."""

    name: str
    field: "Field[Any, Any]"
    round_floats_up: bool  # Django's IntegerFieldFloatRounding (< and >= on integers)

    def bind(self, values: Mapping[str, Any], connection: BaseDatabaseWrapper) -> Any:
        value = values[self.name]
        if self.round_floats_up and isinstance(value, float):
            value = math.ceil(value)
        return self.field.get_db_prep_value(value, connection, prepared=False)


class Param(Expression):
    """A value bound each time a :class:`CompiledQuery` runs; compiles to one placeholder."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        # Set at compile time by attach_fields (or an expression that compares it).
        self.compared_with: Field[Any, Any] | None = None
        self.round_floats_up = False

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        if self.compared_with is None:
            raise TypeError(
                f"Param {self.name!r} must be compared with a field (=, <, <=, >, >=) in the "
                "query's own filter() or exclude()"
            )
        return "%s", [Slot(self.name, self.compared_with, self.round_floats_up)]

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


def attach_fields(node: Any) -> None:
    """Give each Param compared with a field in ``node`` that field, to prepare its values."""
    if isinstance(node, Lookup):
        if isinstance(node.rhs, Param):
            if not isinstance(node, COMPARISONS):
                raise TypeError(
                    f"Param {node.rhs.name!r}: a {node.lookup_name!r} lookup cannot be "
                    "compiled; only =, <, <=, >, >= can"
                )
            node.rhs.compared_with = node.lhs.output_field
            node.rhs.round_floats_up = isinstance(node, IntegerFieldFloatRounding)
        return
    for child in getattr(node, "children", ()):
        attach_fields(child)


def convert(rows: list[Row], converters: Converters, connection: Any) -> Iterator[Row]:
    """Django's ``SQLCompiler.apply_converters``, with the running thread's connection."""
    for row in rows:
        converted = list(row)
        for position, functions, expression in converters:
            value = converted[position]
            for function in functions:
                value = function(value, expression, connection)
            converted[position] = value
        yield converted


@dataclass(frozen=True)
class Statement:
    """One compiled shape of a query: its SQL, parameters and how to build its rows.

    It holds no compiler or connection: every thread runs it on its own connection.
    """

    sql: str
    params: tuple[Any, ...]
    width: int | None  # columns to keep when Django selected extra ones for ORDER BY
    converters: Converters
    make_rows: Callable[[str, list[Row]], list[Any]]

    def run(self, alias: str, values: Mapping[str, Any]) -> list[Any]:
        connection = connections[alias]
        params = [p.bind(values, connection) if isinstance(p, Slot) else p for p in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: list[Row] = cursor.fetchall()
        if self.width is not None:
            rows = [row[: self.width] for row in rows]
        if self.converters:
            rows = list(convert(rows, self.converters, connection))
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
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(columns).items()
    )
    width = compiler.col_count if compiler.has_extra_select else None

    if queryset._iterable_class is ValuesIterable:
        # The order ValuesIterable names the columns in.
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )

        def make_dicts(alias: str, rows: list[Row]) -> list[Any]:
            return [dict(zip(names, row, strict=True)) for row in rows]

        return Statement(sql, tuple(params), width, converters, make_dicts)

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

    def make_instances(alias: str, rows: list[Row]) -> list[Any]:
        if issubclass(model, FastLoadingModel):
            return model.from_db_rows(alias, attnames, rows)
        return [model.from_db(alias, attnames, row) for row in rows]

    return Statement(sql, tuple(params), width, converters, make_instances)


class CompiledQuery:
    """A selector's queryset, compiled once per database, shape and limit (module docstring)."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        shape: Sequence[str] = (),
        depends_on: Callable[[BaseDatabaseWrapper], Hashable] | None = None,
    ) -> None:
        self.build = build
        self.shape = tuple(shape)
        self.depends_on = depends_on
        self.statement = functools.lru_cache(maxsize=CACHE_SIZE)(self.compile)

    def compile(
        self,
        alias: str,
        bound: frozenset[str],
        shape: tuple[tuple[str, Any], ...],
        limit: int | None,
        session: Hashable,  # what depends_on said: only a key, the builder sees it through SQL
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
        self, *, limit: int | None = None, using: str | None = None, **values: Any
    ) -> list[Any]:
        """The rows for these values: model instances, or dicts for a ``values()`` query.

        Read from ``using``, or else where the router sends reads now (it runs the SQL itself,
        so Django's router would not be asked).
        """
        if using is None:
            using = read_alias()
        if limit is not None and (type(limit) is not int or limit < 0):
            raise ValueError(f"limit must be a non-negative int, not {limit!r}")
        if limit == 0:
            return []
        bound = frozenset(
            name for name, value in values.items() if value is not None and name not in self.shape
        )
        shape = tuple((name, values.get(name)) for name in self.shape)
        session = self.depends_on(connections[using]) if self.depends_on else None
        return self.statement(using, bound, shape, limit, session).run(using, values)
