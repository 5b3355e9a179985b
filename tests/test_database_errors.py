"""The one-line reasons rtx_migrate gives when it cannot connect.

The server here trusts every local connection, so a wrong password cannot happen for real;
these tests feed the driver's own messages to the function that explains them.
"""

from types import SimpleNamespace

import pytest

from rtx.migrator.database import explain
from tests.conftest import manage

CONNECTION = SimpleNamespace(
    settings_dict={"HOST": "db.internal", "PORT": 6432, "NAME": "trading_engine", "USER": "rtx"}
)


@pytest.mark.parametrize(
    ("driver_message", "explained"),
    [
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: FATAL:  '
            'password authentication failed for user "rtx"',
            'password authentication failed for user "rtx" on db.internal:6432; check DB_PASSWORD',
        ),
        (
            'connection failed: connection to server at "10.0.0.5", port 6432 failed: '
            "fe_sendauth: no password supplied",
            'the server at db.internal:6432 wants a password for user "rtx"; set DB_PASSWORD',
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
