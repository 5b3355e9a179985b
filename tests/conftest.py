"""Fixtures for tests that need databases of their own on the real PostgreSQL server.

Every database made here carries the test process id and a random suffix, and is
dropped at the end of the test, so parallel runs never meet.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LEGACY_SCHEMA = PROJECT_ROOT / "rtx" / "migrator" / "go_initial_schema.sql"
LEGACY_ROWS = PROJECT_ROOT / "tests" / "legacy" / "representative_rows.sql"
ANALYTICS_V7 = PROJECT_ROOT / "tests" / "legacy" / "analytics_dashboard_v7.sql"
GO_VERSIONS = ((1, "initial_schema"), (7, "analytics_dashboard_schema"))
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
