"""Configuration from the environment, as the Go tool read it, and its errors."""

import json
import subprocess
from pathlib import Path

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
    environment.update(DJANGO_SETTINGS_MODULE="rtx.settings", **env)
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


def test_error_production_refuses_the_development_secret_key(tmp_path: Path) -> None:
    result = run_settings_code(
        "from rtx.cli import run; run(['manage.py', 'check'])",
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
        "from rtx.cli import run; run(['manage.py', 'check'])",
        {"ENVIRONMENT": "production", "SECRET_KEY": "x" * 50, "DEBUG": "true"},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: ENVIRONMENT=production refuses DEBUG=true; unset DEBUG"
    )


def test_error_bad_port_is_one_line(tmp_path: Path) -> None:
    result = run_settings_code(
        "from rtx.cli import run; run(['manage.py', 'check'])", {"DB_PORT": "abc"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
