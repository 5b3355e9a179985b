"""Migration speed: ``rtx_migrate`` against plain Django and against applying a SQL file.

Usage::

    .venv/bin/python bench/migration_speed.py [--repeat 3] [--keep]

In one run on one machine, each repetition (default 3) measures, as the wall clock of one
process (Python and Django start-up included, as a user would see it):

- (a) ``manage.py rtx_migrate -up`` on an empty database;
- (b) ``manage.py migrate`` on another empty database;
- (c) ``psql -f`` applying ``pg_dump --schema-only`` of (a)'s result to a third empty
  database: the same final schema as one SQL file, the floor for any migration tool;
- (d) ``manage.py rtx_migrate -status`` against the migrated database (a);
- (e) ``manage.py showmigrations`` against the same database.

It prints each sample, the medians, and the ratios a/b (what rtx_migrate adds to Django's
migrate: the lock, checksums, the schema_migrations mirror, timeouts, progress), a/c (what
running migrations costs over loading the final schema) and d/e. The databases are
``rtx_bench_<pid>_rtx``, ``_django`` and ``_sql``, made empty before each sample (not
timed) and dropped at the end unless ``--keep``. Results go to
``bench/results/migration_speed.txt``.
"""

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    Server,
    bench_database_name,
    create_database,
    drop_database,
    environment_lines,
    median,
    run_manage,
    run_script,
    run_timed,
    say,
    write_results,
)

STEPS = {
    "a": "rtx_migrate -up (empty database)",
    "b": "manage.py migrate (empty database)",
    "c": "psql -f schema-only dump (floor)",
    "d": "rtx_migrate -status",
    "e": "manage.py showmigrations",
}
RATIOS = (("a", "b"), ("a", "c"), ("d", "e"))
TIMEOUT = 600  # seconds a client program may take


@dataclass
class Samples:
    """Seconds per step, one sample per repetition."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in STEPS})

    def median(self, step: str) -> float:
        return median(self.seconds[step])

    def ratio(self, top: str, bottom: str) -> float:
        return self.median(top) / self.median(bottom)


def run_tool(server: Server, dbname: str, program: str, *arguments: str) -> float:
    """Run a PostgreSQL client program (pg_dump, psql) on ``dbname``; its wall-clock seconds."""
    connection = ("-h", server.host, "-p", str(server.port), "-U", server.user, "-d", dbname)
    env = server.environment("postgres")
    if server.password:
        env["PGPASSWORD"] = server.password
    return run_timed(
        [program], [*arguments, *connection], env=env, shown=program, timeout=TIMEOUT
    ).seconds


def fresh(server: Server, name: str) -> None:
    drop_database(server, name)
    create_database(server, name)


def measure_once(server: Server, names: dict[str, str], dump: Path, samples: Samples) -> None:
    """One repetition of (a) to (e)."""
    rtx, django, floor = names["a"], names["b"], names["c"]
    fresh(server, rtx)
    samples.seconds["a"].append(run_manage(server, rtx, "rtx_migrate", "-up").seconds)
    fresh(server, django)
    samples.seconds["b"].append(run_manage(server, django, "migrate").seconds)
    run_tool(server, rtx, "pg_dump", "--schema-only", "-f", str(dump))
    fresh(server, floor)
    psql = ("-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump))
    samples.seconds["c"].append(run_tool(server, floor, "psql", *psql))
    samples.seconds["d"].append(run_manage(server, rtx, "rtx_migrate", "-status").seconds)
    samples.seconds["e"].append(run_manage(server, rtx, "showmigrations").seconds)


def measure_migrations(server: Server, *, repeat: int, keep: bool) -> Samples:
    """``repeat`` repetitions of (a) to (e) on three scratch databases."""
    names = {
        "a": bench_database_name("rtx"),
        "b": bench_database_name("django"),
        "c": bench_database_name("sql"),
    }
    samples = Samples()
    try:
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "schema.sql"
            for number in range(1, repeat + 1):
                measure_once(server, names, dump, samples)
                say(
                    f"Migration speed, repetition {number}/{repeat}: "
                    + ", ".join(f"{k} {samples.seconds[k][-1]:.2f}s" for k in STEPS)
                )
    finally:
        for name in names.values():
            if keep:
                say(f"Kept database {name} (--keep)")
            else:
                drop_database(server, name)
    return samples


def report_lines(samples: Samples) -> list[str]:
    """The body of bench/results/migration_speed.txt."""
    repeat = len(samples.seconds["a"])
    lines = [
        f"Wall clock of one process per step (start-up included); {repeat} repetitions, median",
        "",
        f"{'step':<42}{'median s':>9}  samples",
    ]
    for key, label in STEPS.items():
        shown = ", ".join(f"{s:.2f}" for s in samples.seconds[key])
        lines.append(f"({key}) {label:<38}{samples.median(key):>9.2f}  {shown}")
    lines += ["", "Ratios of the medians:"]
    for top, bottom in RATIOS:
        lines.append(
            f"  {top}/{bottom}  {STEPS[top]} / {STEPS[bottom]}: {samples.ratio(top, bottom):.2f}"
        )
    return lines


def write_report(server: Server, samples: Samples) -> None:
    write_results(
        "migration_speed",
        "rtx-schema benchmark: migration speed (bench/migration_speed.py)",
        environment_lines(server),
        report_lines(samples),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="repetitions of every step (default 3)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the three databases instead of dropping them"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")

    def measure(server: Server) -> None:
        write_report(server, measure_migrations(server, repeat=args.repeat, keep=args.keep))

    return run_script("migration_speed", measure)


if __name__ == "__main__":
    sys.exit(main())
