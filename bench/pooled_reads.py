"""The read patterns through PgBouncer in transaction mode, next to the same reads direct.

Usage::

    .venv/bin/python bench/pooled_reads.py [--runs 1000] [--scale 0.1] [--seed 42] \\
        [--database NAME] [--keep]

Without ``--database`` it creates ``rtx_bench_<pid>``, applies the schema and seeds it at
``--scale`` (bench/seed.py; its report is not written); with ``--database`` it reads that
seeded database and changes nothing. It starts Debian's ``pgbouncer`` in front of the
configured server (``pool_mode = transaction``, the test suite's configuration from
tests/topology.py: it trusts its clients and logs in to the server without a password, so
the server must trust loopback connections), then runs bench/reads.py's measurement twice,
each in a process of its own: directly, then through PgBouncer with
``DB_POOL_MODE=transaction``. Both sides of a pattern go the same way (the selector through
Django, the statements it sent through psycopg), so the difference is what the pooler adds
to each round trip. Results go to ``bench/results/pooled_reads.txt``.
"""

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from common import PROJECT_ROOT, BenchError, Latency, Server, environment_lines, say, write_results
from reads import measure_reads
from seed import measure_main

sys.path.insert(0, str(PROJECT_ROOT))
from tests.topology import POOL_SIZE, TopologyError, start_pgbouncer

DEFAULT_SCALE = 0.1  # 100k orders, 200k trades: a few minutes in all


@dataclass(frozen=True)
class Figures:
    """One pattern's latencies on one path, in milliseconds (picklable, unlike a Pattern)."""

    name: str
    extra: bool  # shown, not held to a target
    rows: float
    orm: Latency
    sql: Latency


def measure(server: Server, dbname: str, runs: int, pool_mode: str) -> list[Figures]:
    """bench/reads.py's measurement of every pattern, in this (fresh) process."""
    os.environ["DB_POOL_MODE"] = pool_mode
    return [
        Figures(r.pattern.name, r.pattern.target_ms is None, r.rows, r.orm, r.sql)
        for r in measure_reads(server, dbname, runs=runs)
    ]


def measure_apart(server: Server, dbname: str, runs: int, pool_mode: str) -> list[Figures]:
    """:func:`measure` in a process of its own: Django is set up once per process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as child:
        return child.submit(measure, server, dbname, runs, pool_mode).result()


def report_lines(direct: list[Figures], pooled: list[Figures], runs: int) -> list[str]:
    width = max(len(f.name) for f in direct) + 2
    lines = [
        f"{runs} runs per pattern and path after the warm-up runs of bench/reads.py; ms.",
        "direct: the server itself; pgbouncer: through PgBouncer (pool_mode = transaction,"
        " DB_POOL_MODE=transaction). ORM = the selector; SQL = the statements it sent, by hand.",
        "",
        f"{'pattern':<{width}}  {'rows':>5}  {'ORM p50':>15}  {'ORM p99':>15}  {'SQL p99':>15}"
        f"  {'ORM p99 +':>9}",
        f"{'':<{width}}  {'':>5}  {'direct  pgbncr':>15}  {'direct  pgbncr':>15}"
        f"  {'direct  pgbncr':>15}  {'':>9}",
    ]
    for d, p in zip(direct, pooled, strict=True):
        name = d.name + (" *" if d.extra else "")
        lines.append(
            f"{name:<{width}}  {d.rows:>5.0f}  {d.orm.p50:>6.2f}  {p.orm.p50:>6.2f}"
            f"  {d.orm.p99:>6.2f}  {p.orm.p99:>6.2f}  {d.sql.p99:>6.2f}  {p.sql.p99:>6.2f}"
            f"  {p.orm.p99 - d.orm.p99:>+9.2f}"
        )
    lines += ["", "* shown, not held to a target (as in bench/results/reads.txt)."]
    return lines


def measure_direct_and_pooled(server: Server, dbname: str, runs: int) -> None:
    try:
        bouncer = start_pgbouncer(server.host, server.port)
    except TopologyError as error:  # ComponentMissing too: pgbouncer is not installed
        raise BenchError(str(error)) from None
    try:
        load_before = os.getloadavg()[0]
        say(f"Direct: {server.describe(dbname)}")
        direct = measure_apart(server, dbname, runs, "direct")
        pooled_server = Server(bouncer.host, bouncer.port, server.user, server.password)
        say(f"Through PgBouncer: {pooled_server.describe(dbname)}")
        pooled = measure_apart(pooled_server, dbname, runs, "transaction")
        write_results(
            "pooled_reads",
            "rtx-schema benchmark: read patterns direct and through PgBouncer"
            " (bench/pooled_reads.py)",
            [
                *environment_lines(server, dbname),
                f"PgBouncer:   {bouncer.version()}, pool_mode = transaction,"
                f" default_pool_size = {POOL_SIZE}, server_round_robin = 1",
                # Other processes on the machine show in the p99s: say how busy it was.
                f"Load:        1-minute load average {load_before:.2f} before the"
                f" measurements, {os.getloadavg()[0]:.2f} after",
            ],
            report_lines(direct, pooled, runs),
        )
    finally:
        bouncer.stop_and_remove()


def main(argv: list[str] | None = None) -> int:
    return measure_main(
        argv,
        doc=__doc__,
        script="pooled_reads",
        runs=1000,
        runs_help="timed calls per pattern, path and side",
        measure=measure_direct_and_pooled,
        scale=DEFAULT_SCALE,
        report_seed=False,
    )


if __name__ == "__main__":
    sys.exit(main())
