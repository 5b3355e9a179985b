"""Versions: the seed's sequential integers, each a named group of Django migrations.

A version lists its migrations as ``"app_label.migration_name"``. The registry is valid
when every migration on disk belongs to exactly one version, every listed migration
exists, a migration depends only on migrations of its own or earlier versions, and a
migration that cannot run in a transaction (``atomic = False``) is alone in its version.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.migrations.loader import MigrationLoader
from django.utils.module_loading import import_string

from rtx.migrator.errors import RegistryInvalid

MigrationKey = tuple[str, str]

# Version numbers that databases built by the Go tool may hold for schemas that are not
# this project's. Ours never take them, so the two can share schema_migrations.
RESERVED_VERSIONS = {7: "analytics_dashboard_schema"}


@dataclass(frozen=True)
class RawObject:
    """An object a version creates in raw SQL, which Django's migration state cannot see.

    ``kind`` is ``trigger`` (on ``table``), ``function`` (``name`` is its signature, e.g.
    ``f()``) or ``extension``. Declaring them makes them ours: the drift check expects
    them, and reverting a table never mistakes them for another owner's.
    """

    kind: str
    name: str
    table: str | None = None
    # Made only where the server allows it (a continuous aggregate needs TimescaleDB):
    # ours when there, but never missed by the drift check.
    optional: bool = False


def trigger(table: str, name: str) -> RawObject:
    return RawObject("trigger", name, table)


def function(signature: str) -> RawObject:
    return RawObject("function", signature)


def extension(name: str) -> RawObject:
    return RawObject("extension", name)


def continuous_aggregate(name: str) -> RawObject:
    """A TimescaleDB continuous aggregate: a view, made only where TimescaleDB keeps one."""
    return RawObject("view", name, optional=True)


@dataclass(frozen=True)
class Owned:
    """What our versions make in raw SQL, so that it is never taken for another owner's."""

    triggers: frozenset[tuple[str, str]]  # (table, trigger)
    views: frozenset[str]


@dataclass(frozen=True)
class Version:
    number: int
    name: str
    migrations: tuple[str, ...]
    raw_objects: tuple[RawObject, ...] = ()

    @cached_property
    def keys(self) -> tuple[MigrationKey, ...]:
        return tuple(split_key(label) for label in self.migrations)

    @property
    def label(self) -> str:
        return f"{self.number} ({self.name})"


def split_key(label: str) -> MigrationKey:
    app_label, _, name = label.partition(".")
    return app_label, name


def join_key(key: MigrationKey) -> str:
    return f"{key[0]}.{key[1]}"


class Registry:
    def __init__(self, versions: Iterable[Version]) -> None:
        self.versions = tuple(sorted(versions, key=lambda version: version.number))
        self._by_number = {version.number: version for version in self.versions}
        self._version_of = {key: version for version in self.versions for key in version.keys}

    @classmethod
    def from_setting(cls, dotted_path: str) -> "Registry":
        """The registry RTX_VERSIONS names; a path that does not import is refused."""
        try:
            versions = import_string(dotted_path)
        except ImportError as error:
            raise RegistryInvalid(
                f"RTX_VERSIONS={dotted_path!r} cannot be imported: {error}"
            ) from None
        return cls(versions)

    @property
    def latest(self) -> int:
        return self.versions[-1].number if self.versions else 0

    def get(self, number: int) -> Version:
        try:
            return self._by_number[number]
        except KeyError:
            known = ", ".join(str(version.number) for version in self.versions)
            raise RegistryInvalid(
                f"version {number} does not exist; known versions: 0 (nothing applied), {known}"
            ) from None

    def owned(self) -> Owned:
        """The triggers and views any version creates in raw SQL."""
        raws = [raw for version in self.versions for raw in version.raw_objects]
        return Owned(
            triggers=frozenset(
                (raw.table, raw.name) for raw in raws if raw.kind == "trigger" and raw.table
            ),
            views=frozenset(raw.name for raw in raws if raw.kind == "view"),
        )

    def knows(self, number: int) -> bool:
        return number in self._by_number

    def version_of(self, key: MigrationKey) -> Version | None:
        return self._version_of.get(key)

    def up_to(self, number: int) -> list[Version]:
        return [version for version in self.versions if version.number <= number]

    def targets(self, number: int, apps: Iterable[str]) -> list[tuple[str, str | None]]:
        """Django migrate targets that leave ``apps`` exactly as version ``number`` has them."""
        targets: list[tuple[str, str | None]] = []
        for app_label in sorted(set(apps)):
            latest = None
            for version in self.up_to(number):
                for key in version.keys:
                    if key[0] == app_label:
                        latest = key[1]
            targets.append((app_label, latest))
        return targets

    def problems(self, loader: MigrationLoader) -> list[str]:
        """Every way in which the registry and the migrations on disk disagree."""
        found: list[str] = []
        found += self._numbering_problems()
        seen: dict[MigrationKey, int] = {}
        for version in self.versions:
            for key in version.keys:
                if key in seen:
                    found.append(
                        f"migration {join_key(key)} is listed in versions {seen[key]} and "
                        f"{version.number}; it must belong to exactly one"
                    )
                seen[key] = version.number
                if key not in loader.disk_migrations:
                    found.append(
                        f"version {version.label} lists {join_key(key)}, which does not exist"
                    )
        for key in sorted(loader.disk_migrations):
            if key not in seen:
                found.append(
                    f"migration {join_key(key)} belongs to no version: add it to a version "
                    f"in the registry (rtx/versions.py)"
                )
        found += self._dependency_problems(loader)
        found += self._atomicity_problems(loader)
        return found

    def _numbering_problems(self) -> list[str]:
        found = []
        names = [version.name for version in self.versions]
        for version in self.versions:
            if version.number < 1:
                found.append(f"version {version.label}: numbers start at 1")
            if version.number in RESERVED_VERSIONS:
                found.append(
                    f"version {version.label}: number {version.number} is reserved for "
                    f"{RESERVED_VERSIONS[version.number]!r} of the Go tool's databases"
                )
            if names.count(version.name) > 1:
                found.append(f"version {version.label}: the name is used twice")
            if not version.migrations:
                found.append(f"version {version.label} lists no migration")
        numbers = [version.number for version in self.versions]
        if len(set(numbers)) != len(numbers):
            found.append("two versions share a number")
        return found

    def _dependency_problems(self, loader: MigrationLoader) -> list[str]:
        found = []
        for version in self.versions:
            for key in version.keys:
                migration = loader.disk_migrations.get(key)
                if migration is None:
                    continue
                for parent in loader.graph.node_map[key].parents:
                    parent_version = self.version_of(parent.key)
                    if parent_version and parent_version.number > version.number:
                        found.append(
                            f"migration {join_key(key)} of version {version.number} depends "
                            f"on {join_key(parent.key)} of the later version "
                            f"{parent_version.number}"
                        )
        return found

    def _atomicity_problems(self, loader: MigrationLoader) -> list[str]:
        found = []
        for version in self.versions:
            non_atomic = [
                key
                for key in version.keys
                if key in loader.disk_migrations and not loader.disk_migrations[key].atomic
            ]
            if non_atomic and len(version.keys) > 1:
                found.append(
                    f"version {version.label} mixes the non-atomic migration "
                    f"{join_key(non_atomic[0])} with others; a migration with atomic = False "
                    f"must be alone in its version"
                )
        return found

    def check(self, loader: MigrationLoader) -> None:
        found = self.problems(loader)
        if found:
            raise RegistryInvalid(f"the version registry is invalid: {found[0]}")
