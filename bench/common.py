"""Shared helpers of the benchmark scripts (seed, reads, fills, migration_speed, adoption, run).

The server is the one the project's DB_HOST, DB_PORT, DB_USER and DB_PASSWORD name
(defaults 127.0.0.1:5432, postgres, no password). Every script works in a database of its
own, ``rtx_bench_<pid>`` (or one named with ``--database``), and drops what it created in a
``finally`` block unless ``--keep`` is given. Results go to ``bench/results/<name>.txt``.

Nothing here measures anything by itself: it creates and drops databases, runs
``manage.py`` commands as separate processes, sets Django up for a given database, and
holds the percentile maths and the results-file writer the scripts share.
"""

import argparse
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
MANAGE_PY = PROJECT_ROOT / "manage.py"
# Environment variables that would point Django at another server than DB_*.
OVERRIDING_VARIABLES = ("DATABASE_URL", "RTX_EMBEDDED_POSTGRES")
# A manage.py command of the benchmark is bounded; a healthy one takes seconds.
COMMAND_TIMEOUT_SECONDS = 1800
# Server settings the results header shows (maintenance_work_mem: index builds).
SHOWN_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "synchronous_commit",
    "max_wal_size",
)


class BenchError(Exception):
    """A step of a benchmark failed; the message says which and why."""


@dataclass(frozen=True)
class Server:
    """The PostgreSQL server the benchmarks run on, from the DB_* environment variables."""

    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_environment(cls) -> "Server":
        return cls(
            host=os.environ.get("DB_HOST", "127.0.0.1"),
            port=int(os.environ.get("DB_PORT", "5432")),
            user=os.environ.get("DB_USER", "postgres"),
            password=os.environ.get("DB_PASSWORD", ""),
        )

    def conninfo(self, dbname: str) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname,
            application_name="rtx-bench",
        )

    def connect(self, dbname: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo(dbname), autocommit=autocommit)

    def environment(self, dbname: str) -> dict[str, str]:
        """The environment of a ``manage.py`` process working on ``dbname``."""
        env = {k: v for k, v in os.environ.items() if k not in OVERRIDING_VARIABLES}
        env.update(
            DB_HOST=self.host,
            DB_PORT=str(self.port),
            DB_USER=self.user,
            DB_PASSWORD=self.password,
            DB_NAME=dbname,
            DEBUG="false",
        )
        return env

    def describe(self, dbname: str) -> str:
        return f"{self.user}@{self.host}:{self.port}/{dbname}"


# --- progress -------------------------------------------------------------------------


def say(message: str) -> None:
    """One progress line on stdout, with the wall-clock time."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def seconds_since(start: float) -> float:
    return time.perf_counter() - start


# --- databases ------------------------------------------------------------------------


def bench_database_name(suffix: str = "") -> str:
    """``rtx_bench_<pid>``, with ``_<suffix>`` when a script needs more than one."""
    return f"rtx_bench_{os.getpid()}" + (f"_{suffix}" if suffix else "")


def create_database(server: Server, name: str) -> None:
    with server.connect("postgres") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: Server, name: str) -> None:
    """Drop ``name`` if it exists, ending any session still connected to it."""
    with server.connect("postgres") as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass(frozen=True)
class CommandRun:
    """One process: its arguments, exit status, wall-clock seconds and output."""

    arguments: tuple[str, ...]
    returncode: int
    seconds: float
    stdout: str
    stderr: str


def run_timed(
    program: Sequence[str],
    arguments: Sequence[str],
    *,
    env: dict[str, str],
    shown: str,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
    check: bool = True,
) -> CommandRun:
    """Run ``program`` with ``arguments`` as its own process from the project root; time it.

    The time is the process's wall clock (``time.perf_counter`` around it): start-up
    included, as a user running the command would see it. A process still running after
    ``timeout`` seconds is killed and the step fails (``BenchError``, naming it ``shown``),
    as does a non-zero exit status when ``check``.
    """
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [*program, *arguments],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{shown} ran longer than {timeout:g}s") from None
    seconds = seconds_since(start)
    if check and done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise BenchError(f"{shown} exited {done.returncode}: {last[0]}")
    return CommandRun(tuple(arguments), done.returncode, seconds, done.stdout, done.stderr)


def run_manage(
    server: Server,
    dbname: str,
    *arguments: str,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
    check: bool = True,
) -> CommandRun:
    """``manage.py <arguments>`` on ``dbname``, timed by :func:`run_timed` (start-up included)."""
    return run_timed(
        [sys.executable, str(MANAGE_PY)],
        arguments,
        env=server.environment(dbname),
        shown=f"manage.py {' '.join(arguments)} on {dbname}",
        timeout=timeout,
        check=check,
    )


def migrate_up(server: Server, dbname: str) -> CommandRun:
    """``rtx-migrate -up`` on ``dbname`` (the schema every benchmark works on)."""
    say(f"rtx-migrate -up on {dbname}")
    run = run_manage(server, dbname, "rtx_migrate", "-up")
    say(f"rtx-migrate -up done in {run.seconds:.2f}s")
    return run


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="NAME",
        help="work in this existing database (left as it is) instead of creating rtx_bench_<pid>",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database this script created instead of dropping it at the end",
    )


@contextmanager
def bench_database(
    server: Server,
    *,
    existing: str | None,
    keep: bool,
    prepare: Callable[[str], None] | None = None,
    timings: dict[str, float] | None = None,
) -> Iterator[str]:
    """Yield the database to work in: ``existing``, or a new ``rtx_bench_<pid>``.

    A new database gets the schema (``rtx-migrate -up``, its seconds put in ``timings``)
    and then ``prepare`` (e.g. the seed); it is dropped at the end, whatever happened,
    unless ``keep``.
    """
    if existing:
        yield existing
        return
    name = bench_database_name()
    say(f"Creating database {server.describe(name)}")
    create_database(server, name)
    try:
        migrated = migrate_up(server, name)
        if timings is not None:
            timings["rtx-migrate -up"] = migrated.seconds
        if prepare is not None:
            prepare(name)
        yield name
    finally:
        if keep:
            say(f"Kept database {name} (--keep); drop it with: dropdb {name}")
        else:
            close_django_connections()
            drop_database(server, name)
            say(f"Dropped database {name}")


def run_script(script: str, work: Callable[[Server], object]) -> int:
    """Run a script's ``work`` on the configured server and return the exit status.

    A step that fails (``BenchError``) ends it with status 1 and one line on stderr.
    """
    try:
        work(Server.from_environment())
    except BenchError as error:
        print(f"{script}: {error}", file=sys.stderr)
        return 1
    return 0


# --- Django ---------------------------------------------------------------------------


def setup_django(server: Server, dbname: str) -> None:
    """Configure Django (``rtx.settings``) for ``dbname`` on ``server``, once per process.

    DEBUG is off, as in production: no query log slows the ORM down.
    """
    import django
    from django.conf import settings

    if settings.configured:
        current = settings.DATABASES["default"]["NAME"]
        if current != dbname:
            raise BenchError(f"Django is already set up for {current}, not {dbname}")
        return
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    os.environ.update(server.environment(dbname))
    for name in OVERRIDING_VARIABLES:
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rtx.settings"
    django.setup()


def close_django_connections() -> None:
    """Close this thread's Django connections, if Django is set up at all."""
    if "django.db" in sys.modules:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()


# --- statistics -----------------------------------------------------------------------


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0.5 = median), interpolating between closest ranks.

    The same definition as numpy's default ("linear"): with sorted values v[0..n-1], the
    quantile is at rank ``fraction * (n - 1)``.
    """
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 0.5)


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """The seconds of ``runs`` calls of ``call``, one after the other."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(seconds_since(start))
    return samples


@dataclass(frozen=True)
class Latency:
    """p50 and p99 of a series of timings, in milliseconds."""

    p50: float
    p99: float
    runs: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> "Latency":
        return cls(
            p50=percentile(seconds, 0.50) * 1000,
            p99=percentile(seconds, 0.99) * 1000,
            runs=len(seconds),
        )


# --- results --------------------------------------------------------------------------


def command_line() -> str:
    """The command that is running, as a user would type it from the project root."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = str(script.relative_to(PROJECT_ROOT))
    except ValueError:
        shown = str(script)
    return shlex.join([".venv/bin/python", shown, *sys.argv[1:]])


def memory_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def environment_lines(server: Server, dbname: str = "postgres") -> list[str]:
    """Date, command, server version and settings, machine: the context of a figure."""
    with server.connect(dbname) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        shown = conn.execute(
            "SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name)"
            " FROM pg_settings WHERE name = ANY(%s)",
            (list(SHOWN_SETTINGS),),
        ).fetchone()
    return [
        f"Date:        {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"Command:     {command_line()}",
        f"PostgreSQL:  {version[0] if version else '?'} ({shown[0] if shown else ''})",
        f"Machine:     {os.cpu_count()} CPUs, {memory_gib():.1f} GiB memory, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}; "
        "load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()),
    ]


def write_results(name: str, title: str, header: list[str], body: list[str]) -> Path:
    """Write ``bench/results/<name>.txt`` (whole, or not at all) and print its body."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.txt"
    text = "\n".join([title, *header, "", *body]) + "\n"
    partial = path.with_suffix(".tmp")
    partial.write_text(text)
    partial.replace(path)
    print()
    print(text, end="", flush=True)
    say(f"Results written to {path.relative_to(PROJECT_ROOT)}")
    return path


def fmt_int(value: int) -> str:
    return f"{value:,}"
