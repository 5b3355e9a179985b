"""What each version promises to leave in the catalog: the objects it creates, by name.

Django's migration state knows every table, column, index and constraint the models
declare at any version; each object is attributed to the version after which it first
exists (and stays). ``Version.raw_objects`` adds what raw SQL creates (triggers, functions,
extensions). For the versions a database has applied, each promise also carries what the
live object must look like (a column's type and nullability, an index's key columns, a
foreign key's target), taken from the models as those versions left them.

Names follow the project's rules: every index and constraint of our apps is named in the
models; foreign keys are ``<table>_<column>_fkey`` and primary keys ``<table>_pkey``
(our schema editor and PostgreSQL name them so). Django's own apps name some indexes
with a hash; for their tables, columns and keys are promised, and the drift check looks at
every index on every table of ours for validity anyway.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps.registry import Apps
from django.apps.registry import apps as global_apps
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from rtx.db.backend.schema import foreign_key_name
from rtx.migrator.registry import Registry, Version

# Django's own apps: Django names (and types) their indexes and constraints, some with a
# hash; only their tables, columns and keys are promised here.
DJANGO_APPS = ("admin", "auth", "contenttypes", "sessions")


@dataclass(frozen=True)
class Promise:
    """One object a version leaves in the catalog."""

    version: int
    kind: str  # table, column, index, constraint, trigger, function, extension
    name: str
    table: str | None = None
    # What the live object must look like, where the version is applied:
    column_type: str | None = None  # as format_type() writes it
    not_null: bool | None = None
    index_columns: tuple[str, ...] | None = None  # key columns, when plain columns
    constraint_type: str | None = None  # p, f, c or u
    references: str | None = None  # a foreign key's target table

    def describe(self) -> str:
        if self.kind == "table":
            return f"table {self.name}"
        if self.kind == "column":
            return f"column {self.table}.{self.name}"
        if self.table:
            return f"{self.kind} {self.name} on table {self.table}"
        return f"{self.kind} {self.name}"


Key = tuple[str, ...]


def _state_names(state: ProjectState) -> set[Key]:
    """The named things of a migration state: models, fields, indexes, constraints."""
    names: set[Key] = set()
    for (app_label, model_name), model_state in state.models.items():
        model = (app_label, model_name)
        names.add(("model", *model))
        names.update(("field", *model, field) for field in model_state.fields)
        for index in model_state.options.get("indexes", []):
            names.add(("index", *model, index.name))
        for constraint in model_state.options.get("constraints", []):
            names.add(("constraint", *model, constraint.name))
    return names


def attribution(loader: MigrationLoader, registry: Registry) -> dict[Key, int]:
    """Each named thing of the migration states, with the version that made it.

    A thing a later version removes keeps its maker, which promises it wherever that later
    version is not applied; one made again later belongs to the version that made it again.
    """
    owner: dict[Key, int] = {}
    keys: list[tuple[str, str]] = []
    present: set[Key] = set()
    for version in registry.versions:
        keys += [key for key in version.keys if key in loader.graph.nodes]
        now = _state_names(loader.project_state(keys, at_end=True))
        owner.update(dict.fromkeys(now - present, version.number))
        present = now
    return owner


def applied_models(loader: MigrationLoader, applied: Iterable[tuple[str, str]]) -> Apps:
    """The models as the applied migrations leave them (the project's own when all are)."""
    applied = [key for key in applied if key in loader.graph.nodes]
    if set(applied) >= set(loader.disk_migrations):
        return global_apps
    return loader.project_state(applied, at_end=True).apps


def promises(
    connection: BaseDatabaseWrapper,
    loader: MigrationLoader,
    registry: Registry,
    applied_versions: set[int],
) -> list[Promise]:
    """What the applied versions promise, in full, and what the others would add, by name.

    The others' promises name indexes and tables only: enough to count how far a
    non-atomic version (an index build) got.
    """
    owner = attribution(loader, registry)
    applied_keys = [
        key
        for version in registry.versions
        if version.number in applied_versions
        for key in version.keys
    ]
    found = _model_promises(connection, applied_models(loader, applied_keys), owner)
    found = [promise for promise in found if promise.version in applied_versions]
    found += _pending_index_promises(loader, registry, owner, applied_versions)
    for version in registry.versions:
        if version.number in applied_versions:
            found += [_raw_promise(version, raw) for raw in version.raw_objects if not raw.optional]
    return found


def _model_promises(
    connection: BaseDatabaseWrapper, apps: Apps, owner: dict[Key, int]
) -> list[Promise]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        declaring: Any = meta.auto_created  # for a many-to-many table, the declaring model
        if declaring:
            # A many-to-many table comes with the field that declares it.
            through_of = next(
                field
                for field in declaring._meta.local_many_to_many
                if field.remote_field.through is model
            )
            key: Key = (
                "field",
                declaring._meta.app_label,
                declaring._meta.model_name,
                through_of.name,
            )
        else:
            key = ("model", meta.app_label, str(meta.model_name))
        if key not in owner:
            continue
        found += _table_promises(connection, model, owner, owner[key])
    return found


def _table_promises(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    owner: dict[Key, int],
    version: int,
) -> list[Promise]:
    meta = model._meta
    table = meta.db_table
    model_key = (meta.app_label, str(meta.model_name))

    def version_of(kind: str, name: str) -> int:
        return owner.get((kind, *model_key, name), version)

    # Django types its own tables (and many-to-many tables) as it pleases; ours we check.
    typed = meta.app_label not in DJANGO_APPS and not meta.auto_created
    found = [Promise(version, "table", table)]
    if meta.pk is not None:
        found.append(Promise(version, "constraint", f"{table}_pkey", table, constraint_type="p"))
    for field in meta.local_concrete_fields:
        field_version = version_of("field", field.name)
        found.append(
            Promise(
                field_version,
                "column",
                field.column,
                table,
                column_type=normalized_type(field.db_type(connection)) if typed else None,
                not_null=not field.null or field.primary_key,
            )
        )
        if isinstance(field, models.ForeignKey) and getattr(field, "db_constraint", True):
            found.append(
                Promise(
                    field_version,
                    "constraint",
                    foreign_key_name(table, field.column),
                    table,
                    constraint_type="f",
                    references=field.target_field.model._meta.db_table,
                )
            )
    if meta.app_label in DJANGO_APPS:
        return found
    for index in meta.indexes:
        found.append(
            Promise(
                version_of("index", index.name),
                "index",
                index.name,
                table,
                index_columns=_index_columns(model, index),
            )
        )
    for constraint in meta.constraints:
        found.append(
            _constraint_promise(model, constraint, version_of("constraint", constraint.name))
        )
    return found


def _index_columns(model: type[models.Model], index: models.Index) -> tuple[str, ...] | None:
    if index.contains_expressions:
        return None
    return tuple(
        str(getattr(model._meta.get_field(name.lstrip("-")), "column", name))
        for name in index.fields
    )


def _constraint_promise(
    model: type[models.Model], constraint: models.BaseConstraint, version: int
) -> Promise:
    table = model._meta.db_table
    if isinstance(constraint, models.UniqueConstraint):
        if constraint.condition is not None or constraint.expressions:
            # PostgreSQL keeps a partial or expression UNIQUE as an index, not a constraint.
            return Promise(version, "index", constraint.name, table)
        return Promise(version, "constraint", constraint.name, table, constraint_type="u")
    if isinstance(constraint, models.CheckConstraint):
        return Promise(version, "constraint", constraint.name, table, constraint_type="c")
    return Promise(version, "constraint", constraint.name, table)


def is_atomic(version: Version, loader: MigrationLoader) -> bool:
    """Whether the version runs in one transaction (not a CONCURRENTLY build or drop)."""
    return all(
        loader.disk_migrations[key].atomic for key in version.keys if key in loader.disk_migrations
    )


def promised_index_count(version: Version, loader: MigrationLoader) -> int:
    """How many indexes a non-atomic version adds, from its migrations' operations."""
    return sum(
        1
        for key in version.keys
        if key in loader.disk_migrations
        for operation in loader.disk_migrations[key].operations
        if isinstance(operation, AddIndexConcurrently)
    )


def _pending_index_promises(
    loader: MigrationLoader, registry: Registry, owner: dict[Key, int], applied: set[int]
) -> list[Promise]:
    """The indexes a non-atomic version not applied adds: what a partial build leaves."""
    non_atomic = {version.number for version in registry.versions if not is_atomic(version, loader)}
    found = []
    state = loader.project_state(
        [key for version in registry.versions for key in version.keys if key in loader.graph.nodes],
        at_end=True,
    )
    for (app_label, model_name), model_state in state.models.items():
        table = model_state.options.get("db_table") or f"{app_label}_{model_name}"
        for index in model_state.options.get("indexes", []):
            version = owner.get(("index", app_label, model_name, index.name))
            if version in non_atomic and version not in applied:
                found.append(Promise(version, "index", index.name, table))
    return found


def _raw_promise(version: Version, raw: Any) -> Promise:
    return Promise(version.number, raw.kind, raw.name, raw.table)


# How Django's PostgreSQL types read in PostgreSQL's own words (format_type()).
TYPE_SPELLINGS = (
    (re.compile(r"^varchar\((\d+)\)"), r"character varying(\1)"),
    (re.compile(r"^varchar\b"), "character varying"),
    (re.compile(r"^numeric\((\d+),\s*(\d+)\)"), r"numeric(\1,\2)"),
    (re.compile(r"^time$"), "time without time zone"),
    (re.compile(r"^timestamp$"), "timestamp without time zone"),
)
KNOWN_TYPES = re.compile(
    r"^(character varying(\(\d+\))?|numeric(\(\d+,\d+\))?|text|bigint|integer|smallint|"
    r"boolean|jsonb|bytea|uuid|inet|date|interval|double precision|"
    r"timestamp with time zone|timestamp without time zone|time without time zone)(\[\])?$"
)


def normalized_type(db_type: str | None) -> str | None:
    """``db_type`` as ``format_type()`` spells it, or None where we cannot tell for sure."""
    if not db_type:
        return None
    spelled = db_type.strip().lower()
    for pattern, replacement in TYPE_SPELLINGS:
        spelled = pattern.sub(replacement, spelled)
    return spelled if KNOWN_TYPES.match(spelled) else None
