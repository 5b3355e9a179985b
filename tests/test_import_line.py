"""Who imports whom: the apps stand in a line, and no import runs back along it.

An app imports only apps before it in :data:`LINE` (in any of its modules: models, admin,
services, migrations, commands); the project package ``rtx``, which every app builds on,
imports no app at all. Read from the source with ``ast``, imports inside functions
included.
"""

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

LINE = ("accounts", "trading", "risk", "adminpanel", "fixapi")


def imported_packages(path: Path) -> set[str]:
    """The top-level packages ``path`` imports (absolute imports)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imports_of(package: str) -> dict[str, set[str]]:
    """Each module of ``package`` (by path) and the apps of the line it imports."""
    return {
        str(path.relative_to(PROJECT_ROOT)): imported_packages(path) & set(LINE)
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
    }


@pytest.mark.parametrize("app", LINE)
def test_an_app_imports_only_the_apps_before_it(app: str) -> None:
    allowed = set(LINE[: LINE.index(app) + 1])
    backwards = {
        module: sorted(apps - allowed) for module, apps in imports_of(app).items() if apps - allowed
    }
    assert backwards == {}


def test_the_project_package_imports_no_app() -> None:
    assert {module: apps for module, apps in imports_of("rtx").items() if apps} == {}


def test_success_the_reader_finds_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os.path\nfrom trading.models import Trade\n"
        "def f():\n    from risk import selectors\n    from . import sibling\n"
    )
    assert imported_packages(module) == {"os", "trading", "risk"}
