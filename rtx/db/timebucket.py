"""Time-bucket queries that give the same answer with and without TimescaleDB.

:class:`TimeBucket` compiles to TimescaleDB's ``time_bucket()`` (through django-timescaledb's
expression) where the extension is in use, and to PostgreSQL's ``date_bin()`` elsewhere,
with ``time_bucket``'s own origin (Monday 2000-01-03 UTC), so both put every row in the same
bucket. Month-long buckets are refused: ``date_bin`` has no calendar months.

:class:`First` and :class:`Last` pick a column's value from the earliest and latest row of
each group in an explicit order (ties broken by the caller's keys); they are plain SQL on
both kinds of server, unlike TimescaleDB's ``first()``/``last()``.
"""

from datetime import timedelta
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from timescale.db.models.expressions import TimeBucket as TimescaleTimeBucket

from rtx.db import timescale

TIME_BUCKET_ORIGIN = "2000-01-03 00:00:00+00"


def timescale_in_use(connection: BaseDatabaseWrapper) -> bool:
    """Whether this database session can call TimescaleDB's functions (cached per session)."""
    session = id(connection.connection)
    cached = getattr(connection, "_rtx_timescale", None)
    if cached is None or cached[0] != session:
        with connection.cursor() as cursor:
            state = timescale.state(cursor)
        cached = (
            id(connection.connection),
            state.installed is not None and not state.unusable_because,
        )
        connection._rtx_timescale = cached  # type: ignore[attr-defined]
    return bool(cached[1])


class TimeBucket(models.Func):
    output_field = models.DateTimeField()

    def __init__(self, expression: Any, interval: timedelta) -> None:
        if not isinstance(interval, timedelta) or interval <= timedelta(0):
            raise ValueError(f"a bucket is a positive timedelta, not {interval!r}")
        self.interval = interval
        super().__init__(expression, models.Value(interval))

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper, **extra: Any) -> Any:  # type: ignore[override]
        expression = self.source_expressions[0]
        if timescale_in_use(connection):
            bucket = TimescaleTimeBucket(expression, self.interval)
            bucket.output_field = models.DateTimeField()
            return compiler.compile(bucket)
        sql, params = compiler.compile(expression)
        return f"date_bin(%s::interval, {sql}, %s::timestamptz)", [
            self.interval,
            *params,
            TIME_BUCKET_ORIGIN,
        ]


class First(ArrayAgg):
    """The expression's value in the first row of the group, by ``order_by``."""

    template = f"({ArrayAgg.template})[1]"

    @property
    def output_field(self) -> Any:
        return self.source_expressions[0].output_field


class Last(First):
    """The value in the last row: give ``order_by`` in ascending order, as for :class:`First`."""

    def __init__(self, expression: Any, *, order_by: tuple[str, ...], **extra: Any) -> None:
        reverse = tuple(key[1:] if key.startswith("-") else f"-{key}" for key in order_by)
        super().__init__(expression, order_by=reverse, **extra)
