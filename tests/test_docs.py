"""The docs stay honest where that is mechanical: exit codes, variables, quoted messages."""

import ast
import re
import subprocess
import sys
from pathlib import Path

from rtx.migrator.errors import MEANINGS, ExitCode
from tests.conftest import PROJECT_ROOT
from tests.test_deploy_files import settings_variables

README = PROJECT_ROOT / "README.md"
DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
RUNBOOK = PROJECT_ROOT / "docs" / "runbook.md"
# Variables read outside the settings: by the scripts, the CLI and the test and bench runs.
OTHER_VARIABLES = {
    "NO_COLOR",  # rtx.management.cli
    "DJANGO_SETTINGS_MODULE",
    "RTX_ASSUME_YES",  # scripts/db/migrate.sh
    "RTX_EXTRAS",
    "RTX_VENV",
    "RTX_TIMESCALEDB_URL",  # the TimescaleDB tests
}
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
VARIABLE = re.compile(
    r"`((?:DB|RTX|FIX)_[A-Z0-9_]+|DATABASE_URL|ENVIRONMENT|SECRET_KEY|DEBUG|ALLOWED_HOSTS|"
    r"LOG_LEVEL|MASTER_ENCRYPTION_KEY|NO_COLOR|DJANGO_SETTINGS_MODULE)\b"
)


def documented_variables(paths: list[Path]) -> set[str]:
    return {match for path in paths for match in VARIABLE.findall(path.read_text())}


def exit_code_table() -> dict[int, str]:
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", README.read_text(), re.MULTILINE)
    return {int(code): meaning for code, meaning in rows}


def test_the_exit_codes_of_the_readme_are_the_codes() -> None:
    assert exit_code_table() == {code.value: MEANINGS[code] for code in ExitCode}


def test_the_exit_codes_of_help_are_the_codes() -> None:
    script = Path(sys.executable).parent / "rtx-migrate"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    help_text = " ".join(result.stdout.split())
    for code in ExitCode:
        assert f"{code.value} {MEANINGS[code].replace('`', '')}" in help_text, code


def test_every_variable_in_the_docs_is_read_by_the_code() -> None:
    compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    known = set(settings_variables()) | OTHER_VARIABLES | compose
    assert sorted(documented_variables([README, *DOCS]) - known) == []


def test_every_variable_the_code_reads_is_in_the_readme() -> None:
    assert sorted(set(settings_variables()) - documented_variables([README])) == []


def printable_patterns() -> list[re.Pattern[str]]:
    """Each string literal of the project's code as a pattern of the line it prints first:
    its text, each ``{placeholder}`` standing for anything. Patterns with little text of
    their own (such as ``f"{a}: {b}"``) are left out: they would match any line."""
    patterns = []
    for package in ("rtx", "accounts", "trading", "risk", "adminpanel", "fixapi"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.JoinedStr):
                    pieces = [
                        re.escape(part.value) if isinstance(part, ast.Constant) else ".*"
                        for part in node.values
                    ]
                    literal = "".join(
                        str(part.value) for part in node.values if isinstance(part, ast.Constant)
                    )
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    pieces, literal = [re.escape(node.value)], node.value
                else:
                    continue
                first_line = "".join(pieces).split("\\\n", 1)[0]
                if len(literal.split("\n", 1)[0]) >= 15:
                    patterns.append(re.compile(first_line, re.DOTALL))
    return patterns


def test_the_runbooks_quoted_messages_are_messages_the_code_prints() -> None:
    patterns = printable_patterns()
    quoted = re.findall(
        r"^(?:CommandError|Configuration error|Database error): (.+)$",
        RUNBOOK.read_text(),
        re.MULTILINE,
    )
    assert len(quoted) >= 5  # the check itself sees the runbook's messages
    unknown = [message for message in quoted if not any(p.fullmatch(message) for p in patterns)]
    assert unknown == []
