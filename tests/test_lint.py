"""`rtx_migrate -lint`: the gate passes on the project and each rule fires on tests/lintapp."""

import json
import re
from pathlib import Path

import pytest

from rtx.migrator.registry import Registry, Version
from rtx.versions import VERSIONS
from tests.conftest import PROJECT_ROOT, manage

LINT_SETTINGS = "tests.lintapp.settings"

EXPECTED_ERRORS = {
    ("lintapp.0001_gadget", "unnamed-index"),
    ("lintapp.0002_auto_20260101_1200", "irreversible"),
    ("lintapp.0002_auto_20260101_1200", "descriptive-name"),
    ("lintapp.0003_mixed", "noop-reverse"),
    ("lintapp.0003_mixed", "mixed-schema-data"),
    ("lintapp.0004_locks", "identifier-too-long"),
    ("lintapp.0004_locks", "not-null-without-db-default"),
    ("lintapp.0004_locks", "unindexed-foreign-key"),
    ("lintapp.0004_locks", "require-concurrent-index-creation"),
    ("lintapp.0004_locks", "changing-column-type"),
    ("lintapp.0004_locks", "constraint-missing-not-valid"),
    ("lintapp.0004_locks", "adding-foreign-key-constraint"),
    ("lintapp.0004_locks", "renaming-column"),
    ("lintapp.0004_locks", "renaming-table"),
    ("lintapp.0005_raw_sql", "create-without-if-not-exists"),
    ("lintapp.0005_raw_sql", "drop-without-if-exists"),
    ("version 200 (lint_examples)", "edited-released-version"),
}
LINE = re.compile(r"^(ERROR|ACCEPTED) (.+?) \[([a-z0-9-]+)\] ")


def lint(lock: Path, *args: str):  # type: ignore[no-untyped-def]
    return manage(
        "rtx_migrate",
        "-lint",
        *args,
        database="postgres",
        settings=LINT_SETTINGS,
        env={"RTX_VERSIONS_LOCK": str(lock)},
    )


def test_success_the_project_passes_the_gate() -> None:
    result = manage("rtx_migrate", "-lint", database="postgres")
    assert result.returncode == 0, result.stdout + result.stderr
    project = len(list(PROJECT_ROOT.glob("*/migrations/0*.py")))
    assert result.stdout.strip().splitlines()[-1] == (
        f"Lint: {project} migrations of {len(VERSIONS)} versions checked; 0 problem(s), "
        "0 accepted exception(s)"
    )


def test_error_every_rule_fires_on_the_bad_migrations(tmp_path: Path) -> None:
    lock = tmp_path / "versions.lock.json"
    assert lint(lock, "-update-lock").returncode == 9  # Records the checksums, then lints.
    recorded = json.loads(lock.read_text())
    recorded["200"] = "0" * 64  # As if version 200 had been released with other files.
    lock.write_text(json.dumps(recorded))

    result = lint(lock)

    assert result.returncode == 9
    found = [LINE.match(line).groups() for line in result.stdout.splitlines()]  # type: ignore[union-attr]
    errors = {(migration, rule) for kind, migration, rule in found if kind == "ERROR"}
    assert errors == EXPECTED_ERRORS
    accepted = [line for line in result.stdout.splitlines() if line.startswith("ACCEPTED")]
    assert accepted == [
        "ACCEPTED lintapp.0006_reviewed [noop-reverse] RunSQL: Raw SQL operation: ANALYZE "
        "changes no data; there is nothing to undo"
    ]
    assert result.stderr.strip().startswith("CommandError: Lint: ")
    assert result.stderr.strip().endswith(
        f"versions checked; {sum(kind == 'ERROR' for kind, _, _ in found)} problem(s), "
        "1 accepted exception(s)"
    )


def test_success_update_lock_never_rewrites_a_recorded_checksum(tmp_path: Path) -> None:
    lock = tmp_path / "versions.lock.json"
    lock.write_text(json.dumps({"1": "f" * 64}))
    result = manage(
        "rtx_migrate",
        "-lint",
        "-update-lock",
        database="postgres",
        env={"RTX_VERSIONS_LOCK": str(lock)},
    )
    later = [version.number for version in VERSIONS[1:]]
    assert result.stdout.splitlines()[0] == f"Lock file versions.lock.json: added versions {later}"
    assert json.loads(lock.read_text())["1"] == "f" * 64
    assert "ERROR version 1 (initial_schema) [edited-released-version]" in result.stdout
    assert result.returncode == 9


@pytest.mark.django_db
def test_error_registry_problems_name_the_migration() -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    first = VERSIONS[0]
    broken = Registry(
        [
            Version(
                1, first.name, tuple(m for m in first.migrations if not m.startswith("sessions"))
            ),
            Version(7, "clash", ("adminpanel.0009_missing",)),
            *VERSIONS[1:],
        ]
    )
    assert broken.problems(MigrationLoader(connection)) == [
        "version 7 (clash): number 7 is reserved for 'analytics_dashboard_schema' of the Go "
        "tool's databases",
        "version 7 (clash) lists adminpanel.0009_missing, which does not exist",
        "migration sessions.0001_initial belongs to no version: add it to a version in the "
        "registry (rtx/versions.py)",
    ]


def test_error_lint_without_a_server_is_one_line() -> None:
    result = manage("rtx_migrate", "-lint", database="postgres", env={"DB_PORT": "1"})
    assert result.returncode == 3
    assert result.stderr.strip().startswith("CommandError: cannot connect to PostgreSQL at ")
    assert "Traceback" not in result.stderr
