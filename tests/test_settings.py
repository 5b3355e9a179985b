"""Configuration from the environment, as the Go tool read it, and its errors."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, run_python

PRINT_DATABASE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({k: d.get(k) for k in ('HOST', 'PORT', 'NAME', 'USER', 'PASSWORD', "
    "'OPTIONS')}))"
)


def run_settings_code(
    code: str, env: dict[str, str], cwd: Path = PROJECT_ROOT
) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)}
    environment["DJANGO_SETTINGS_MODULE"] = "rtx.settings"
    environment.update(env)
    return run_python(code, env=environment, cwd=cwd)


def database_settings(env: dict[str, str], cwd: Path = PROJECT_ROOT) -> dict:
    result = run_settings_code(PRINT_DATABASE, env, cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_success_defaults_are_the_go_tools(tmp_path: Path) -> None:
    database = database_settings({}, cwd=tmp_path)
    assert database["HOST"] == "localhost"
    assert database["PORT"] == 5432
    assert database["NAME"] == "trading_engine"
    assert database["USER"] == "postgres"
    assert database["PASSWORD"] == ""
    assert database["OPTIONS"]["sslmode"] == "disable"


def test_success_db_variables_and_ssl_mode(tmp_path: Path) -> None:
    database = database_settings(
        {
            "DB_HOST": "db.internal",
            "DB_PORT": "6543",
            "DB_NAME": "te",
            "DB_USER": "rtx",
            "DB_PASSWORD": "s3cret",
            "DB_SSL_MODE": "require",
        },
        cwd=tmp_path,
    )
    assert [database[key] for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD")] == [
        "db.internal",
        6543,
        "te",
        "rtx",
        "s3cret",
    ]
    assert database["OPTIONS"]["sslmode"] == "require"


def test_success_database_url_wins_over_db_variables(tmp_path: Path) -> None:
    database = database_settings(
        {"DATABASE_URL": "postgres://u:p@h1:7000/fromurl", "DB_NAME": "ignored"}, cwd=tmp_path
    )
    assert [database[key] for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD")] == [
        "h1",
        7000,
        "fromurl",
        "u",
        "p",
    ]


def test_success_dot_env_in_working_directory_is_read_and_environment_wins(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text("DB_NAME=from_dotenv\nDB_USER=dotenv_user\n")
    database = database_settings({"DB_USER": "from_environment"}, cwd=tmp_path)
    assert database["NAME"] == "from_dotenv"
    assert database["USER"] == "from_environment"


def test_success_the_fix_master_password_is_read_verbatim(tmp_path: Path) -> None:
    # env.str would read "$DB_NAME" as the name of the variable DB_NAME and return "other".
    (tmp_path / ".env").write_text("FIX_MASTER_PASSWORD='$DB_NAME #2'\nDB_NAME=other\n")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr((settings.FIX_MASTER_PASSWORD, settings.FIX_PROVISIONING_STORE_PATH)))"
    )
    from_dot_env = run_settings_code(code, {}, cwd=tmp_path)
    assert from_dot_env.stdout == "('$DB_NAME #2', './data/fix_credentials')\n"
    from_environment = run_settings_code(
        code, {"FIX_MASTER_PASSWORD": "$DB_NAME", "FIX_PROVISIONING_STORE_PATH": "/srv/fix"}
    )
    assert from_environment.stdout == "('$DB_NAME', '/srv/fix')\n"


MANAGE_CHECK = "import sys; sys.argv = ['manage.py', 'check']; from rtx.cli import manage; manage()"
RTX_MIGRATE_STATUS = (
    "import sys; sys.argv = ['rtx-migrate', '-status']; from rtx.cli import rtx_migrate; "
    "rtx_migrate()"
)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_URL": "postgres://127.0.0.1:notaport/x"},
            "DATABASE_URL='postgres://127.0.0.1:notaport/x' is not valid: Port could not be cast "
            "to integer value as 'notaport'; use postgres://USER:PASSWORD@HOST:PORT/NAME",
        ),
        (
            {"DATABASE_URL": "postgres://rtx:s3cret@db:99999/x"},
            "DATABASE_URL='postgres://rtx:***@db:99999/x' is not valid: Port out of range "
            "0-65535; use postgres://USER:PASSWORD@HOST:PORT/NAME",
        ),
        (
            {"DATABASE_URL": "mysql://db/x"},
            "DATABASE_URL='mysql://db/x' is not valid: the scheme must be postgres://; use "
            "postgres://USER:PASSWORD@HOST:PORT/NAME",
        ),
        (
            {"DATABASE_URL": "postgres://db:5432"},
            "DATABASE_URL='postgres://db:5432' is not valid: it names no database; use "
            "postgres://USER:PASSWORD@HOST:PORT/NAME",
        ),
        (
            {"RTX_VERSIONS": "no.such.module"},
            "RTX_VERSIONS='no.such.module' is not valid: there is no module 'no.such' to import",
        ),
        (
            {"DJANGO_SETTINGS_MODULE": "nope"},
            "DJANGO_SETTINGS_MODULE='nope' is not a module that can be imported; unset it to use "
            "rtx.settings",
        ),
        (
            {"RTX_LOCK_TIMEOUT": "abc"},
            "RTX_LOCK_TIMEOUT='abc' is not valid: use a duration such as 1s, 500ms or 15min",
        ),
        (
            {"RTX_LOCK_TIMEOUT": "0"},
            "RTX_LOCK_TIMEOUT='0' is not valid: it must be at least 1ms; 0 would mean wait forever",
        ),
        (
            {"RTX_STATEMENT_TIMEOUT": "30d"},
            "RTX_STATEMENT_TIMEOUT='30d' is not valid: it must be under 24 days",
        ),
        ({"RTX_LOCK_WAIT_SECONDS": "nan"}, "RTX_LOCK_WAIT_SECONDS='nan' is not a valid float"),
        (
            {"RTX_LOCK_WAIT_SECONDS": "-5"},
            "RTX_LOCK_WAIT_SECONDS=-5.0 is not valid: use a finite number of seconds, 0 or more",
        ),
        (
            {"RTX_LOCK_RETRIES": "-1"},
            "RTX_LOCK_RETRIES=-1 is not valid: use a whole number from 0 to 100",
        ),
        (
            {"DB_SSL_MODE": "sometimes"},
            "DB_SSL_MODE='sometimes' is not valid: use one of disable, allow, prefer, require, "
            "verify-ca, verify-full",
        ),
        ({"DB_PORT": "0"}, "DB_PORT=0 is not valid: use a port number from 1 to 65535"),
    ],
)
def test_error_configuration_is_checked_before_connecting(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    # DB_HOST names a host that does not resolve: reaching for the server would fail differently.
    result = run_settings_code(
        RTX_MIGRATE_STATUS, {"DB_HOST": "no-such-host.invalid", **env}, tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"Configuration error: {message}"]


def test_error_production_refuses_the_development_secret_key(tmp_path: Path) -> None:
    result = run_settings_code(
        MANAGE_CHECK,
        {"ENVIRONMENT": "production"},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: ENVIRONMENT=production needs SECRET_KEY set to a random value "
        "of 32 characters or more"
    )


def test_error_production_refuses_debug(tmp_path: Path) -> None:
    result = run_settings_code(
        MANAGE_CHECK,
        {"ENVIRONMENT": "production", "SECRET_KEY": "x" * 50, "DEBUG": "true"},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: ENVIRONMENT=production refuses DEBUG=true; unset DEBUG"
    )


def test_error_bad_port_is_one_line(tmp_path: Path) -> None:
    result = run_settings_code(MANAGE_CHECK, {"DB_PORT": "abc"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- the production topology: a read replica, a transaction pooler --------------------------

PRINT_DATABASES = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps({'databases': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS}))"
)


def all_database_settings(env: dict[str, str], tmp_path: Path) -> dict:
    result = run_settings_code(PRINT_DATABASES, env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_success_without_a_replica_there_is_one_database_and_no_router(tmp_path: Path) -> None:
    configured = all_database_settings({}, tmp_path)
    assert list(configured["databases"]) == ["default"]
    assert configured["routers"] == []


def test_success_replica_url_adds_the_replica_alias_and_its_router(tmp_path: Path) -> None:
    configured = all_database_settings(
        {"DB_REPLICA_URL": "postgres://reader:pw@standby.internal:5433/trading_engine"}, tmp_path
    )
    replica = configured["databases"]["replica"]
    assert [replica[key] for key in ("ENGINE", "HOST", "PORT", "NAME", "USER", "PASSWORD")] == [
        "rtx.db.backend",
        "standby.internal",
        5433,
        "trading_engine",
        "reader",
        "pw",
    ]
    assert replica["TEST"]["MIRROR"] == "default"  # the test runner creates no database there
    assert replica["OPTIONS"]["application_name"] == "rtx-schema"
    assert configured["databases"]["default"]["HOST"] == "localhost"
    assert configured["routers"] == ["rtx.db.routers.PrimaryReplicaRouter"]


def test_error_a_bad_database_url_is_one_line_that_does_not_show_its_password(
    tmp_path: Path,
) -> None:
    usage = "use postgres://USER:PASSWORD@HOST:PORT/NAME"
    for variable, url, reason in (
        (
            "DB_REPLICA_URL",
            "mysql://reader:s3cret@standby/trading_engine",
            "'mysql://reader:***@standby/trading_engine' is not valid: the scheme must be "
            f"postgres://; {usage}",
        ),
        (
            "DB_REPLICA_URL",
            "postgres://reader:s3cret@standby:port/trading_engine",
            "'postgres://reader:***@standby:port/trading_engine' is not valid: Port could not "
            f"be cast to integer value as 'port'; {usage}",
        ),
        (
            "DB_REPLICA_URL",
            "postgres://reader:s3cret@standby:5432/",
            f"'postgres://reader:***@standby:5432/' is not valid: it names no database; {usage}",
        ),
        (
            "DATABASE_URL",
            "standby.internal",
            f"'standby.internal' is not valid: the scheme must be postgres://; {usage}",
        ),
    ):
        result = run_settings_code(MANAGE_CHECK, {variable: url}, tmp_path)
        assert result.returncode == 2, url
        assert result.stderr == f"Configuration error: {variable}={reason}\n"


def test_success_transaction_pool_mode_leaves_nothing_on_the_server_between_transactions(
    tmp_path: Path,
) -> None:
    pooled = all_database_settings(
        {
            "DB_POOL_MODE": "transaction",
            "DATABASE_URL": "postgres://u@pgbouncer:6432/te?prepare_threshold=5",
            "DB_REPLICA_URL": "postgres://u@pgbouncer-replica:6432/te",
        },
        tmp_path,
    )
    for database in pooled["databases"].values():
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert database["OPTIONS"]["prepare_threshold"] is None
    for session in ({}, {"DB_POOL_MODE": "session"}):
        direct = all_database_settings(session, tmp_path)["databases"]["default"]
        assert direct.get("DISABLE_SERVER_SIDE_CURSORS", False) is False
        assert "prepare_threshold" not in direct["OPTIONS"]  # Django's own default: None


def test_error_bad_pool_mode_is_one_line(tmp_path: Path) -> None:
    result = run_settings_code(
        MANAGE_CHECK,
        {"DB_POOL_MODE": "statement"},
        tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "Configuration error: DB_POOL_MODE='statement' is not valid: use direct (no pooler), "
        "session (a pooler in session mode) or transaction (a pooler in transaction mode, such "
        "as PgBouncer's pool_mode = transaction)\n"
    )
