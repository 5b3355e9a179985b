"""scripts/db/migrate.sh, the seed's helper script, on the real server."""

import subprocess
import sys
from pathlib import Path

from rtx.versions import VERSIONS
from tests.conftest import PROJECT_ROOT, command_environment, connect, fetch_all

SCRIPT = PROJECT_ROOT / "scripts" / "db" / "migrate.sh"
ALL_VERSIONS = [(version.number,) for version in VERSIONS]


def helper(
    database: str, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = command_environment(database, "rtx.settings", env or {})
    environment["RTX_VENV"] = str(Path(sys.executable).parent.parent)
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        input=stdin,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def versions(database: str) -> list[tuple[int]]:
    return fetch_all(database, "SELECT version FROM schema_migrations ORDER BY version")


def test_success_fresh_with_yes_terminates_and_leaves_a_migrated_database(database: str) -> None:
    assert helper(database, "up").returncode == 0
    with connect(database) as connection:
        connection.execute(
            "INSERT INTO users (username, email, password_hash) VALUES ('u', 'u@x', 'h')"
        )

    result = helper(database, "fresh", "--yes")

    assert result.returncode == 0, result.stderr
    assert "✅ Database reset complete" in result.stdout
    assert versions(database) == ALL_VERSIONS
    assert fetch_all(database, "SELECT count(*) FROM users") == [(0,)]


def test_error_fresh_needs_the_exact_confirmation(database: str) -> None:
    assert helper(database, "up").returncode == 0
    result = helper(database, "fresh", stdin="yes\n")
    assert result.returncode == 1
    assert result.stdout.strip().endswith("Cancelled")
    assert versions(database) == ALL_VERSIONS


def test_error_fresh_names_an_unknown_option(database: str) -> None:
    result = helper(database, "fresh", "--force")
    assert result.returncode == 2
    assert result.stdout.strip() == "fresh takes --yes and --allow-data-loss, not --force"


def test_success_no_colour_codes_when_the_output_is_not_a_terminal(database: str) -> None:
    result = helper(database, "up")
    assert result.returncode == 0, result.stderr
    assert "\033[" not in result.stdout
    assert result.stdout.startswith("Installing rtx-schema") or result.stdout.startswith(
        "Applying pending versions..."
    )


def test_success_createdb_then_version_and_status(make_database) -> None:  # type: ignore[no-untyped-def]
    database = make_database()
    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE "{database}"')

    created = helper(database, "createdb")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == f'Created database "{database}".'
    assert helper(database, "createdb").stdout.strip() == f'Database "{database}" already exists.'

    assert helper(database, "version", "1").returncode == 0
    status = helper(database, "status")
    assert "  1 - initial_schema [APPLIED]" in status.stdout
    assert helper(database, "version").returncode == 2


def test_error_unknown_command_prints_usage() -> None:
    result = helper("unused", "sideways")
    assert result.returncode == 1
    assert result.stdout.startswith("RTX Trading Engine - Database Migration Helper")
