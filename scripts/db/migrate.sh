#!/usr/bin/env bash
# The seed's scripts/db/migrate.sh, for rtx-schema: a friendly front end to rtx-migrate.
# Configuration comes from the environment or a .env file (DB_HOST, DB_NAME, ...).
set -euo pipefail

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${RTX_VENV:-$PROJECT_ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

# Colours only on a terminal: CI logs and pipes get plain lines.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    red() { printf '\033[0;31m%s\033[0m\n' "$*"; }
    green() { printf '\033[0;32m%s\033[0m\n' "$*"; }
    yellow() { printf '\033[1;33m%s\033[0m\n' "$*"; }
else
    red() { printf '%s\n' "$*"; }
    green() { printf '%s\n' "$*"; }
    yellow() { printf '%s\n' "$*"; }
fi

rebuild() {
    yellow "Installing rtx-schema into $VENV..."
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$PROJECT_ROOT${RTX_EXTRAS:-}"
    green "✅ rtx-migrate installed"
}

migrate() { (cd "$PROJECT_ROOT" && "$VENV/bin/rtx-migrate" "$@"); }
manage() { (cd "$PROJECT_ROOT" && "$VENV/bin/python" manage.py "$@"); }

usage() {
    cat <<'USAGE'
RTX Trading Engine - Database Migration Helper

Usage: scripts/db/migrate.sh COMMAND

Commands:
  createdb      Create the configured database if it does not exist
  init          Create the migration tracking tables
  up            Apply all pending versions
  down          Roll back the newest applied version
  status        Show every version and whether it is applied
  version N     Move up or down to exactly version N (0: nothing applied)
  fresh [--yes] [--allow-data-loss]
                Roll every version back, then apply all again (asks first; --yes or
                RTX_ASSUME_YES=1 for CI; with ENVIRONMENT=production, refused while
                tables hold rows unless --allow-data-loss)
  rebuild       Reinstall the project into its virtualenv
USAGE
}

command="${1:-}"
[ $# -gt 0 ] && shift

case "$command" in
    createdb|init|up|down|status|version|fresh) [ -x "$VENV/bin/rtx-migrate" ] || rebuild ;;
esac

case "$command" in
    createdb) manage rtx_createdb ;;
    init) yellow "Initializing migration tracking tables..."; migrate -init ;;
    up) yellow "Applying pending versions..."; migrate -up ;;
    down) yellow "Rolling back the newest version..."; migrate -down ;;
    status) migrate -status ;;
    version)
        [ $# -eq 1 ] || { red "version needs exactly one number: scripts/db/migrate.sh version N"; exit 2; }
        yellow "Moving to version $1..."; migrate "-version=$1" ;;
    rebuild) rebuild ;;
    fresh)
        assume_yes="${RTX_ASSUME_YES:-}"
        data_loss=()
        for argument in "$@"; do
            case "$argument" in
                --yes) assume_yes=1 ;;
                --allow-data-loss) data_loss=(-allow-data-loss) ;;
                *) red "fresh takes --yes and --allow-data-loss, not $argument"; exit 2 ;;
            esac
        done
        if [ "$assume_yes" != "1" ]; then
            red "⚠️  This will roll back every version (dropping their tables) and re-apply them!"
            read -r -p "Are you sure? Type 'YES' to confirm: " answer || answer=""
            if [ "$answer" != "YES" ]; then
                echo "Cancelled"
                exit 1
            fi
        fi
        yellow "Rolling back every version..."
        migrate -version=0 "${data_loss[@]}"
        yellow "Applying every version..."
        migrate -up
        green "✅ Database reset complete"
        ;;
    *) usage; exit 1 ;;
esac
