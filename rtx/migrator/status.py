"""What ``-status`` reports: each version's state, and the database's as a whole."""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rtx.migrator.registry import Registry


@dataclass
class VersionState:
    number: int
    name: str
    state: str  # applied, pending or partial
    migrations: list[str]
    applied_migrations: int
    applied_at: datetime | None = None
    duration_ms: int | None = None
    applied_by: str | None = None
    applied_with: str | None = None
    checksum: str | None = None  # ok, changed, "not recorded" (Go tool), or None (no row)

    @property
    def label(self) -> str:
        return f"{self.number} ({self.name})"


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

    @property
    def pending(self) -> list[VersionState]:
        return [version for version in self.versions if version.state != "applied"]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pending"] = [version.number for version in self.pending]
        return data


def current_version(registry: Registry, applied: set[int]) -> int:
    """The highest version below which every version is applied."""
    current = 0
    for version in registry.versions:
        if version.number not in applied:
            break
        current = version.number
    return current
