"""Fixtures for tests that need databases of their own on the real PostgreSQL server.

Every database made here carries the test process id and a random suffix, and is
dropped at the end of the test, so parallel runs never meet.

The production topology (tests/topology.py) has fixtures of its own: ``primary_server``, a
private primary on a free loopback port; ``standby_server``, its hot standby;
``pgbouncer``, PgBouncer in transaction mode in front of the primary; and databases on the
primary: ``make_primary_database``, ``primary_database`` (empty) and
``migrated_primary_database`` (the whole schema). The servers and PgBouncer live for the
test session and are stopped and deleted at its end; the databases are dropped after each
test. Tests that use them are skipped only when a program is not installed.
"""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from tests import topology

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LEGACY_SCHEMA = PROJECT_ROOT / "rtx" / "migrator" / "go_initial_schema.sql"
LEGACY_ROWS = PROJECT_ROOT / "tests" / "legacy" / "representative_rows.sql"
ANALYTICS_V7 = PROJECT_ROOT / "tests" / "legacy" / "analytics_dashboard_v7.sql"
GO_VERSIONS = ((1, "initial_schema"), (7, "analytics_dashboard_schema"))
# The tables of the Go tool's version 7 (tests/legacy/analytics_dashboard_v7.sql): not ours.
V7_TABLES = (
    "alerts",
    "analytics_export_audit",
    "analytics_user_preferences",
    "exposure_snapshots",
    "lp_performance",
    "routing_metrics",
    "rule_effectiveness",
)
DEMO_SETTINGS = "tests.demoapp.settings"

SERVER = {
    "host": os.environ.get("DB_HOST", "127.0.0.1"),
    "port": int(os.environ.get("DB_PORT", "5432")),
    "user": os.environ.get("DB_USER", "postgres"),
    "password": os.environ.get("DB_PASSWORD", ""),
}


def connect(dbname: str) -> psycopg.Connection:
    return psycopg.connect(dbname=dbname, autocommit=True, **SERVER)


@pytest.fixture
def make_database() -> Iterator[Callable[[], str]]:
    created: list[str] = []

    def make() -> str:
        name = f"rtx_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with connect("postgres") as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return name

    yield make
    with connect("postgres") as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(make_database: Callable[[], str]) -> str:
    return make_database()


@pytest.fixture
def make_role(database: str) -> Iterator[Callable[[str], str]]:
    """Roles for one test, made with the given attributes (``"LOGIN SUPERUSER"``, ...).

    Set up after ``database``, so they are dropped before it, together with what they own.
    """
    made: list[str] = []

    def make(attributes: str) -> str:
        name = f"rtx_r_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with connect("postgres") as admin:
            admin.execute(f'CREATE ROLE "{name}" {attributes}')
        made.append(name)
        return name

    yield make
    for name in made:
        with connect(database) as connection:
            connection.execute(f'REASSIGN OWNED BY "{name}" TO CURRENT_USER')
            connection.execute(f'DROP OWNED BY "{name}"')
        with connect("postgres") as admin:
            admin.execute(f'DROP ROLE "{name}"')


def command_environment(database: str, settings: str, extra: dict[str, str]) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DATABASE_URL", "PG"))
    }
    environment.update(
        DB_NAME=database,
        DB_HOST=SERVER["host"],
        DB_PORT=str(SERVER["port"]),
        DB_USER=SERVER["user"],
        DB_PASSWORD=SERVER["password"],
        DJANGO_SETTINGS_MODULE=settings,
    )
    environment.update(extra)
    return environment


def manage(
    *args: str,
    database: str,
    settings: str = "rtx.settings",
    env: dict[str, str] | None = None,
    timeout: float = 180,
    wrapper: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` as a user would, in a process of its own; ``wrapper`` is a command
    that runs it (such as setpriv with fewer privileges)."""
    return subprocess.run(
        [*wrapper, sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=command_environment(database, settings, env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(
    code: str, *, env: dict[str, str], cwd: Path = PROJECT_ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -c code`` in a process of its own, with exactly the environment ``env``."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_django(code: str, *, database_url: str, **variables: str) -> Any:
    """Run ``code`` in a Django process of its own connected to ``database_url`` (with
    ``variables`` such as DB_REPLICA_URL or DB_POOL_MODE) and return what it printed last
    as JSON."""
    environment = command_environment("", "rtx.settings", {"DATABASE_URL": database_url})
    environment.update(variables)
    done = run_python(f"import django\ndjango.setup()\n{code}", env=environment)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def start_manage(
    *args: str, database: str, settings: str = "rtx.settings", env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=command_environment(database, settings, env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def fetch_all(database: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
    with connect(database) as connection:
        return connection.execute(sql, params).fetchall()


def build_legacy_database(database: str, *, versions: tuple[tuple[int, str], ...]) -> None:
    """What the Go tool leaves behind: its 15 tables and its schema_migrations rows."""
    with connect(database) as connection:
        connection.execute(LEGACY_SCHEMA.read_text())
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
            "name VARCHAR(255) NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        for version, name in versions:
            connection.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
            )


def build_go_database(database: str) -> None:
    """A production database of the Go tool: versions 1 and 7, rows in every table."""
    build_legacy_database(database, versions=GO_VERSIONS)
    with connect(database) as connection:
        connection.execute(LEGACY_ROWS.read_text())
        # Explicit ids in the rows above; a live Go database's sequences are past them.
        connection.execute(
            "SELECT setval(pg_get_serial_sequence(t, 'id'), 1000) "
            "FROM unnest(ARRAY['users', 'accounts', 'trades', 'orders', 'positions']) t"
        )
        connection.execute(ANALYTICS_V7.read_text())


# --- the production topology -------------------------------------------------------------

Component = TypeVar("Component", topology.Server, topology.PgBouncer)


def start_or_skip(start: Callable[[], Component]) -> Component:
    """Start a component; skip the tests that need it only when its program is missing."""
    try:
        return start()
    except topology.ComponentMissing as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def primary_server() -> Iterator[topology.Server]:
    """A private primary (initdb, pg_ctl) that allows replication from loopback."""
    server = start_or_skip(topology.start_primary)
    yield server
    server.stop_and_remove()


@pytest.fixture(scope="session")
def standby_server(primary_server: topology.Server) -> Iterator[topology.Server]:
    """A hot standby of ``primary_server`` (pg_basebackup -R). A test may stop it for a
    while with ``with standby_server.stopped():``, which starts it again after."""
    server = start_or_skip(lambda: topology.start_standby(primary_server))
    yield server
    server.stop_and_remove()


@pytest.fixture(scope="session")
def pgbouncer(primary_server: topology.Server) -> Iterator[topology.PgBouncer]:
    """PgBouncer in transaction mode in front of ``primary_server``."""
    bouncer = start_or_skip(
        lambda: topology.start_pgbouncer(primary_server.host, primary_server.port)
    )
    yield bouncer
    bouncer.stop_and_remove()


@pytest.fixture
def make_primary_database(primary_server: topology.Server) -> Iterator[Callable[..., str]]:
    """``make(template=None)``: a new database on the primary (and so on its standby),
    dropped after the test."""
    created: list[str] = []

    def make(template: str | None = None) -> str:
        name = topology.create_database(primary_server, template=template)
        created.append(name)
        return name

    yield make
    for name in created:
        topology.drop_database(primary_server, name)


@pytest.fixture
def primary_database(make_primary_database: Callable[..., str]) -> str:
    return make_primary_database()


@pytest.fixture(scope="session")
def migrated_primary_template(primary_server: topology.Server) -> Iterator[str]:
    """A database on the primary with every version applied, migrated once per session."""
    name = topology.create_database(primary_server)
    try:
        migrated = manage(
            "rtx_migrate", "-up", database=name, env={"DATABASE_URL": primary_server.url(name)}
        )
        assert migrated.returncode == 0, migrated.stderr
        yield name
    finally:
        topology.drop_database(primary_server, name)


@pytest.fixture
def migrated_primary_database(
    make_primary_database: Callable[..., str], migrated_primary_template: str
) -> str:
    """A database on the primary with the whole schema (a copy of the migrated template)."""
    return make_primary_database(template=migrated_primary_template)
