"""Optional TimescaleDB policies: compression of old trade chunks, retention of order history.

Both are off unless configured (RTX_TRADES_COMPRESS_AFTER, RTX_ORDER_HISTORY_RETENTION),
and exist only where TimescaleDB is in use. Applying them again with another interval
replaces the job; clearing a setting removes its job.

Policies are features of TimescaleDB's Community edition. The Apache-2 edition (what some
distributions package; ``timescaledb.license = apache``) has hypertables but refuses every
policy function, so there a configured policy is refused before anything is changed.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PolicyResult:
    table: str
    policy: str
    interval: str | None
    job_id: int | None

    def describe(self) -> str:
        if self.interval is None:
            return f"{self.table}: no {self.policy} policy"
        return f"{self.table}: {self.policy} after {self.interval} (job {self.job_id})"


class PoliciesUnavailable(Exception):
    """A policy is configured but the server's TimescaleDB edition has no policies."""


def apply(
    cursor: Any, *, compress_after: str, keep: str, apache_edition: bool
) -> list[PolicyResult]:
    """Apply (or remove) both policies as configured, in the caller's transaction."""
    if apache_edition:
        configured = [
            name
            for name, value in (
                ("RTX_TRADES_COMPRESS_AFTER", compress_after),
                ("RTX_ORDER_HISTORY_RETENTION", keep),
            )
            if value
        ]
        if configured:
            verb = "needs" if len(configured) == 1 else "need"
            raise PoliciesUnavailable(
                f"{' and '.join(configured)} {verb} TimescaleDB's Community edition; this server "
                "runs the Apache-2 edition (timescaledb.license = apache), which has no policies"
            )
        return [
            PolicyResult("trades", "compression", None, None),
            PolicyResult("order_history", "retention", None, None),
        ]
    return [apply_compression(cursor, compress_after), apply_retention(cursor, keep)]


def apply_compression(cursor: Any, after: str) -> PolicyResult:
    cursor.execute("SELECT remove_compression_policy('trades', if_exists => true)")
    if not after:
        return PolicyResult("trades", "compression", None, None)
    cursor.execute(
        "ALTER TABLE trades SET (timescaledb.compress, "
        "timescaledb.compress_segmentby = 'symbol', "
        "timescaledb.compress_orderby = 'executed_at DESC, id')"
    )
    cursor.execute("SELECT add_compression_policy('trades', %s::interval)", [after])
    return PolicyResult("trades", "compression", after, cursor.fetchone()[0])


def apply_retention(cursor: Any, keep: str) -> PolicyResult:
    cursor.execute("SELECT remove_retention_policy('order_history', if_exists => true)")
    if not keep:
        return PolicyResult("order_history", "retention", None, None)
    cursor.execute("SELECT add_retention_policy('order_history', %s::interval)", [keep])
    return PolicyResult("order_history", "retention", keep, cursor.fetchone()[0])
