"""The seed's migration DOs and DON'Ts as a gate: ``rtx_migrate -lint``.

Rules come from two places:

* squawk (the ``squawk-cli`` package) reads the SQL each migration runs and flags what
  holds long locks on tables that already exist: indexes built without CONCURRENTLY,
  constraints and foreign keys added without NOT VALID, NOT NULL columns without a
  default, column type changes, renames and drops;
* the rules below read the Django operations: reversibility, schema and data apart,
  IF [NOT] EXISTS in raw SQL, named and indexed keys, identifier length, descriptive
  names, and the lock file that keeps released versions from being edited.

Only this project's migrations are linted, not Django's own. A migration can accept a
finding after review by naming its rule with a reason in ``lint_exceptions``; the gate
then reports it as accepted instead of failing.
"""

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration

from rtx.migrator.checksum import is_django_file, migration_file, version_checksum
from rtx.migrator.registry import Registry

MAX_IDENTIFIER_BYTES = 63

# squawk rules that do not apply here, and why.
SQUAWK_EXCLUDED = {
    # rtx_migrate sets lock_timeout and statement_timeout for the whole session.
    "require-lock-timeout",
    "require-statement-timeout",
    # Django wraps atomic migrations in a transaction of its own.
    "transaction-nesting",
    # The legacy schema's VARCHAR(n) and INT columns are kept on purpose.
    "prefer-text-field",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    # not-null-without-db-default below covers it, and also a NOT NULL column whose default
    # exists only in Python (Django drops the temporary DEFAULT again).
    "adding-required-field",
    # Rerunnability is checked on raw SQL by the rules below; Django's own DDL runs in a
    # transaction, or alone in a non-atomic version whose failure rtx_migrate reports.
    "prefer-robust-stmts",
}

DATA_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY)\b", re.IGNORECASE | re.MULTILINE)
DROPPABLE = re.compile(
    r"\bDROP\s+(TABLE|INDEX|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|SCHEMA|EXTENSION|TYPE|FUNCTION|"
    r"TRIGGER|CONSTRAINT|COLUMN|DOMAIN|PROCEDURE)(\s+CONCURRENTLY)?\s+(?!IF\s+EXISTS)",
    re.IGNORECASE,
)
CREATABLE = re.compile(
    r"\bCREATE\s+(UNIQUE\s+)?(TABLE|INDEX|SEQUENCE|SCHEMA|EXTENSION|MATERIALIZED\s+VIEW)"
    r"(\s+CONCURRENTLY)?\s+(?!IF\s+NOT\s+EXISTS)",
    re.IGNORECASE,
)
REPLACEABLE = re.compile(
    r"\bCREATE\s+(?!OR\s+REPLACE)(FUNCTION|TRIGGER|VIEW|PROCEDURE)\b", re.IGNORECASE
)
AUTO_NAME = re.compile(r"(^|_)auto_\d{8}_\d{4}$")


@dataclass(frozen=True)
class Finding:
    migration: str
    rule: str
    where: str
    message: str
    accepted: str | None = None

    def line(self) -> str:
        if self.accepted:
            return f"ACCEPTED {self.migration} [{self.rule}] {self.where}: {self.accepted}"
        return f"ERROR {self.migration} [{self.rule}] {self.where}: {self.message}"


class LintUnavailable(Exception):
    pass


def squawk_binary() -> str:
    found = shutil.which("squawk") or shutil.which("squawk", path=str(Path(sys.executable).parent))
    if not found:
        raise LintUnavailable("squawk is not installed: pip install -e '.[dev]' (squawk-cli)")
    return found


def project_migrations(loader: MigrationLoader) -> list[Migration]:
    keys = sorted(
        key
        for key in loader.disk_migrations
        if (path := migration_file(loader, key)) is not None and not is_django_file(path)
    )
    return [loader.disk_migrations[key] for key in keys]


def label(migration: Migration) -> str:
    return f"{migration.app_label}.{migration.name}"


def describe(operation: Any) -> str:
    return f"{type(operation).__name__}: {operation.describe()}"


# -- rules on Django operations ------------------------------------------------------------


def reversibility(migration: Migration) -> Iterator[tuple[str, str, str]]:
    for operation in migration.operations:
        if not operation.reversible:
            what = {
                operations.RunSQL: "RunSQL has no reverse_sql",
                operations.RunPython: "RunPython has no reverse_code",
            }.get(type(operation), "the operation cannot be reversed")
            yield "irreversible", describe(operation), f"{what}; every migration must go back"
        elif isinstance(operation, operations.RunSQL) and operation.reverse_sql == "":
            yield "noop-reverse", describe(operation), "reverse_sql is a no-op; say why"
        elif (
            isinstance(operation, operations.RunPython)
            and operation.reverse_code is operations.RunPython.noop
        ):
            yield "noop-reverse", describe(operation), "reverse_code is a no-op; say why"


def is_data_operation(operation: Any) -> bool:
    if isinstance(operation, operations.RunPython):
        return True
    return isinstance(operation, operations.RunSQL) and bool(
        DATA_SQL.search(sql_text(operation.sql))
    )


def schema_and_data(migration: Migration) -> Iterator[tuple[str, str, str]]:
    data = [op for op in migration.operations if is_data_operation(op)]
    schema = [op for op in migration.operations if not is_data_operation(op)]
    if data and schema:
        yield (
            "mixed-schema-data",
            describe(data[0]),
            f"data changes share a migration with {describe(schema[0])}; split them",
        )


def sql_text(sql: Any) -> str:
    if isinstance(sql, str):
        return sql
    return "\n".join(part if isinstance(part, str) else part[0] for part in sql or [])


def raw_sql(migration: Migration) -> Iterator[tuple[str, str, str]]:
    for operation in migration.operations:
        if not isinstance(operation, operations.RunSQL):
            continue
        for direction, sql in (("sql", operation.sql), ("reverse_sql", operation.reverse_sql)):
            text = sql_text(sql)
            for match in DROPPABLE.finditer(text):
                yield (
                    "drop-without-if-exists",
                    describe(operation),
                    f"{direction}: {match.group(0).strip()} needs IF EXISTS",
                )
            for match in CREATABLE.finditer(text):
                yield (
                    "create-without-if-not-exists",
                    describe(operation),
                    f"{direction}: {match.group(0).strip()} needs IF NOT EXISTS",
                )
            for match in REPLACEABLE.finditer(text):
                yield (
                    "create-without-if-not-exists",
                    describe(operation),
                    f"{direction}: {match.group(0).strip()} needs OR REPLACE",
                )


def added_fields(operation: Any) -> list[tuple[str, str, models.Field]]:
    """(model, field name, field) for every field an operation adds or alters."""
    if isinstance(operation, operations.CreateModel):
        return [(operation.name_lower, name, field) for name, field in operation.fields]
    if isinstance(operation, operations.AddField | operations.AlterField):
        return [(operation.model_name_lower, operation.name, operation.field)]
    return []


def covered(model_state: Any, field_name: str) -> bool:
    """Whether a named index or unique constraint starts with the field."""
    candidates = [
        *model_state.options.get("indexes", []),
        *model_state.options.get("constraints", []),
    ]
    for candidate in candidates:
        fields = list(getattr(candidate, "fields", []) or [])
        if fields and fields[0] in {field_name, f"{field_name}_id"}:
            return True
    return False


def keys_and_indexes(
    migration: Migration, loader: MigrationLoader
) -> Iterator[tuple[str, str, str]]:
    state = loader.project_state((migration.app_label, migration.name), at_end=True)
    for operation in migration.operations:
        for model, name, field in added_fields(operation):
            if field.primary_key:
                continue
            if getattr(field, "db_index", False) or field.unique:
                kind = "unique=True" if field.unique else "db_index=True"
                yield (
                    "unnamed-index",
                    describe(operation),
                    f"{model}.{name} has {kind}, which Django names with a hash; declare a "
                    "named Index or UniqueConstraint in Meta instead",
                )
            elif field.is_relation and field.many_to_one:
                model_state = state.models[migration.app_label, model]
                if not covered(model_state, name):
                    yield (
                        "unindexed-foreign-key",
                        describe(operation),
                        f"foreign key {model}.{name} has no index; add a named Index in Meta",
                    )


def required_columns(migration: Migration) -> Iterator[tuple[str, str, str]]:
    for operation in migration.operations:
        if not isinstance(operation, operations.AddField):
            continue
        field = operation.field
        if not field.null and not field.has_db_default() and not field.primary_key:  # type: ignore[attr-defined]
            yield (
                "not-null-without-db-default",
                describe(operation),
                f"{operation.model_name_lower}.{operation.name} is NOT NULL with no database "
                "default: inserts by other programs and the table rewrite both break; give it "
                "db_default, or add it nullable, backfill, then set NOT NULL",
            )


def identifiers(migration: Migration) -> Iterator[tuple[str, str, str]]:
    for operation in migration.operations:
        names = []
        if isinstance(operation, operations.AddIndex):
            names.append(operation.index.name)
        if isinstance(operation, operations.AddConstraint):
            names.append(operation.constraint.name)  # type: ignore[attr-defined]
        if isinstance(operation, operations.CreateModel):
            names.append(operation.options.get("db_table", ""))
            names += [item.name for item in operation.options.get("indexes", [])]
            names += [item.name for item in operation.options.get("constraints", [])]
        if isinstance(operation, operations.AlterModelTable):
            names.append(operation.table or "")
        for name in names:
            if len(name.encode()) > MAX_IDENTIFIER_BYTES:
                yield (
                    "identifier-too-long",
                    describe(operation),
                    f"{name!r} is {len(name.encode())} bytes; PostgreSQL cuts names at 63",
                )


def naming(migration: Migration) -> Iterator[tuple[str, str, str]]:
    if AUTO_NAME.search(migration.name):
        yield (
            "descriptive-name",
            "-",
            "the name is Django's auto_<date>; name the change (makemigrations --name ...)",
        )


DJANGO_RULES = (reversibility, schema_and_data, raw_sql, naming, identifiers, required_columns)


# -- squawk --------------------------------------------------------------------------------


def squawk_findings(
    migration: Migration, loader: MigrationLoader
) -> Iterator[tuple[str, str, str]]:
    statements = loader.collect_sql([(migration, False)])  # type: ignore[attr-defined]
    body = "\n".join(statements)
    if migration.atomic:
        body = f"BEGIN;\n{body}\nCOMMIT;\n"
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(body)
        path = Path(handle.name)
    try:
        result = subprocess.run(
            [
                squawk_binary(),
                "--reporter",
                "json",
                "--pg-version",
                "15",
                "--exclude",
                ",".join(sorted(SQUAWK_EXCLUDED)),
                str(path),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.unlink()
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise LintUnavailable(f"squawk failed on {label(migration)}: {result.stderr.strip()}")
    lines = body.splitlines()
    for violation in json.loads(result.stdout):
        line = lines[violation["line"]] if violation["line"] < len(lines) else ""
        yield violation["rule_name"], line.strip()[:100], violation["message"]


# -- the lock file of released versions ---------------------------------------------------


def read_lock(path: Path) -> dict[str, str]:
    return json.loads(path.read_text()) if path.exists() else {}


def lock_findings(
    registry: Registry, loader: MigrationLoader, lock: dict[str, str]
) -> Iterator[Finding]:
    for version in registry.versions:
        recorded = lock.get(str(version.number))
        current = version_checksum(version, loader)
        where = f"version {version.label}"
        if recorded is None:
            yield Finding(
                where,
                "unlocked-version",
                where,
                "not in the lock file: after review run rtx_migrate -lint -update-lock",
            )
        elif recorded != current:
            yield Finding(
                where,
                "edited-released-version",
                where,
                "its migration files changed after it was locked (released); restore them "
                "and put the change in a new version",
            )


def update_lock(registry: Registry, loader: MigrationLoader, path: Path) -> list[int]:
    """Add the versions the lock does not have yet; never change a recorded checksum."""
    lock = read_lock(path)
    added = []
    for version in registry.versions:
        if str(version.number) not in lock:
            lock[str(version.number)] = version_checksum(version, loader)
            added.append(version.number)
    ordered = dict(sorted(lock.items(), key=lambda item: int(item[0])))
    path.write_text(json.dumps(ordered, indent=2) + "\n")
    return added


# -- the gate --------------------------------------------------------------------------------


def lint(registry: Registry, loader: MigrationLoader, lock_path: Path) -> list[Finding]:
    findings = [
        Finding("registry", "registry", "-", problem) for problem in registry.problems(loader)
    ]
    for migration in project_migrations(loader):
        accepted = getattr(migration, "lint_exceptions", {})
        raw = [item for rule in DJANGO_RULES for item in rule(migration)]
        raw += list(keys_and_indexes(migration, loader))
        raw += list(squawk_findings(migration, loader))
        for rule, where, message in raw:
            findings.append(Finding(label(migration), rule, where, message, accepted.get(rule)))
    findings += lock_findings(registry, loader, read_lock(lock_path))
    return findings
