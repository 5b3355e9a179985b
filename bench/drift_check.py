"""The drift check's cost: what every ``rtx-migrate -status`` (and every run) adds.

Usage::

    .venv/bin/python bench/drift_check.py [--runs 100] [--keep]

On a database of its own with every version applied, it times, in one process, ``--runs``
times each: the whole status (``Migrator.status()``: records, checksums, TimescaleDB,
standbys and the drift check), and the drift check alone (the promises of the applied
versions from the migration states, and the catalog queries that compare them). It also
times three ``rtx-migrate -status`` processes, start-up included, as an operator sees them.
Results go to ``bench/results/drift_check.txt``.
"""

import argparse
import sys
import time

from common import (
    BenchError,
    Server,
    bench_database,
    environment_lines,
    median,
    percentile,
    run_manage,
    say,
    setup_django,
    write_results,
)


def timed(call, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--keep", action="store_true")
    arguments = parser.parse_args()
    server = Server.from_environment()
    with bench_database(server, existing=None, keep=arguments.keep) as dbname:
        setup_django(server, dbname)
        from django.conf import settings
        from django.db import connection
        from django.db.migrations.loader import MigrationLoader

        from rtx.migrator.drift import find_drift
        from rtx.migrator.promises import promises
        from rtx.migrator.registry import Registry
        from rtx.migrator.runner import Migrator

        registry = Registry.from_setting(settings.RTX_VERSIONS)
        migrator = Migrator(connection, registry)
        applied = {version.number for version in registry.versions}

        def drift_check() -> None:
            loader = MigrationLoader(connection)
            with connection.cursor() as cursor:
                if find_drift(cursor, promises(connection, loader, registry, applied)):
                    raise BenchError("the freshly migrated database has drift")

        say(f"Timing the status and the drift check, {arguments.runs} runs each")
        status = timed(migrator.status, arguments.runs)
        drift = timed(drift_check, arguments.runs)
        processes = [run_manage(server, dbname, "rtx_migrate", "-status").seconds for _ in range(3)]
        rows = [
            ("Migrator.status() (everything -status reads)", status),
            ("the drift check alone", drift),
        ]
        body = [
            f"In one process, {arguments.runs} runs each, every version applied (ms):",
            "",
            f"{'what':<48}{'p50':>8}{'p99':>8}",
            *[
                f"{label:<48}{percentile(s, 0.5) * 1000:>8.1f}{percentile(s, 0.99) * 1000:>8.1f}"
                for label, s in rows
            ],
            "",
            "rtx-migrate -status, one process each (start-up included), 3 runs: median "
            f"{median(processes):.2f} s ({', '.join(f'{s:.2f}' for s in processes)})",
        ]
        write_results(
            "drift_check", "The drift check's cost", environment_lines(server, dbname), body
        )


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        print(f"drift_check: {error}", file=sys.stderr)
        sys.exit(1)
