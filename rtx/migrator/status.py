"""What ``-status`` reports: each version's state, and the database's as a whole.

A version's state comes from the records (``django_migrations``, ``schema_migrations``)
and from the live catalog, which must hold what the recorded versions promise:

* ``applied``: recorded, and every object it promises is there and usable;
* ``pending``: not recorded, none of its objects there;
* ``partial``: some of its Django migrations recorded (a plain ``migrate`` to a target);
* ``partly applied`` / ``partly reverted``: a non-atomic version (``CONCURRENTLY``) whose
  run failed or was killed half-way: ``detail`` says how far it got, and the same command
  run again finishes it;
* ``drifted``: recorded as applied, but objects of it are missing, INVALID or changed
  (``drift`` lists them).
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rtx.migrator.registry import Registry

APPLIED, PENDING, PARTIAL = "applied", "pending", "partial"
PARTLY_APPLIED, PARTLY_REVERTED, DRIFTED = "partly applied", "partly reverted", "drifted"
# The states in which the records say "applied" (schema_migrations has the row).
RECORDED = (APPLIED, PARTLY_REVERTED, DRIFTED)


@dataclass
class VersionState:
    number: int
    name: str
    state: str
    migrations: list[str]
    applied_migrations: int
    applied_at: datetime | None = None
    duration_ms: int | None = None
    applied_by: str | None = None
    applied_with: str | None = None
    checksum: str | None = None  # ok, changed, "not recorded" (Go tool), or None (no row)
    reason: str | None = None  # why it was recorded by hand (-mark-applied)
    detail: str | None = None  # how far a partly applied or reverted version got
    drift: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number} ({self.name})"

    @property
    def recorded(self) -> bool:
        return self.state in RECORDED


@dataclass
class Status:
    database: str
    current: int
    latest: int
    versions: list[VersionState]
    foreign_versions: list[dict[str, Any]] = field(default_factory=list)
    running: str | None = None
    problems: list[str] = field(default_factory=list)
    timescaledb: dict[str, Any] = field(default_factory=dict)
    go_database: bool = False
    # For a Go-built database not adopted yet: the zone its TIMESTAMP values will be read
    # in and where that comes from, and a warning when RTX_LEGACY_TIME_ZONE overrides it.
    legacy_time_zone: str | None = None
    legacy_time_zone_warning: str | None = None
    # What the drift check could not look at, and why (a role without some privilege).
    unchecked: list[str] = field(default_factory=list)
    # "primary", or "standby" (a hot standby: read-only, replaying the primary's WAL).
    server: str = "primary"
    # The newest schema change rtx-migrate committed, and each standby's replay of it (on
    # a primary); on a standby, whether it has replayed it.
    newest_change: str | None = None
    standbys: list[str] = field(default_factory=list)
    replayed_newest_change: bool | None = None

    @property
    def pending(self) -> list[VersionState]:
        return [version for version in self.versions if not version.recorded]

    @property
    def drift(self) -> list[str]:
        return [line for version in self.versions for line in version.drift]

    def version(self, number: int) -> VersionState:
        return next(version for version in self.versions if version.number == number)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pending"] = [version.number for version in self.pending]
        data["drift"] = self.drift
        return data


def current_version(registry: Registry, applied: set[int]) -> int:
    """The highest version below which every version is applied."""
    current = 0
    for version in registry.versions:
        if version.number not in applied:
            break
        current = version.number
    return current
