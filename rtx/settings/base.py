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

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
for candidate in (Path.cwd() / ".env", BASE_DIR / ".env"):
    if candidate.is_file():
        env.read_env(candidate)
        break


def typed(reader: Callable[..., Any], name: str, **options: Any) -> Any:
    """``env.int`` and the like, with a one-line error that names the variable."""
    try:
        return reader(name, **options)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={env.str(name)!r} is not a valid {reader.__name__}"
        ) from None


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


def database_from_environment() -> dict[str, object]:
    """DATABASE_URL when it is set, otherwise the Go tool's DB_* variables and defaults.

    RTX_EMBEDDED_POSTGRES=1 asks for a private server instead (:mod:`rtx.embedded`), and is
    refused together with DATABASE_URL or a DB_* variable that names a server.
    """
    from rtx import embedded

    if embedded.requested(env):
        database = embedded.database(env, BASE_DIR)
    elif env.str("DATABASE_URL", default=""):
        database = env.db_url("DATABASE_URL")
    else:
        database = {
            "HOST": env.str("DB_HOST", default="localhost"),
            "PORT": typed(env.int, "DB_PORT", default=5432),
            "NAME": env.str("DB_NAME", default="trading_engine"),
            "USER": env.str("DB_USER", default="postgres"),
            "PASSWORD": env.str("DB_PASSWORD", default=""),
            "OPTIONS": {"sslmode": env.str("DB_SSL_MODE", default="disable")},
        }
    database["ENGINE"] = "rtx.db.backend"
    options = database.setdefault("OPTIONS", {})
    options.setdefault("application_name", env.str("DB_APPLICATION_NAME", default="rtx-schema"))
    return database


DATABASES = {"default": database_from_environment()}

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
RTX_VERSIONS = env.str("RTX_VERSIONS", default="rtx.versions.VERSIONS")
# Checksums of released versions; `rtx_migrate -lint` fails when one of them is edited.
RTX_VERSIONS_LOCK = env.str(
    "RTX_VERSIONS_LOCK", default=str(BASE_DIR / "rtx" / "versions.lock.json")
)
RTX_LOCK_WAIT_SECONDS = typed(env.float, "RTX_LOCK_WAIT_SECONDS", default=60.0)
RTX_LOCK_TIMEOUT = env.str("RTX_LOCK_TIMEOUT", default="5s")
RTX_STATEMENT_TIMEOUT = env.str("RTX_STATEMENT_TIMEOUT", default="15min")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"timestamped": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "timestamped"}},
    "loggers": {"rtx": {"handlers": ["stderr"], "level": env.str("LOG_LEVEL", default="WARNING")}},
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
