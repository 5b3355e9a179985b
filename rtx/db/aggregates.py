"""Continuous aggregates of the time-series tables, where TimescaleDB can keep them.

A :class:`TimeAggregate` is created where its table is a hypertable and the server runs
TimescaleDB's Community edition (the Apache-2 edition has no continuous aggregates): a
real-time continuous aggregate (rows not yet materialized are read from the table), kept
materialized in the background by a refresh policy. Elsewhere it is not created, and the
selectors that use it read the table through its covering index instead; they ask
:func:`exists` on every call, so a session sees an aggregate as soon as it is there.

``rtx_timescale -convert`` creates them once it has made the tables hypertables.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from rtx.db import timescale
from rtx.db.operations import DatabaseOnlyOperation
from rtx.db.relations import relation_exists

logger = logging.getLogger("rtx.timescale")


@dataclass(frozen=True)
class TimeAggregate:
    name: str
    table: str
    width: str  # the bucket, an interval such as "1 minute"
    query: str  # its SELECT, grouped by time_bucket(width, <time column>)
    refresh_every: str


AGGREGATES = (
    TimeAggregate(
        name="trade_minutes",
        table="trades",
        width="1 minute",
        query=(
            "SELECT symbol, time_bucket(INTERVAL '1 minute', executed_at) AS minute,"
            " (array_agg(price ORDER BY executed_at, id))[1] AS open,"
            " max(price) AS high, min(price) AS low,"
            " (array_agg(price ORDER BY executed_at DESC, id DESC))[1] AS close,"
            " sum(volume) AS volume, count(*) AS fills"
            " FROM trades GROUP BY symbol, time_bucket(INTERVAL '1 minute', executed_at)"
        ),
        refresh_every="1 minute",
    ),
    TimeAggregate(
        name="order_history_days",
        table="order_history",
        width="1 day",
        query=(
            "SELECT account_id, time_bucket(INTERVAL '1 day', order_time) AS day,"
            " count(*) AS orders FROM order_history"
            " GROUP BY account_id, time_bucket(INTERVAL '1 day', order_time)"
        ),
        refresh_every="1 hour",
    ),
)


def exists(name: str, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the aggregate ``name`` is in the database (one catalog lookup)."""
    with connections[using].cursor() as cursor:
        return relation_exists(cursor, name)


def unavailable_because(cursor: Any, aggregate: TimeAggregate) -> str | None:
    """Why TimescaleDB cannot keep ``aggregate`` here, or None when it can."""
    state = timescale.state(cursor)
    if state.unusable_because:
        return state.unusable_because
    if state.apache_edition:
        return "TimescaleDB's Apache-2 edition has no continuous aggregates"
    if aggregate.table not in state.hypertables:
        return f"{aggregate.table} is not a hypertable"
    return None


# Reasons already told in this process: one line per run, not one per aggregate.
_told: set[str] = set()


def create(cursor: Any, aggregate: TimeAggregate) -> bool:
    """Create ``aggregate`` where TimescaleDB can keep it; False (and a notice) elsewhere."""
    reason = unavailable_because(cursor, aggregate)
    if reason:
        if reason not in _told:
            _told.add(reason)
            logger.info(
                "Continuous aggregates %s not created (%s): their readers read %s",
                " and ".join(item.name for item in AGGREGATES),
                reason,
                " and ".join(item.table for item in AGGREGATES),
            )
        return False
    # WITH NO DATA: the policy materializes in the background; real-time reads are
    # complete meanwhile.
    cursor.execute(
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {aggregate.name} WITH "
        "(timescaledb.continuous, timescaledb.materialized_only = false) AS "
        f"{aggregate.query} WITH NO DATA"
    )
    cursor.execute(
        "SELECT add_continuous_aggregate_policy(%s::regclass, start_offset => NULL, "
        "end_offset => %s::interval, schedule_interval => %s::interval, if_not_exists => true)",
        [aggregate.name, aggregate.width, aggregate.refresh_every],
    )
    return True


def drop(cursor: Any, aggregate: TimeAggregate) -> None:
    """Drop ``aggregate`` and its refresh policy, if it is there."""
    cursor.execute(f"DROP MATERIALIZED VIEW IF EXISTS {aggregate.name}")


class CreateTimeAggregate(DatabaseOnlyOperation):
    """Migration operation: :func:`create` forwards, :func:`drop` backwards.

    The model reading the aggregate is unmanaged: its state is the same on every server.
    """

    @property
    def aggregate(self) -> TimeAggregate:
        return next(item for item in AGGREGATES if item.name == self.name)

    def forwards(self, cursor: Any) -> None:
        create(cursor, self.aggregate)

    def backwards(self, cursor: Any) -> None:
        drop(cursor, self.aggregate)

    def describe(self) -> str:
        return (
            f"Create {self.name}, a continuous aggregate of {self.aggregate.table}, where possible"
        )
