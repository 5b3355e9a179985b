"""Connecting to the target database, saying in one sentence why it failed, and creating one."""

import shlex
from typing import Any

import psycopg
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from rtx.migrator.errors import DatabaseUnreachable

MAINTENANCE_DATABASE = "postgres"


def describe(connection: BaseDatabaseWrapper) -> str:
    """``user@host:port/name``: where we are, never the password."""
    settings = connection.settings_dict
    return (
        f"{settings['USER']}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}"
    )


def connect(connection: BaseDatabaseWrapper) -> None:
    try:
        connection.ensure_connection()
    except OperationalError as error:
        raise DatabaseUnreachable(explain(connection, error)) from None


def explain(connection: BaseDatabaseWrapper, error: Exception) -> str:
    settings = connection.settings_dict
    host = settings["HOST"] or "localhost"
    port = settings["PORT"] or 5432
    name, user = settings["NAME"], settings["USER"]
    text = str(error).strip()
    if f'database "{name}" does not exist' in text:
        command = shlex.join(["createdb", "-h", str(host), "-p", str(port), "-U", user, name])
        return f'database "{name}" does not exist on {host}:{port}; create it with: {command}'

    if "password authentication failed" in text:
        return (
            f'password authentication failed for user "{user}" on {host}:{port}; check DB_PASSWORD'
        )
    if "no password supplied" in text:
        return f'the server at {host}:{port} wants a password for user "{user}"; set DB_PASSWORD'
    reason = text.splitlines()[0].rsplit("failed: ", 1)[-1] if text else type(error).__name__
    return (
        f"cannot connect to PostgreSQL at {host}:{port} ({reason}); check DB_HOST and DB_PORT "
        "and that the server is running"
    )


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
