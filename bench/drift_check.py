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

from common import (
    BenchError,
    Latency,
    Server,
    bench_database,
    environment_lines,
    median,
    run_manage,
    run_script,
    say,
    setup_django,
    timed,
    write_results,
)


def measure(server: Server, runs: int, keep: bool) -> None:
    """Time the status and the drift check in one process, then three -status processes."""
    with bench_database(server, existing=None, keep=keep) as dbname:
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

        say(f"Timing the status and the drift check, {runs} runs each")
        rows = [
            (
                "Migrator.status() (everything -status reads)",
                Latency.of(timed(migrator.status, runs)),
            ),
            ("the drift check alone", Latency.of(timed(drift_check, runs))),
        ]
        processes = [run_manage(server, dbname, "rtx_migrate", "-status").seconds for _ in range(3)]
        body = [
            f"In one process, {runs} runs each, every version applied (ms):",
            "",
            f"{'what':<48}{'p50':>8}{'p99':>8}",
            *[f"{label:<48}{latency.p50:>8.1f}{latency.p99:>8.1f}" for label, latency in rows],
            "",
            "rtx-migrate -status, one process each (start-up included), 3 runs: median "
            f"{median(processes):.2f} s ({', '.join(f'{s:.2f}' for s in processes)})",
        ]
        write_results(
            "drift_check", "The drift check's cost", environment_lines(server, dbname), body
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=100, help="timed calls of each check (default 100)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database instead of dropping it"
    )
    arguments = parser.parse_args(argv)
    return run_script("drift_check", lambda server: measure(server, arguments.runs, arguments.keep))


if __name__ == "__main__":
    sys.exit(main())
