#!/usr/bin/env bash
# Sets up the project's virtualenv with the development tools and runs the test suite
# against the PostgreSQL server that DB_HOST/DB_PORT/DB_USER name (default 127.0.0.1:5432).
set -euo pipefail

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RTX_VENV:-$PROJECT_ROOT/.venv}"
cd "$PROJECT_ROOT"

[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"

export DB_HOST="${DB_HOST:-127.0.0.1}"
exec "$VENV/bin/pytest" "$@"
