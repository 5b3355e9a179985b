"""Connecting to the target database, saying in one sentence why it failed, and creating one."""

import shlex
import time
from collections.abc import Callable
from typing import Any

import psycopg
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from rtx.migrator.errors import DatabaseUnreachable
from rtx.migrator.events import Progress

MAINTENANCE_DATABASE = "postgres"


def describe(connection: BaseDatabaseWrapper) -> str:
    """``user@host:port/name``: where we are, never the password."""
    settings = connection.settings_dict
    return (
        f"{settings['USER']}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}"
    )


# Nothing answered: no server listening (yet), a name not in DNS (yet), no route to it.
UNREACHABLE = (
    "Connection refused",
    "timeout expired",
    "Name or service not known",
    "Temporary failure in name resolution",
    "No route to host",
    "No such file or directory",  # a Unix socket not there (yet)
)
# Worth waiting for: nothing answered yet, or a server that is still starting. An unknown
# database, a wrong password or TLS refused are not.
TRANSIENT = (
    *UNREACHABLE,
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is not yet accepting connections",
    "the database system is in recovery mode",
)
WAIT_POLL_SECONDS = 1.0


def connect(
    connection: BaseDatabaseWrapper,
    *,
    wait_seconds: float = 0,
    report: Callable[[Progress], None] = lambda progress: None,
) -> None:
    """Connect; while the server is not up yet, keep trying for up to ``wait_seconds``."""
    started = time.monotonic()
    while True:
        try:
            connection.ensure_connection()
            return
        except OperationalError as error:
            waited = time.monotonic() - started
            transient = any(text in str(error) for text in TRANSIENT)
            if not transient or waited >= wait_seconds:
                reason = explain(connection, error)
                if transient and wait_seconds:
                    reason += f" (waited {wait_seconds:g}s: -connect-wait, RTX_CONNECT_WAIT)"
                raise DatabaseUnreachable(reason) from None
            report(
                Progress(
                    f"waiting for PostgreSQL at {describe(connection)}: {cause(error)} "
                    f"({waited:.0f}s of {wait_seconds:g}s)"
                )
            )
            time.sleep(WAIT_POLL_SECONDS)


# The cause a connection error names, and what to check for it: (text in the error, hint).
CAUSES = (
    (
        "password authentication failed",
        "password authentication failed for user {user}; "
        "check DB_PASSWORD (or the password in the URL)",
    ),
    ("no password supplied", "the server wants a password for user {user}; set DB_PASSWORD"),
    ("does not exist", "{reason}; check DB_USER (or the user in the URL)"),
    (
        "no pg_hba.conf entry",
        "the server accepts no connection for user {user} from here "
        "(pg_hba.conf: {reason}); check DB_USER and DB_SSL_MODE, or ask its administrator",
    ),
    (
        "server does not support SSL",
        "the server offers no TLS, and DB_SSL_MODE={sslmode} "
        "requires it; use DB_SSL_MODE=disable or prefer, or enable ssl on the server",
    ),
    ("SSL", "TLS failed ({reason}); check DB_SSL_MODE={sslmode} and the server's certificate"),
    ("certificate", "TLS failed ({reason}); check DB_SSL_MODE={sslmode} and the certificate"),
)


def cause(error: Exception) -> str:
    """What the server or the network said, without libpq's "connection to ... failed:"."""
    return first_line(error).rsplit("failed: ", 1)[-1].removeprefix("FATAL:").strip()


def explain(connection: BaseDatabaseWrapper, error: Exception) -> str:
    """One sentence: the cause of a failed connection, named, and what to check for it."""
    settings = connection.settings_dict
    host = settings["HOST"] or "localhost"
    port = settings["PORT"] or 5432
    name, user = settings["NAME"], settings["USER"]
    text = str(error).strip()
    reason = cause(error)
    where = f"PostgreSQL at {host}:{port}"
    if f'database "{name}" does not exist' in text:
        command = shlex.join(["createdb", "-h", str(host), "-p", str(port), "-U", user, name])
        return f'database "{name}" does not exist on {host}:{port}; create it with: {command}'
    if any(marker in text for marker in UNREACHABLE):
        return (
            f"cannot connect to {where} ({reason}); check DB_HOST and DB_PORT and that the "
            "server is running"
        )
    sslmode = settings["OPTIONS"].get("sslmode", "prefer")
    for marker, hint in CAUSES:
        if marker in text:
            details = hint.format(user=f'"{user}"', reason=reason, sslmode=sslmode)
            return f"{where} refused the connection: {details}"
    return f"cannot connect to {where}: {reason}"


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def maintenance_parameters(settings: dict[str, Any]) -> dict[str, Any]:
    """psycopg connection parameters for the server's ``postgres`` database."""
    return {
        "dbname": MAINTENANCE_DATABASE,
        "host": settings["HOST"],
        "port": settings["PORT"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "connect_timeout": 10,
        **{key: value for key, value in settings["OPTIONS"].items() if key == "sslmode"},
    }


def create_database(settings: dict[str, Any], name: str) -> bool:
    """Create database ``name`` on the configured server; False when it already exists."""
    with psycopg.connect(autocommit=True, **maintenance_parameters(settings)) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def drop_database(settings: dict[str, Any], name: str) -> None:
    with psycopg.connect(autocommit=True, **maintenance_parameters(settings)) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
