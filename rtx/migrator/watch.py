"""A second session that watches ours while a version runs.

PostgreSQL says what a backend is doing (``pg_stat_activity``), who blocks it
(``pg_blocking_pids``) and how far an index build is (``pg_stat_progress_create_index``),
but the session running a statement cannot ask while it waits. A thread with a connection
of its own samples all three a few times a second. Every ``heartbeat`` seconds that one
statement runs it reports a line saying what it does; when a lock wait ends in a timeout,
the last blockers it saw name the session to look at.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper

from rtx.logs import utc
from rtx.migrator.events import Progress

SAMPLE_SECONDS = 0.2
SAMPLE_SQL = """
SELECT a.state, a.wait_event_type, a.wait_event, a.query_start,
       extract(epoch FROM clock_timestamp() - a.query_start)::float, a.query,
       p.command, p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total,
       p.index_relid::regclass::text, p.relid::regclass::text
FROM pg_stat_activity a LEFT JOIN pg_stat_progress_create_index p ON p.pid = a.pid
WHERE a.pid = %s
"""
BLOCKERS_SQL = """
SELECT b.pid, coalesce(b.application_name, ''), coalesce(b.state, ''), b.xact_start,
       b.query_start, coalesce(left(regexp_replace(b.query, '\\s+', ' ', 'g'), 100), '')
FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids(%s)) ORDER BY b.pid
"""


def moment(value: datetime | None) -> str:
    return utc(value) if value else "unknown"


@dataclass(frozen=True)
class Blocker:
    """A session that holds a lock ours waits for."""

    pid: int
    application: str
    state: str
    transaction_start: datetime | None
    query_start: datetime | None
    query: str

    def describe(self) -> str:
        text = (
            f"pid {self.pid} (application {self.application or '(unnamed)'!r}, "
            f"{self.state or 'state unknown'}, transaction started "
            f"{moment(self.transaction_start)}, query started {moment(self.query_start)}"
        )
        return text + (f": {self.query})" if self.query else ")")


@dataclass(frozen=True)
class Sample:
    """What our backend is doing, as the watching session saw it."""

    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    query_start: datetime | None
    seconds: float
    query: str
    index_command: str | None = None
    index_phase: str | None = None
    blocks_done: int | None = None
    blocks_total: int | None = None
    tuples_done: int | None = None
    tuples_total: int | None = None
    index: str | None = None
    table: str | None = None

    @property
    def waiting_for_lock(self) -> bool:
        return self.wait_event_type == "Lock"

    def describe(self, blockers: list[Blocker]) -> str:
        if self.waiting_for_lock:
            holders = "; ".join(blocker.describe() for blocker in blockers) or "a session"
            return f"waiting {self.seconds:.0f}s for a {self.wait_event} lock held by {holders}"
        if self.index_command:
            return f"{self.index_command} {self.index} on {self.table}: {self._index_progress()}"
        first_line = " ".join(self.query.split())[:80]
        return f"running for {self.seconds:.0f}s: {first_line}"

    def _index_progress(self) -> str:
        parts = [f"{self.index_phase}, {self.seconds:.0f}s"]
        for label, done, total in (
            ("blocks", self.blocks_done, self.blocks_total),
            ("tuples", self.tuples_done, self.tuples_total),
        ):
            if total:
                parts.append(f"{label} {done:,} of {total:,} ({100 * (done or 0) / total:.0f}%)")
        return ", ".join(parts)


class Watch:
    """Watches the backend of ``connection`` while the ``with`` block runs."""

    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        report: Callable[[Progress], None],
        *,
        heartbeat: float,
    ) -> None:
        self.connection = connection
        self.report = report
        self.heartbeat = heartbeat
        self.blockers: list[Blocker] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session: psycopg.Connection[Any] | None = None

    def __enter__(self) -> "Watch":
        self.connection.ensure_connection()
        pid = self.connection.connection.info.backend_pid
        params = {
            name: value
            for name, value in self.connection.get_connection_params().items()
            if name not in ("cursor_factory", "context", "prepare_threshold")
        }
        params["application_name"] = f"{params.get('application_name', 'rtx-schema')} (watch)"
        try:
            self._session = psycopg.connect(autocommit=True, **params)
        except psycopg.Error:
            return self  # Watching is a help, never a reason to fail a run.
        self._thread = threading.Thread(target=self._run, args=(pid,), daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._session is not None:
            self._session.close()

    def _run(self, pid: int) -> None:
        assert self._session is not None
        statement: datetime | None = None
        next_beat = self.heartbeat
        while not self._stop.wait(SAMPLE_SECONDS):
            try:
                sample = self._sample(pid)
            except psycopg.Error:
                return
            if sample is None or sample.state != "active":
                continue
            if sample.query_start != statement:
                statement, next_beat = sample.query_start, self.heartbeat
            if sample.waiting_for_lock:
                self.blockers = self._blockers(pid)
            if sample.seconds >= next_beat:
                next_beat += self.heartbeat
                self.report(Progress(sample.describe(self.blockers)))

    def _sample(self, pid: int) -> Sample | None:
        assert self._session is not None
        row = self._session.execute(SAMPLE_SQL, [pid]).fetchone()
        if row is None:
            return None
        values: list[Any] = list(row)
        values[4], values[5] = values[4] or 0.0, values[5] or ""
        return Sample(*values)

    def _blockers(self, pid: int) -> list[Blocker]:
        assert self._session is not None
        return [Blocker(*row) for row in self._session.execute(BLOCKERS_SQL, [pid]).fetchall()]

    def last_blockers(self) -> str:
        return "; ".join(blocker.describe() for blocker in self.blockers) or "another session"
