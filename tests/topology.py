"""Private PostgreSQL servers and a PgBouncer: the production topology, for tests.

* :func:`start_primary`: a server made with ``initdb`` in a temporary directory and started
  with ``pg_ctl`` on a free loopback port, with ``wal_level = replica`` and replication
  connections allowed from loopback (the machine's own cluster accepts none).
* :func:`start_standby`: a hot standby of a primary, made with ``pg_basebackup -R`` (with a
  replication slot, so the primary keeps the WAL a stopped standby still needs) and started
  with ``pg_ctl`` on another free port.
* :func:`start_pgbouncer`: Debian's ``pgbouncer`` in ``pool_mode = transaction`` in front of
  a server, on a free port, trusting every client as the server does. Its pool hands server
  connections out in turn (``server_round_robin``), so consecutive transactions of one client
  land on different server connections: anything a client leaves in a session (a prepared
  statement, a cursor, a ``SET``) is missing in its next transaction, every time.

PostgreSQL refuses to run as root, and so does PgBouncer: run as root, every process here runs
as the ``postgres`` system user, in directories it owns; run as anyone else, as that user.
Each ``start_*`` returns an object whose ``stop_and_remove()`` ends the processes and deletes
their directory; the fixtures in ``tests/conftest.py`` call it whatever the test did.

Nothing here asserts: a component that fails to start raises :class:`TopologyError` with the
end of its log.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

LOOPBACK = "127.0.0.1"
SUPERUSER = "postgres"
# The system user that runs the servers when the tests run as root.
SERVICE_USER = "postgres"
DEBIAN_POSTGRES = Path("/usr/lib/postgresql")
SERVER_PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup")
START_TIMEOUT_SECONDS = 60
REPLAY_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.05
LOG_LINES_SHOWN = 20
# PgBouncer's pool per database and user: fewer server connections than the clients the
# tests run, so transactions must share them.
POOL_SIZE = 2

SERVER_SETTINGS = """
listen_addresses = '{host}'
port = {port}
unix_socket_directories = '{socket_directory}'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
max_connections = 60
shared_buffers = 32MB
# Test data only: nothing here must survive a crash of the machine.
fsync = off
"""

# Loopback only; "replication" lines let pg_basebackup and the standby in.
PG_HBA = """\
local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust
"""

PGBOUNCER_SETTINGS = """\
[databases]
* = host={server_host} port={server_port}

[pgbouncer]
listen_addr = {host}
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
admin_users = {superuser}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
server_round_robin = 1
pidfile = {directory}/pgbouncer.pid
"""


class TopologyError(Exception):
    """A component of the topology could not be made, started or stopped."""


class ComponentMissing(TopologyError):
    """A program the topology needs is not installed on this machine."""


# --- programs and the user that runs them ------------------------------------------------


def postgres_bindir() -> Path:
    """Where initdb, pg_ctl and pg_basebackup are: Debian's newest, or else on PATH."""
    for candidate in sorted(DEBIAN_POSTGRES.glob("*/bin"), key=debian_major, reverse=True):
        if all((candidate / program).exists() for program in SERVER_PROGRAMS):
            return candidate
    found = [shutil.which(program) for program in SERVER_PROGRAMS]
    if all(found):
        return Path(str(found[0])).parent
    raise ComponentMissing(
        "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed"
    )


def debian_major(bindir: Path) -> int:
    version = bindir.parent.name
    return int(version) if version.isdigit() else 0


def pgbouncer_program() -> str:
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")
    if not found:
        raise ComponentMissing("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    return found


def run_as() -> dict[str, Any]:
    """``subprocess`` arguments that drop root to :data:`SERVICE_USER`; none otherwise."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise TopologyError(
            f"running as root, the servers need the unprivileged user {SERVICE_USER!r}, "
            "which does not exist"
        ) from None
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def private_directory(label: str) -> Path:
    """A new temporary directory that the user running the servers owns."""
    directory = Path(tempfile.mkdtemp(prefix=f"rtx-{label}-"))
    owner = run_as()
    if owner:
        os.chown(directory, owner["user"], owner["group"])
    return directory


def program_environment(directory: Path) -> dict[str, str]:
    """A clean environment: no PG* variable of the test run reaches the servers."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(directory), "LC_ALL": "C"}


def run(command: list[str], directory: Path) -> None:
    done = subprocess.run(
        command,
        cwd=directory,
        env=program_environment(directory),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS * 2,
        check=False,
        **run_as(),
    )
    if done.returncode != 0:
        raise TopologyError(
            f"{' '.join(command)} exited {done.returncode}: {(done.stderr or done.stdout).strip()}"
        )


def free_port() -> int:
    """A TCP port nobody listens on now (the kernel's pick for a port-0 bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def log_tail(path: Path) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-LOG_LINES_SHOWN:])


# --- PostgreSQL servers --------------------------------------------------------------------


@dataclass
class Server:
    """A private PostgreSQL server (primary or standby) run by ``pg_ctl``."""

    name: str
    directory: Path
    port: int
    bindir: Path
    host: str = LOOPBACK

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def conninfo(self, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host, port=self.port, user=SUPERUSER, dbname=dbname
        )

    def url(self, dbname: str) -> str:
        """``DATABASE_URL`` (or ``DB_REPLICA_URL``) for ``dbname`` on this server."""
        return f"postgres://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo(dbname), autocommit=True)

    def value(self, query: str, dbname: str = "postgres") -> Any:
        """The first column of the first row of ``query``."""
        with self.connect(dbname) as connection:
            row = connection.execute(query).fetchone()
        return row[0] if row else None

    def start(self) -> None:
        try:
            run(
                [
                    str(self.bindir / "pg_ctl"),
                    "start",
                    "--wait",
                    f"--timeout={START_TIMEOUT_SECONDS}",
                    f"--pgdata={self.data}",
                    f"--log={self.log}",
                ],
                self.directory,
            )
        except TopologyError as error:
            raise TopologyError(
                f"{self.name} did not start: {error}\n{log_tail(self.log)}"
            ) from None

    def stop(self) -> None:
        run(
            [str(self.bindir / "pg_ctl"), "stop", "--wait", "--mode=fast", f"--pgdata={self.data}"],
            self.directory,
        )

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """Stop the server for the block, and start it again after, whatever happened."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def stop_and_remove(self) -> None:
        try:
            if self.is_running():
                self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_primary() -> Server:
    """initdb, a loopback-only configuration that allows replication, and pg_ctl start."""
    bindir = postgres_bindir()
    directory = private_directory("primary")
    server = Server("primary", directory, free_port(), bindir)
    try:
        run(
            [
                str(bindir / "initdb"),
                f"--pgdata={server.data}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
            directory,
        )
        with (server.data / "postgresql.conf").open("a") as settings:
            settings.write(
                SERVER_SETTINGS.format(
                    host=server.host, port=server.port, socket_directory=directory
                )
            )
        (server.data / "pg_hba.conf").write_text(PG_HBA)
        server.start()
    except BaseException:
        server.stop_and_remove()
        raise
    return server


def start_standby(primary: Server) -> Server:
    """A hot standby of ``primary``: ``pg_basebackup -R`` through a slot, then pg_ctl start."""
    directory = private_directory("standby")
    server = Server("standby", directory, free_port(), primary.bindir)
    slot = f"standby_{uuid.uuid4().hex[:8]}"
    try:
        run(
            [
                str(primary.bindir / "pg_basebackup"),
                f"--pgdata={server.data}",
                f"--host={primary.host}",
                f"--port={primary.port}",
                f"--username={SUPERUSER}",
                "--write-recovery-conf",
                "--create-slot",
                f"--slot={slot}",
                "--wal-method=stream",
                "--checkpoint=fast",
            ],
            directory,
        )
        with (server.data / "postgresql.conf").open("a") as settings:
            settings.write(f"\nport = {server.port}\nunix_socket_directories = '{directory}'\n")
        server.start()
    except BaseException:
        server.stop_and_remove()
        raise
    return server


def current_lsn(primary: Server) -> str:
    return str(primary.value("SELECT pg_current_wal_lsn()"))


def wait_for_replay(
    primary: Server, standby: Server, timeout: float = REPLAY_TIMEOUT_SECONDS
) -> None:
    """Return once ``standby`` has replayed everything ``primary`` has written so far."""
    target = current_lsn(primary)
    deadline = time.monotonic() + timeout
    with standby.connect() as connection:
        while True:
            row = connection.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)
            ).fetchone()
            if row and row[0]:
                return
            if time.monotonic() > deadline:
                raise TopologyError(
                    f"the standby did not replay the primary's WAL up to {target} in {timeout:g} s"
                )
            time.sleep(POLL_SECONDS)


@contextmanager
def replay_paused(standby: Server) -> Iterator[None]:
    """The standby replays nothing in the block (it still receives WAL); resumed after.

    What the primary commits meanwhile is on the primary only: a read that finds it was
    answered by the primary, a read that misses it by the standby.
    """
    with standby.connect() as connection:
        connection.execute("SELECT pg_wal_replay_pause()")
        while connection.execute("SELECT pg_get_wal_replay_pause_state()").fetchone() != (
            "paused",
        ):
            time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        with standby.connect() as connection:
            connection.execute("SELECT pg_wal_replay_resume()")


def create_database(server: Server, *, template: str | None = None) -> str:
    """A new database on ``server`` (a copy of ``template`` when given); returns its name."""
    name = f"rtx_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with server.connect() as connection:
        connection.execute(statement)
    return name


def drop_database(server: Server, name: str) -> None:
    """Drop ``name``, ending the sessions still in it (a standby drops it on replay)."""
    with server.connect() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- PgBouncer -----------------------------------------------------------------------------


@dataclass
class PgBouncer:
    """Debian's pgbouncer in transaction pooling mode, in front of one server."""

    directory: Path
    port: int
    process: subprocess.Popen[bytes]
    host: str = LOOPBACK

    @property
    def log(self) -> Path:
        return self.directory / "pgbouncer.log"

    def url(self, dbname: str) -> str:
        """``DATABASE_URL`` for ``dbname`` through the pooler."""
        return f"postgres://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host, port=self.port, user=SUPERUSER, dbname=dbname
        )

    def show(self, what: str) -> list[dict[str, Any]]:
        """``SHOW <what>`` on PgBouncer's admin console (POOLS, SERVERS, STATS, ...)."""
        with psycopg.connect(
            self.conninfo("pgbouncer"),
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,  # the console speaks the simple protocol only
        ) as console:
            cursor = console.execute(f"SHOW {what}")
            names = [column.name for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def version(self) -> str:
        """``SHOW VERSION``: e.g. "PgBouncer 1.18.0"."""
        return str(self.show("VERSION")[0]["version"])

    def warm_pool(self, dbname: str) -> None:
        """Open every server connection of ``dbname``'s pool, so that round robin deals a
        client's consecutive transactions to different server connections from then on."""
        clients = [psycopg.connect(self.conninfo(dbname)) for _ in range(POOL_SIZE)]
        try:
            for client in clients:
                client.execute("SELECT 1")  # holds a server connection until the commit
            for client in clients:
                client.commit()  # a clean server connection goes back to the pool
        finally:
            for client in clients:
                client.close()

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if self.process.poll() is not None:
                raise TopologyError(
                    f"pgbouncer exited {self.process.returncode}:\n{log_tail(self.log)}"
                )
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise TopologyError(
                        f"pgbouncer did not listen on {self.port}:\n{log_tail(self.log)}"
                    ) from None
                time.sleep(POLL_SECONDS)

    def stop_and_remove(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=START_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_pgbouncer(server_host: str, server_port: int) -> PgBouncer:
    """pgbouncer in transaction mode in front of ``server_host:server_port`` (trust auth)."""
    program = pgbouncer_program()
    directory = private_directory("pgbouncer")
    port = free_port()
    owner = run_as()
    files = {
        # auth_type = trust still needs the user names, with any password.
        "userlist.txt": f'"{SUPERUSER}" ""\n',
        "pgbouncer.ini": PGBOUNCER_SETTINGS.format(
            server_host=server_host,
            server_port=server_port,
            host=LOOPBACK,
            port=port,
            directory=directory,
            superuser=SUPERUSER,
            pool_size=POOL_SIZE,
        ),
    }
    for name, text in files.items():
        (directory / name).write_text(text)
        if owner:
            os.chown(directory / name, owner["user"], owner["group"])
    with (directory / "pgbouncer.log").open("wb") as log:
        process = subprocess.Popen(
            [program, str(directory / "pgbouncer.ini")],
            cwd=directory,
            env=program_environment(directory),
            stdout=log,
            stderr=log,
            **owner,
        )
    bouncer = PgBouncer(directory, port, process)
    try:
        bouncer.wait_until_listening()
    except BaseException:
        bouncer.stop_and_remove()
        raise
    return bouncer
