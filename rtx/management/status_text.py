"""``rtx-migrate -status`` as text: one line per version, its state, then what is wrong."""

from collections.abc import Callable

from django.core.management.color import Style

from rtx.logs import utc
from rtx.migrator.status import APPLIED, PARTIAL, PENDING, Status, VersionState


def version_line(version: VersionState) -> str:
    state = version.state.upper()
    if version.state == PARTIAL:
        state += f" {version.applied_migrations}/{len(version.migrations)}"
    if version.detail:
        state += f": {version.detail}"
    line = f"  {version.number} - {version.name} [{state}]"
    if version.applied_at:
        line += f" applied {utc(version.applied_at)}"
    if version.duration_ms is not None:
        line += f" in {version.duration_ms} ms"
    if version.applied_with:
        line += f" by {version.applied_by} with {version.applied_with}"
    if version.reason:
        line += f" (reason: {version.reason})"
    if version.checksum:
        line += f", checksum {version.checksum}"
    return line


def status_lines(status: Status, style: Style) -> list[str]:
    lines = [
        f"Current version: {status.current} (latest {status.latest})",
        f"TimescaleDB: {status.timescaledb['summary']}",
    ]
    if status.server == "standby":
        replayed = "has" if status.replayed_newest_change else "has NOT yet"
        newest = f"; it {replayed} replayed {status.newest_change}" if status.newest_change else ""
        lines.append(f"Server: a hot standby (read-only){newest}")
    lines += [f"Replication: {standby}" for standby in status.standbys]
    if status.go_database:
        lines.append(
            style.WARNING(
                "Built by the Go migration tool, not adopted yet: rtx-migrate -up adopts it "
                "(rtx-migrate -up -dry-run shows the plan)"
            )
        )
        lines.append(f"Legacy TIMESTAMP values will be read in {status.legacy_time_zone}")
        if status.legacy_time_zone_warning:
            lines.append(style.WARNING(f"WARNING: {status.legacy_time_zone_warning}"))
    if status.running:
        lines.append(style.WARNING(f"A migration is running: {status.running}"))
    lines.append("=" * 72)
    for version in status.versions:
        healthy = version.state in (APPLIED, PENDING) and version.checksum != "changed"
        paint: Callable[[str], str] = str if healthy else style.WARNING
        lines.append(paint(version_line(version)))
        lines += [f"      {migration}" for migration in version.migrations]
        lines += [style.ERROR(f"      drift: {line}") for line in version.drift]
    for row in status.foreign_versions:
        lines.append(
            f"  {row['version']} - {row['name']} [APPLIED, not ours: left untouched] "
            f"applied {utc(row['applied_at'])}"
        )
    lines.append("=" * 72)
    recorded = len(status.versions) - len(status.pending)
    total = (
        f"Total: {len(status.versions)} versions, {recorded} applied, {len(status.pending)} pending"
    )
    if status.foreign_versions:
        total += f"; {len(status.foreign_versions)} other version(s) in schema_migrations"
    lines.append(total)
    if status.drift:
        lines.append(
            style.ERROR(
                f"Drift: {len(status.drift)} of the objects of recorded versions are missing, "
                "INVALID or not as their versions made them (listed above); rtx-migrate -up "
                "finishes a non-atomic version, anything else must be restored by hand"
            )
        )
    lines += [f"Not checked: {note}" for note in status.unchecked]
    lines += [style.ERROR(f"Registry problem: {problem}") for problem in status.problems]
    return lines
