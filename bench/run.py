"""Run every benchmark in order and write their results: the figures the README shows.

Usage::

    .venv/bin/python bench/run.py [--scale 1.0] [--seed 42] [--keep] [--runs 1000]

In order:

1. migration speed (bench/migration_speed.py) on three scratch databases of its own;
2. on one fresh database ``rtx_bench_<pid>``: ``rtx-migrate -up``, the seed at ``--scale``
   (bench/seed.py), the read patterns (bench/reads.py), the back office's pages
   (bench/admin_pages.py), the fill throughput (bench/fills.py); then the database is
   dropped, whatever happened, unless ``--keep``.

Each step writes its own ``bench/results/<name>.txt`` (migration_speed, seed, reads,
admin_pages, fills); this script adds ``bench/results/run.txt`` with the command, the
machine, and the wall-clock seconds of each step. Targets that are missed are reported,
never turned into a failing exit status; a step that cannot run ends the script with
status 1.
"""

import argparse
import sys
import time

import admin_pages
import fills
import migration_speed
import reads
import seed
from common import (
    RESULTS_DIR,
    Server,
    bench_database,
    environment_lines,
    run_script,
    say,
    seconds_since,
    write_results,
)


def run_all(
    server: Server, *, scale: float, seed_value: int, runs: int, keep: bool
) -> dict[str, float]:
    """Every step; returns the wall-clock seconds of each."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    migration_speed.write_report(
        server, migration_speed.measure_migrations(server, repeat=3, keep=False)
    )
    timings["migration speed (3 repetitions)"] = seconds_since(start)
    with bench_database(server, existing=None, keep=keep, timings=timings) as dbname:
        start = time.perf_counter()
        seed.write_report(server, seed.seed_database(server, dbname, scale=scale, seed=seed_value))
        timings[f"seed (scale {scale})"] = seconds_since(start)
        start = time.perf_counter()
        reads.write_report(server, dbname, reads.measure_reads(server, dbname, runs=runs), runs)
        timings[f"reads ({runs} runs per pattern)"] = seconds_since(start)
        start = time.perf_counter()
        admin_pages.write_report(server, dbname, admin_pages.measure_pages(server, dbname))
        timings["back-office pages"] = seconds_since(start)
        start = time.perf_counter()
        fills_per_worker = 200
        measured = fills.measure_fills(server, dbname, fills_per_worker=fills_per_worker)
        fills.write_report(server, dbname, measured, fills_per_worker)
        timings["fills (1, 4, 8 workers; 2 scenarios)"] = seconds_since(start)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    seed.add_seed_arguments(parser)
    parser.add_argument(
        "--runs", type=int, default=1000, help="timed calls per read pattern (default 1000)"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the benchmark database instead of dropping it at the end",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, not {args.runs}")

    def run(server: Server) -> None:
        start = time.perf_counter()
        timings = run_all(
            server, scale=args.scale, seed_value=args.seed, runs=args.runs, keep=args.keep
        )
        total = seconds_since(start)
        body = [f"{'step':<44}{'seconds':>9}"]
        body += [f"{step:<44}{seconds:>9.1f}" for step, seconds in timings.items()]
        body += [
            f"{'all':<44}{total:>9.1f}",
            "",
            "Results: "
            + ", ".join(
                f"bench/results/{name}.txt"
                for name in ("migration_speed", "seed", "reads", "admin_pages", "fills")
                if (RESULTS_DIR / f"{name}.txt").exists()
            ),
        ]
        write_results(
            "run", "rtx-schema benchmarks: one run of bench/run.py", environment_lines(server), body
        )
        say(f"All benchmarks done in {total:.0f}s")

    return run_script("run", run)


if __name__ == "__main__":
    sys.exit(main())
