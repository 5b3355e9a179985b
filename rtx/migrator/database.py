"""Connecting to the target database, and saying in one sentence why it failed."""

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from rtx.migrator.errors import DatabaseUnreachable


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
        return (
            f'database "{name}" does not exist on {host}:{port}; '
            f"create it with: createdb -h {host} -p {port} -U {user} {name}"
        )
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
