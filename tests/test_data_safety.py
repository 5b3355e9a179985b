"""What no run of ours destroys unasked: other owners' objects, and rows in production.

Built on the real shape of a production database: the Go tool's version 1 with rows in
every table and its version 7 (analytics tables whose four foreign keys point into
accounts and users, two materialized views, two triggers), adopted by rtx-migrate.
"""

import pytest

from rtx.migrator.adoption import LEGACY_TABLES
from tests.conftest import (
    DEMO_SETTINGS,
    V7_TABLES,
    build_go_database,
    connect,
    fetch_all,
    manage,
)
from tests.test_helper_script import helper

REFUSAL = [
    "CommandError: detach these 4 objects of another owner first, then run again: they "
    "depend on tables or columns this run would drop, and rtx-migrate never drops another "
    "owner's objects; nothing was changed:",
    "  constraint routing_metrics_account_id_fkey on table routing_metrics depends on table "
    "accounts (detach: ALTER TABLE routing_metrics DROP CONSTRAINT "
    '"routing_metrics_account_id_fkey")',
    "  constraint alerts_account_id_fkey on table alerts depends on table accounts (detach: "
    'ALTER TABLE alerts DROP CONSTRAINT "alerts_account_id_fkey")',
    "  constraint analytics_export_audit_user_id_fkey on table analytics_export_audit depends on "
    "table users (detach: ALTER TABLE analytics_export_audit DROP CONSTRAINT "
    '"analytics_export_audit_user_id_fkey")',
    "  constraint analytics_user_preferences_user_id_fkey on table analytics_user_preferences "
    "depends on table users (detach: ALTER TABLE analytics_user_preferences DROP CONSTRAINT "
    '"analytics_user_preferences_user_id_fkey")',
]
PRODUCTION = {"ENVIRONMENT": "production", "SECRET_KEY": "s" * 40}


def everything(database: str) -> dict[str, object]:
    """What must survive a refused run: every table's rows, version 7's objects, the mirror."""
    tables = LEGACY_TABLES + V7_TABLES
    return {
        "rows": {
            table: fetch_all(
                database, f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t"
            )
            for table in tables
        },
        "foreign_keys": fetch_all(
            database,
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2",
        ),
        "materialized_views": fetch_all(
            database, "SELECT matviewname, ispopulated FROM pg_matviews ORDER BY 1"
        ),
        "triggers": fetch_all(
            database,
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
            "ORDER BY 1, 2",
        ),
        "mirror": fetch_all(database, "SELECT version, name FROM schema_migrations ORDER BY 1"),
    }


@pytest.fixture
def adopted(database: str) -> str:
    """A Go database with version 7, adopted, at version 1."""
    build_go_database(database)
    result = manage("rtx_migrate", "-version=1", database=database)
    assert result.returncode == 0, result.stderr
    return database


# -- other owners' objects ------------------------------------------------------------------


@pytest.mark.parametrize("args", [["-down"], ["-version=0"], ["-version=0", "-allow-data-loss"]])
def test_error_reverting_version_1_under_version_7_is_refused(
    adopted: str, args: list[str]
) -> None:
    before = everything(adopted)

    result = manage("rtx_migrate", *args, database=adopted)

    assert result.returncode == 11
    assert result.stderr.splitlines() == REFUSAL
    assert everything(adopted) == before


def test_error_dry_run_shows_the_same_refusal(adopted: str) -> None:
    result = manage("rtx_migrate", "-version=0", "-dry-run", database=adopted)
    assert result.returncode == 11
    assert "-- Reverting version 1 (initial_schema)" in result.stdout
    assert "-- drops table accounts: 2 rows" in result.stdout
    assert result.stderr.splitlines() == REFUSAL


def test_error_fresh_is_refused_before_it_drops_anything(adopted: str) -> None:
    before = everything(adopted)
    result = helper(adopted, "fresh", "--yes")
    assert result.returncode == 11
    assert result.stderr.splitlines() == REFUSAL
    assert everything(adopted) == before


def test_error_plain_migrate_backwards_is_refused(adopted: str) -> None:
    before = everything(adopted)
    result = manage("migrate", "accounts", "zero", database=adopted)
    assert result.returncode == 11
    assert result.stderr.splitlines() == REFUSAL
    assert everything(adopted) == before


def test_success_detaching_the_foreign_keys_lets_the_revert_through(adopted: str) -> None:
    with connect(adopted) as connection:
        for line in REFUSAL[1:]:
            connection.execute(line.split("(detach: ")[1].rstrip(")"))
    result = manage("rtx_migrate", "-version=0", database=adopted)
    assert result.returncode == 0, result.stderr
    assert fetch_all(adopted, "SELECT count(*) FROM routing_metrics") == [(2,)]
    assert fetch_all(adopted, "SELECT version FROM schema_migrations") == [(7,)]


def test_error_views_triggers_and_policies_of_others_on_our_tables(database: str) -> None:
    assert manage("rtx_migrate", "-up", database=database).returncode == 0
    with connect(database) as connection:
        connection.execute("CREATE VIEW open_orders AS SELECT id, symbol FROM orders")
        connection.execute("CREATE MATERIALIZED VIEW user_count AS SELECT count(*) FROM users")
        connection.execute(
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$"
        )
        connection.execute(
            "CREATE TRIGGER users_touch BEFORE UPDATE ON users "
            "FOR EACH ROW EXECUTE FUNCTION touch()"
        )
        connection.execute("CREATE POLICY own_accounts ON accounts USING (true)")

    result = manage("rtx_migrate", "-version=0", database=database)

    assert result.returncode == 11
    assert sorted(result.stderr.splitlines()[1:]) == [
        "  materialized view user_count depends on table users (detach: DROP MATERIALIZED "
        "VIEW user_count)",
        "  policy own_accounts on table accounts depends on table accounts (detach: DROP "
        'POLICY "own_accounts" ON "accounts")',
        "  trigger users_touch on table users depends on table users (detach: DROP TRIGGER "
        '"users_touch" ON "users")',
        "  view open_orders depends on table orders (detach: DROP VIEW open_orders)",
    ]
    assert fetch_all(database, "SELECT count(*) FROM schema_migrations") != [(0,)]


def test_error_a_view_on_a_column_that_a_revert_drops(database: str) -> None:
    def rtx_migrate(*args: str):  # type: ignore[no-untyped-def]
        return manage("rtx_migrate", *args, database=database, settings=DEMO_SETTINGS)

    assert rtx_migrate("-version=101").returncode == 0
    with connect(database) as connection:
        connection.execute("CREATE VIEW ledger_amounts AS SELECT amount FROM demo_ledger")

    result = rtx_migrate("-version=100")

    assert result.returncode == 11
    assert result.stderr.splitlines()[1:] == [
        "  view ledger_amounts depends on column demo_ledger.amount (detach: DROP VIEW "
        "ledger_amounts)"
    ]
    assert fetch_all(
        database,
        "SELECT 1 FROM pg_attribute WHERE attrelid = 'demo_ledger'::regclass "
        "AND attname = 'amount'",
    ) == [(1,)]


# -- rows -----------------------------------------------------------------------------------


@pytest.fixture
def ledger(database: str) -> str:
    """Demo version 101: demo_ledger with an amount column, and three rows, two with amounts."""
    result = manage("rtx_migrate", "-version=101", database=database, settings=DEMO_SETTINGS)
    assert result.returncode == 0, result.stderr
    with connect(database) as connection:
        connection.execute(
            "INSERT INTO demo_ledger (note, amount) VALUES ('a', 1), ('b', 2), ('c', NULL)"
        )
    return database


def demo(database: str, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return manage("rtx_migrate", *args, database=database, settings=DEMO_SETTINGS, env=env)


def test_success_dry_run_lists_each_drop_with_its_rows(ledger: str) -> None:
    result = demo(ledger, "-version=0", "-dry-run")
    assert result.returncode == 0, result.stderr
    drops = [line for line in result.stdout.splitlines() if line.startswith("-- drops ")]
    assert drops[:2] == [
        "-- drops column demo_ledger.amount: 2 rows with a value",
        "-- drops table demo_ledger: 3 rows",
    ]
    empty = next(line for line in drops if "empty tables or columns" in line)
    assert empty.startswith("-- drops 19 empty tables or columns: trades, positions, ")
    assert ", users, " in empty
    assert fetch_all(ledger, "SELECT count(*) FROM demo_ledger") == [(3,)]


def test_success_the_run_prints_what_it_drops(ledger: str) -> None:
    result = demo(ledger, "-version=100")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    reverting = next(i for i, line in enumerate(lines) if "Reverting version 101" in line)
    assert lines[reverting + 1].endswith("   drops column demo_ledger.amount: 2 rows with a value")


def test_error_production_refuses_to_drop_rows_without_the_flag(ledger: str) -> None:
    for args in (["-version=100"], ["-down", "-dry-run"], ["-version=100", "-dry-run"]):
        result = demo(ledger, *args, env=PRODUCTION)
        assert result.returncode == 12, result.stderr
        assert result.stderr.splitlines() == [
            "CommandError: add -allow-data-loss to run this with ENVIRONMENT=production: it "
            "drops tables or columns that hold rows; nothing was changed:",
            "  column demo_ledger.amount: 2 rows with a value",
        ]
    assert fetch_all(ledger, "SELECT count(amount) FROM demo_ledger") == [(2,)]

    allowed = demo(ledger, "-version=100", "-allow-data-loss", env=PRODUCTION)
    assert allowed.returncode == 0, allowed.stderr
    assert "drops column demo_ledger.amount: 2 rows with a value" in allowed.stdout


def test_success_production_drops_empty_tables_without_the_flag(database: str) -> None:
    assert demo(database, "-version=101").returncode == 0
    result = demo(database, "-version=100", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "drops demo_ledger.amount: empty" in result.stdout


def test_error_fresh_in_production_needs_the_flag(database: str) -> None:
    assert helper(database, "up").returncode == 0
    with connect(database) as connection:
        connection.execute(
            "INSERT INTO users (username, email, password_hash) VALUES ('u', 'u@x', 'h')"
        )
    refused = helper(database, "fresh", "--yes", env=PRODUCTION)
    assert refused.returncode == 12
    assert "  table users: 1 row" in refused.stderr.splitlines()
    assert fetch_all(database, "SELECT count(*) FROM users") == [(1,)]

    allowed = helper(database, "fresh", "--yes", "--allow-data-loss", env=PRODUCTION)
    assert allowed.returncode == 0, allowed.stderr
    assert fetch_all(database, "SELECT count(*) FROM users") == [(0,)]


def test_error_plain_migrate_cannot_drop_rows_in_production(ledger: str) -> None:
    result = manage(
        "migrate", "demoapp", "0001", database=ledger, settings=DEMO_SETTINGS, env=PRODUCTION
    )
    assert result.returncode == 12
    assert result.stderr.splitlines()[0] == (
        "CommandError: plain migrate cannot drop them: use rtx-migrate -allow-data-loss to run "
        "this with ENVIRONMENT=production: it drops tables or columns that hold rows; nothing "
        "was changed:"
    )
    assert fetch_all(ledger, "SELECT count(amount) FROM demo_ledger") == [(2,)]


def test_success_a_big_table_shows_an_estimate(ledger: str) -> None:
    with connect(ledger) as connection:
        connection.execute(
            "INSERT INTO demo_ledger (note) SELECT 'n' FROM generate_series(1, 100001)"
        )
        connection.execute("ANALYZE demo_ledger")
    result = demo(ledger, "-version=9", "-dry-run")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "table demo_ledger" in line)
    assert line.startswith("-- drops table demo_ledger: about ")
    assert line.endswith(" rows (estimate)")
