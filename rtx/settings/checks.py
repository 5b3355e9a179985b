"""Checks of configuration values, made when the settings load: before any connection.

Each takes the variable's name and value and returns the value to use, or raises
``ImproperlyConfigured`` with one sentence that names the variable, the value and what
would be right; ``rtx-migrate`` and ``manage.py`` print it as one line and exit 2.
"""

import math
import re
from collections.abc import Callable
from importlib.util import find_spec
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# PostgreSQL's units for time settings; a number without one is milliseconds.
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$")
MILLISECONDS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
# The longest a timeout may be set to: PostgreSQL's own limit (INT_MAX milliseconds).
LONGEST_MS = 2_147_483_647
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")
# How the connections reach the server (DB_POOL_MODE): directly ("direct"), through a pooler
# that keeps a server connection per client ("session"), or through one that hands server
# connections out per transaction ("transaction", PgBouncer's pool_mode). rtx-migrate refuses
# a pooler it finds unless it is declared a session pooler (rtx.migrator.session).
POOL_MODES = ("direct", "session", "transaction")


def refuse(name: str, value: object, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not valid: {expected}")


def duration(name: str, value: str) -> str:
    """A PostgreSQL duration above zero ("1s", "500ms", "15min"; a bare number is ms)."""
    match = DURATION.match(str(value))
    if not match:
        raise refuse(name, value, "use a duration such as 1s, 500ms or 15min")
    milliseconds = float(match.group(1)) * MILLISECONDS[match.group(2) or "ms"]
    if milliseconds < 1:
        raise refuse(name, value, "it must be at least 1ms; 0 would mean wait forever")
    if milliseconds > LONGEST_MS:
        raise refuse(name, value, "it must be under 24 days")
    return f"{match.group(1)}{match.group(2) or 'ms'}"


def seconds(name: str, value: float) -> float:
    """A finite number of seconds, zero or more."""
    if not math.isfinite(value) or value < 0:
        raise refuse(name, value, "use a finite number of seconds, 0 or more")
    return value


def count(name: str, value: int) -> int:
    """A number of times, 0 to 100."""
    if not 0 <= value <= 100:
        raise refuse(name, value, "use a whole number from 0 to 100")
    return value


def log_level(name: str, value: str) -> str:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR")
    if value.upper() not in levels:
        raise refuse(name, value, f"use one of {', '.join(levels)}")
    return value.upper()


def port(name: str, value: int) -> int:
    if not 0 < value < 65536:
        raise refuse(name, value, "use a port number from 1 to 65535")
    return value


def ssl_mode(name: str, value: str) -> str:
    if value not in SSL_MODES:
        raise refuse(name, value, f"use one of {', '.join(SSL_MODES)}")
    return value


def pool_mode(name: str, value: str) -> str:
    """How the connections reach the server: directly, or through a pooler in which mode."""
    if value not in POOL_MODES:
        raise refuse(
            name,
            value,
            "use direct (no pooler), session (a pooler in session mode) or transaction (a "
            "pooler in transaction mode, such as PgBouncer's pool_mode = transaction)",
        )
    return value


def dotted_path(name: str, value: str) -> str:
    """``package.module.ATTRIBUTE`` whose module can be found (it is imported later)."""
    module, _, attribute = value.rpartition(".")
    if not module or not attribute or not all(part.isidentifier() for part in value.split(".")):
        raise refuse(name, value, "use a dotted path such as rtx.versions.VERSIONS")
    try:
        found = find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise refuse(name, value, f"there is no module {module!r} to import")
    return value


def without_password(url: str) -> str:
    """The URL as it may be printed: its password replaced by ``***``."""
    scheme, separator, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{separator}{user}:***@{location}"


def database_url(name: str, value: str, parse: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """A ``postgres://user:password@host:port/name`` URL, every part of it checked."""
    expected = "use postgres://USER:PASSWORD@HOST:PORT/NAME"
    shown = without_password(value)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise refuse(name, shown, f"{error}; {expected}") from None
    if parts.scheme not in POSTGRES_SCHEMES:
        raise refuse(name, shown, f"the scheme must be postgres://; {expected}")
    if not parts.path.strip("/"):
        raise refuse(name, shown, f"it names no database; {expected}")
    if port is not None and not 0 < port < 65536:
        raise refuse(name, shown, f"port {port} is out of range; {expected}")
    try:
        return parse(value)
    except (ValueError, KeyError) as error:
        raise refuse(name, shown, f"{error}; {expected}") from None
