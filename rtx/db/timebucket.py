"""Time buckets that mean the same on every server: TimescaleDB's origin for PostgreSQL's date_bin.

``date_bin(width, time, TIME_BUCKET_ORIGIN)`` puts every row in the bucket TimescaleDB's
``time_bucket(width, time)`` puts it in, and so in the bucket a continuous aggregate
stores: Monday 2000-01-03 UTC is ``time_bucket``'s origin.
"""

from datetime import UTC, datetime, timedelta

TIME_BUCKET_ORIGIN = datetime(2000, 1, 3, tzinfo=UTC)


def next_bucket_start(moment: datetime, width: timedelta) -> datetime:
    """The start of the first ``width`` bucket that starts at or after ``moment``.

    Rows with ``time >= next_bucket_start(start)`` are those of the buckets that start at
    or after ``start``: the bound a continuous aggregate's rows are selected by.
    """
    buckets, rest = divmod(moment - TIME_BUCKET_ORIGIN, width)
    return TIME_BUCKET_ORIGIN + (buckets + (1 if rest else 0)) * width
