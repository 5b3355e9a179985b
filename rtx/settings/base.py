"""Settings shared by every environment, read from the environment through django-environ.

A ``.env`` file in the working directory, or else in the project root, is read first
(like the Go tool's godotenv); variables already set in the environment win over it.
"""

import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from rtx.settings import checks

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
for candidate in (Path.cwd() / ".env", BASE_DIR / ".env"):
    if candidate.is_file():
        env.read_env(candidate)
        break


def typed(
    reader: Callable[..., Any],
    name: str,
    *,
    check: Callable[[str, Any], Any] | None = None,
    **options: Any,
) -> Any:
    """``env.int`` and the like, with a one-line error that names the variable; ``check``
    (from :mod:`rtx.settings.checks`) then vets the value."""
    try:
        value = reader(name, **options)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={env.str(name)!r} is not a valid {reader.__name__}"
        ) from None
    return check(name, value) if check else value


def verbatim(name: str, *, default: str) -> str:
    """A variable's text exactly as set, for secrets.

    ``env.str`` takes a value that starts with "$" for the name of another variable and
    reads that one instead; a password may start with "$".
    """
    return str(env.ENVIRON.get(name, default))


ENVIRONMENT = env.str("ENVIRONMENT", default="development")

DEVELOPMENT_SECRET_KEY = "rtx-schema-development-only-not-secret"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])


def postgres_url(name: str) -> dict[str, Any]:
    """The connection settings in the URL variable ``name``, every part of it checked
    (:func:`rtx.settings.checks.database_url`; an error never shows the password)."""
    return checks.database_url(name, verbatim(name, default=""), environ.Env.db_url_config)


def database_from_environment() -> dict[str, Any]:
    """DATABASE_URL when it is set, otherwise the Go tool's DB_* variables and defaults.

    RTX_EMBEDDED_POSTGRES=1 asks for a private server instead (:mod:`rtx.embedded`), and is
    refused together with DATABASE_URL or a DB_* variable that names a server.
    """
    from rtx import embedded

    if embedded.requested(env):
        return embedded.database(env, BASE_DIR)
    if env.str("DATABASE_URL", default=""):
        return postgres_url("DATABASE_URL")
    return {
        "HOST": env.str("DB_HOST", default="localhost"),
        "PORT": typed(env.int, "DB_PORT", default=5432, check=checks.port),
        "NAME": env.str("DB_NAME", default="trading_engine"),
        "USER": env.str("DB_USER", default="postgres"),
        "PASSWORD": verbatim("DB_PASSWORD", default=""),
        "OPTIONS": {
            "sslmode": typed(env.str, "DB_SSL_MODE", default="disable", check=checks.ssl_mode)
        },
    }


def connection_settings(
    database: dict[str, Any], *, pooled_per_transaction: bool
) -> dict[str, Any]:
    """The project's backend and session options on top of a server's address.

    Through a pooler in transaction mode, nothing may outlive a transaction on the server
    connection it happened to get: Django's server-side cursors (``QuerySet.iterator()``
    declares one WITH HOLD outside a transaction) are switched off, and psycopg's
    automatic prepared statements stay off (Django's default; a URL option cannot turn them
    on). Session parameters need nothing: Django only sets TimeZone, when the server's
    differs, and PgBouncer replays it on every server connection the client gets (as it does
    application_name). See docs/topology.md.
    """
    database["ENGINE"] = "rtx.db.backend"
    options = database.setdefault("OPTIONS", {})
    options.setdefault("application_name", env.str("DB_APPLICATION_NAME", default="rtx-schema"))
    if pooled_per_transaction:
        options["prepare_threshold"] = None
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return database


def databases_from_environment() -> dict[str, dict[str, Any]]:
    """``default``, the primary; ``replica`` when DB_REPLICA_URL names a standby; and
    ``migrate`` when RTX_MIGRATE_DATABASE_URL names the primary's direct address.

    The replica serves the selectors' reads (:mod:`rtx.db.routers`); ``migrate`` is what
    rtx-migrate uses when it is there, so one deployment can give its services the pooler
    and its migrations a session of their own. The test runner creates no database for
    either: they mirror the primary's test database.
    """
    pooled = DB_POOL_MODE == "transaction"
    databases = {
        "default": connection_settings(database_from_environment(), pooled_per_transaction=pooled)
    }
    if env.str("DB_REPLICA_URL", default=""):
        replica = connection_settings(postgres_url("DB_REPLICA_URL"), pooled_per_transaction=pooled)
        replica["TEST"] = {"MIRROR": "default"}
        databases["replica"] = replica
    if env.str("RTX_MIGRATE_DATABASE_URL", default=""):
        direct = postgres_url("RTX_MIGRATE_DATABASE_URL")
        migrate = connection_settings(direct, pooled_per_transaction=False)
        migrate["TEST"] = {"MIRROR": "default"}
        databases["migrate"] = migrate
    return databases


DB_POOL_MODE = typed(env.str, "DB_POOL_MODE", default="direct", check=checks.pool_mode)
DATABASES = databases_from_environment()
# Only with a replica: without one, every query goes to default, as Django routes by itself.
DATABASE_ROUTERS = ["rtx.db.routers.PrimaryReplicaRouter"] if "replica" in DATABASES else []

INSTALLED_APPS = [
    "rtx.apps.RtxAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rtx",
    "adminpanel",
    "accounts",
    "trading",
    "risk",
    "fixapi",
]

AUTH_USER_MODEL = "adminpanel.AdminUser"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "rtx.urls"
WSGI_APPLICATION = "rtx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Argon2 for new and changed passwords; bcrypt to verify the Go tool's hashes (and rehash
# them with Argon2 at the first successful login); PBKDF2 for hashes Django wrote earlier.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = ["adminpanel.backends.AdminBackend"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# rtx_migrate: which versions exist, and how long DDL may wait or run.
RTX_VERSIONS = typed(
    env.str, "RTX_VERSIONS", default="rtx.versions.VERSIONS", check=checks.dotted_path
)
# Checksums of released versions; `rtx_migrate -lint` fails when one of them is edited.
RTX_VERSIONS_LOCK = env.str(
    "RTX_VERSIONS_LOCK", default=str(BASE_DIR / "rtx" / "versions.lock.json")
)
RTX_LOCK_WAIT_SECONDS = typed(
    env.float, "RTX_LOCK_WAIT_SECONDS", default=60.0, check=checks.seconds
)
# Writers queued behind a migration's lock request wait at most this long; then the
# statement is given up and retried (RTX_LOCK_RETRIES times, pausing RTX_LOCK_RETRY_DELAY
# seconds, doubled each time, with jitter). See docs/migrations.md on choosing them.
RTX_LOCK_TIMEOUT = typed(env.str, "RTX_LOCK_TIMEOUT", default="1s", check=checks.duration)
RTX_LOCK_RETRIES = typed(env.int, "RTX_LOCK_RETRIES", default=5, check=checks.count)
RTX_LOCK_RETRY_DELAY = typed(env.float, "RTX_LOCK_RETRY_DELAY", default=0.5, check=checks.seconds)
RTX_STATEMENT_TIMEOUT = typed(
    env.str, "RTX_STATEMENT_TIMEOUT", default="15min", check=checks.duration
)
# How long rtx-migrate waits for the server to accept connections (a container starting).
RTX_CONNECT_WAIT = typed(env.float, "RTX_CONNECT_WAIT", default=0.0, check=checks.seconds)
# How often rtx-migrate says what a long statement is doing.
RTX_PROGRESS_INTERVAL = typed(env.float, "RTX_PROGRESS_INTERVAL", default=5.0, check=checks.seconds)

# The project's log lines look like rtx-migrate's own: an ISO 8601 UTC time, then the text
# (a level only from WARNING up), on stdout with the progress lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"tool": {"()": "rtx.logs.ToolFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "tool",
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "rtx": {
            "handlers": ["stdout"],
            "level": typed(env.str, "LOG_LEVEL", default="INFO", check=checks.log_level),
        }
    },
}

# FIX credential encryption (fixapi): key material only ever comes from the environment.
# MASTER_ENCRYPTION_KEY is base64 of 32 bytes, as in the legacy configuration; for rotation,
# FIX_ENCRYPTION_KEYS lists "key_id:base64key" entries, the last one encrypting new rows.
MASTER_ENCRYPTION_KEY = env.str("MASTER_ENCRYPTION_KEY", default="")
FIX_ENCRYPTION_KEYS = env.list("FIX_ENCRYPTION_KEYS", default=[])
# The Go engine's credential file and its master password, read only by fix_import_legacy.
FIX_PROVISIONING_STORE_PATH = env.str(
    "FIX_PROVISIONING_STORE_PATH", default="./data/fix_credentials"
)
FIX_MASTER_PASSWORD = verbatim("FIX_MASTER_PASSWORD", default="")

# TimescaleDB (rtx.db.timescale): used where the server preloads it, unless switched off.
RTX_TIMESCALEDB = env.bool("RTX_TIMESCALEDB", default=True)
# Optional policies, off when empty: compress trade chunks older than, e.g., "30 days";
# drop order_history chunks older than, e.g., "400 days". Applied by `rtx_timescale -policies`.
RTX_TRADES_COMPRESS_AFTER = env.str("RTX_TRADES_COMPRESS_AFTER", default="")
RTX_ORDER_HISTORY_RETENTION = env.str("RTX_ORDER_HISTORY_RETENTION", default="")

# Adoption of databases built by the Go tool: the time zone their TIMESTAMP values are in,
# when it is not the database's own TimeZone (the default, read from the database).
RTX_LEGACY_TIME_ZONE = env.str("RTX_LEGACY_TIME_ZONE", default="")
if RTX_LEGACY_TIME_ZONE:
    try:
        zoneinfo.ZoneInfo(RTX_LEGACY_TIME_ZONE)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ImproperlyConfigured(
            f"RTX_LEGACY_TIME_ZONE={RTX_LEGACY_TIME_ZONE!r} is not a time zone name "
            "(e.g. America/New_York); unset it to use the database's TimeZone"
        ) from None
