"""The one-line reasons rtx_migrate gives when it cannot connect.

The server here trusts every local connection, so a wrong password cannot happen for real;
these tests feed the driver's own messages to the function that explains them.
"""

from types import SimpleNamespace

import pytest

from rtx.migrator.database import explain
from tests.conftest import manage

CONNECTION = SimpleNamespace(
    settings_dict={
        "HOST": "db.internal",
        "PORT": 6432,
        "NAME": "trading_engine",
        "USER": "rtx",
        "OPTIONS": {"sslmode": "verify-full"},
    }
)


@pytest.mark.parametrize(
    ("driver_message", "explained"),
    [
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: FATAL:  '
            'password authentication failed for user "rtx"',
            "PostgreSQL at db.internal:6432 refused the connection: password authentication "
            'failed for user "rtx"; check DB_PASSWORD (or the password in the URL)',
        ),
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: '
            "fe_sendauth: no password supplied",
            "PostgreSQL at db.internal:6432 refused the connection: the server wants a password "
            'for user "rtx"; set DB_PASSWORD',
        ),
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: FATAL:  '
            'database "trading_engine" does not exist',
            'database "trading_engine" does not exist on db.internal:6432; create it with: '
            "createdb -h db.internal -p 6432 -U rtx trading_engine",
        ),
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: timeout '
            "expired\nIs the server running?",
            "cannot connect to PostgreSQL at db.internal:6432 (timeout expired); check DB_HOST "
            "and DB_PORT and that the server is running",
        ),
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: FATAL:  '
            'no pg_hba.conf entry for host "10.0.0.9", user "rtx", database "trading_engine", '
            "no encryption",
            "PostgreSQL at db.internal:6432 refused the connection: the server accepts no "
            'connection for user "rtx" from here (pg_hba.conf: no pg_hba.conf entry for host '
            '"10.0.0.9", user "rtx", database "trading_engine", no encryption); check DB_USER '
            "and DB_SSL_MODE, or ask its administrator",
        ),
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: SSL error: '
            "certificate verify failed",
            "PostgreSQL at db.internal:6432 refused the connection: TLS failed (SSL error: "
            "certificate verify failed); check DB_SSL_MODE=verify-full and the server's "
            "certificate",
        ),
    ],
)
def test_error_connection_failures_are_explained(driver_message: str, explained: str) -> None:
    assert explain(CONNECTION, Exception(driver_message)) == explained  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "command", [["fix_close_stale_sessions"], ["migrate"], ["rtx_timescale", "-status"]]
)
def test_error_any_command_without_its_server_says_so_in_one_line(command: list[str]) -> None:
    result = manage(*command, database="postgres", env={"DB_PORT": "1"})
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1:1 (Connection refused)" in result.stderr


@pytest.mark.parametrize(
    ("env", "explained"),
    [
        (
            {"DB_USER": "rtx_no_such_role"},
            'PostgreSQL at 127.0.0.1:5432 refused the connection: role "rtx_no_such_role" does '
            "not exist; check DB_USER (or the user in the URL)",
        ),
        (
            {"DB_SSL_MODE": "require"},
            "PostgreSQL at 127.0.0.1:5432 refused the connection: the server offers no TLS, and "
            "DB_SSL_MODE=require requires it; use DB_SSL_MODE=disable or prefer, or enable ssl on "
            "the server",
        ),
    ],
)
def test_error_the_real_server_refusing_names_the_cause(
    env: dict[str, str], explained: str
) -> None:
    result = manage("rtx_migrate", "-status", database="postgres", env=env)
    if "ssl" in env.get("DB_SSL_MODE", "") and "offers no TLS" not in result.stderr:
        pytest.skip("this server offers TLS")
    assert result.returncode == 3
    assert result.stderr.splitlines() == [f"CommandError: {explained}"]
