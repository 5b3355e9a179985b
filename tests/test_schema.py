"""The schema that the migrations build, read back from PostgreSQL's catalog."""

import re
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection

from rtx.migrator.adoption import LEGACY_TABLES
from rtx.migrator.catalog import differences, snapshot
from tests.conftest import LEGACY_SCHEMA, connect, fetch_all, manage

SERIAL_ID_TABLES = [
    "users",
    "accounts",
    "trading_groups",
    "positions",
    "orders",
    "trades",
    "admin_users",
    "admin_audit_log",
    "group_symbol_settings",
    "order_history",
]


def in_values(*values: str) -> str:
    array = ", ".join(f"'{value}'::character varying" for value in values)
    return f"((ARRAY[{array}])::text[])"


# docs/go-tool-differences.md, besides timestamptz and identity ids.
DOCUMENTED_DIFFERENCES = {
    "accounts: index idx_accounts_account_number removed",
    "admin_users: index idx_admin_users_username removed",
    "orders: index idx_orders_client_order_id removed",
    "users: index idx_users_email removed",
    "admin_audit_log: trigger admin_audit_log_append_only added: CREATE TRIGGER "
    "admin_audit_log_append_only BEFORE DELETE OR UPDATE ON public.admin_audit_log FOR EACH ROW "
    "EXECUTE FUNCTION admin_audit_log_append_only()",
    "admin_audit_log: trigger admin_audit_log_no_truncate added: CREATE TRIGGER "
    "admin_audit_log_no_truncate BEFORE TRUNCATE ON public.admin_audit_log FOR EACH STATEMENT "
    "EXECUTE FUNCTION admin_audit_log_append_only()",
    "admin_users: constraint admin_users_status_check added: CHECK (((status)::text = ANY "
    + in_values("ACTIVE", "DISABLED", "SUSPENDED")
    + "))",
    "fix_credentials: constraint fix_credentials_rate_limit_tier_check added: CHECK "
    "(((rate_limit_tier)::text = ANY "
    + in_values("basic", "standard", "premium", "unlimited")
    + "))",
    "fix_credentials: constraint fix_credentials_status_check added: CHECK (((status)::text "
    "= ANY " + in_values("ACTIVE", "SUSPENDED", "REVOKED", "EXPIRED") + "))",
    "order_history: constraint order_history_side_check added: CHECK (((side)::text = ANY "
    + in_values("BUY", "SELL")
    + "))",
    "orders: constraint orders_execution_mode_check added: CHECK (((execution_mode)::text = "
    "ANY " + in_values("BBOOK", "ABOOK", "HYBRID") + "))",
    "trading_groups: constraint trading_groups_execution_mode_check added: CHECK "
    "(((execution_mode)::text = ANY " + in_values("BBOOK", "ABOOK", "HYBRID") + "))",
    "trading_groups: constraint trading_groups_margin_mode_check added: CHECK "
    "(((margin_mode)::text = ANY " + in_values("HEDGING", "NETTING") + "))",
}


# Indexes for the audit search, the services' read patterns and the back office's lists
# (docs/go-tool-differences.md).
ADDED_INDEXES = {
    "admin_audit_log_details_trgm_idx",
    "admin_audit_log_details_path_idx",
    "users_created_at_idx",
    "users_kyc_level_idx",
    "accounts_created_at_idx",
    "accounts_account_type_idx",
    "accounts_currency_idx",
    "admin_audit_log_admin_time_idx",
    "admin_audit_log_action_time_idx",
    "admin_audit_log_resource_time_idx",
    "positions_open_account_idx",
    "orders_account_status_created_idx",
    "orders_pending_symbol_idx",
    "trades_account_executed_idx",
    "trades_symbol_executed_idx",
    "order_history_account_time_idx",
    "order_history_symbol_time_idx",
    "order_history_day_counts_idx",
    "order_history_day_account_idx",
    "risk_alerts_unacknowledged_idx",
    "liquidation_events_account_time_idx",
}
ADDED_INDEX = re.compile(r"^\w+: index (\w+) added: ")


def expected_differences(legacy: dict) -> set[str]:
    expected = set(DOCUMENTED_DIFFERENCES)
    for table in LEGACY_TABLES:
        for column in legacy[table].columns:
            if column.type == "timestamp without time zone":
                old = column.describe()
                expected.add(f"{table}.{column.name}: {old} -> {old.replace('without', 'with')}")
    for table in SERIAL_ID_TABLES:
        expected.add(
            f"{table}.id: bigint NOT NULL DEFAULT nextval('{table}_id_seq'::regclass) -> "
            "bigint NOT NULL IDENTITY"
        )
    return expected


def test_catalog_matches_the_go_schema_except_the_documented_differences(
    make_database: Callable[[], str],
) -> None:
    legacy_db, our_db = make_database(), make_database()
    with connect(legacy_db) as legacy_connection:
        legacy_connection.execute(LEGACY_SCHEMA.read_text())
        legacy = snapshot(legacy_connection.cursor(), list(LEGACY_TABLES))
    assert manage("rtx_migrate", "-up", database=our_db).returncode == 0
    with connect(our_db) as our_connection:
        ours = snapshot(our_connection.cursor(), list(LEGACY_TABLES))

    found = set(differences(legacy, ours))
    added_indexes = {line for line in found if ADDED_INDEX.match(line)}
    assert {ADDED_INDEX.match(line).group(1) for line in added_indexes} == ADDED_INDEXES  # type: ignore[union-attr]
    found -= added_indexes

    assert found - expected_differences(legacy) == set(), "undocumented differences"
    assert expected_differences(legacy) - found == set(), "documented but not present"


def test_every_identifier_fits_postgresql_and_every_index_is_named_by_us(
    make_database: Callable[[], str],
) -> None:
    database = make_database()
    assert manage("rtx_migrate", "-up", database=database).returncode == 0
    with connect(database) as conn:
        ours = snapshot(conn.cursor(), list(LEGACY_TABLES))
    names = [name for table in ours.values() for name in [*table.indexes, *table.constraints]]
    assert all(len(name.encode()) <= 63 for name in names)
    generated = [
        name for name in names if name.endswith(("_like", "_uniq", "_fk")) or "_fk_" in name
    ]
    assert generated == []


@pytest.mark.django_db
def test_rows_inserted_without_django_get_the_documented_defaults() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO users (username, email, password_hash) VALUES ('ann', 'a@x', 'h') "
            "RETURNING group_id, status, kyc_level, created_at IS NOT NULL, "
            "updated_at IS NOT NULL, full_name, last_login"
        )
        assert cursor.fetchone() == (1, "ACTIVE", 0, True, True, None, None)
        cursor.execute(
            "INSERT INTO accounts (user_id, account_number) SELECT id, 'A-1' FROM users "
            "RETURNING account_type, currency, balance, equity, margin, free_margin, "
            "margin_level, leverage, credit, peak_equity, status"
        )
        assert [str(value) for value in cursor.fetchone()] == [
            "DEMO",
            "USD",
            "0.00000",
            "0.00000",
            "0.00000",
            "0.00000",
            "0.00",
            "100",
            "0.00000",
            "0.00000",
            "ACTIVE",
        ]
        cursor.execute(
            "INSERT INTO trading_groups (name) VALUES ('default') RETURNING execution_mode, "
            "markup, commission, max_leverage, default_balance, margin_mode, status"
        )
        assert [str(value) for value in cursor.fetchone()] == [
            "BBOOK",
            "0.00000",
            "0.00",
            "100",
            "10000.00000",
            "HEDGING",
            "ACTIVE",
        ]
        cursor.execute(
            "INSERT INTO orders (account_id, symbol, side, order_type, volume) "
            "SELECT id, 'EURUSD', 'BUY', 'MARKET', 1 FROM accounts "
            "RETURNING execution_mode, status"
        )
        assert cursor.fetchone() == ("BBOOK", "PENDING")
        cursor.execute(
            "INSERT INTO positions (account_id, symbol, side, volume, open_price) "
            "SELECT id, 'EURUSD', 'BUY', 1, 1.1 FROM accounts "
            "RETURNING unrealized_pnl, realized_pnl, swap, commission, status"
        )
        assert [str(value) for value in cursor.fetchone()] == ["0.00000"] * 4 + ["OPEN"]
        cursor.execute(
            "INSERT INTO admin_users (username, email, password_hash, role) "
            "VALUES ('root', 'r@x', 'h', 'super_admin') RETURNING status"
        )
        assert cursor.fetchone() == ("ACTIVE",)
        cursor.execute(
            "INSERT INTO admin_audit_log (admin_username, action, resource_type) "
            "VALUES ('root', 'login', 'session') RETURNING status"
        )
        assert cursor.fetchone() == ("SUCCESS",)
        cursor.execute(
            "INSERT INTO risk_alerts (id, alert_type, severity, message) "
            "VALUES ('r1', 'MARGIN', 'HIGH', 'low margin') RETURNING acknowledged"
        )
        assert cursor.fetchone() == (False,)
        cursor.execute(
            "INSERT INTO fix_credentials (user_id, sender_comp_id, password_encrypted) "
            "VALUES ('7', 'USER_ABCDEFGH', '\\x00') RETURNING rate_limit_tier, max_sessions, status"
        )
        assert cursor.fetchone() == ("basic", 1, "ACTIVE")
        cursor.execute(
            "INSERT INTO fix_sessions (session_id, user_id, sender_comp_id) "
            "VALUES ('s1', '7', 'USER_ABCDEFGH') RETURNING message_count, order_count, status"
        )
        assert cursor.fetchone() == (0, 0, "ACTIVE")
        cursor.execute(
            "INSERT INTO group_symbol_settings (group_id, symbol) "
            "SELECT id, 'EURUSD' FROM trading_groups RETURNING enabled"
        )
        assert cursor.fetchone() == (True,)


def count(cursor, table: str) -> int:  # type: ignore[no-untyped-def]
    cursor.execute(f"SELECT count(*) FROM {table}")
    return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_deletes_cascade_and_set_null_in_the_database_itself() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO users (id, username, email, password_hash) VALUES (10, 'u', 'u@x', 'h');
            INSERT INTO accounts (id, user_id, account_number) VALUES (20, 10, 'A-20');
            INSERT INTO positions (id, account_id, symbol, side, volume, open_price)
                VALUES (30, 20, 'EURUSD', 'BUY', 1, 1.1);
            INSERT INTO orders (id, account_id, symbol, side, order_type, volume)
                VALUES (40, 20, 'EURUSD', 'BUY', 'MARKET', 1);
            INSERT INTO trades (account_id, order_id, position_id, symbol, side, volume, price,
                trade_type) VALUES (20, 40, 30, 'EURUSD', 'BUY', 1, 1.1, 'OPEN');
            INSERT INTO order_history (account_id, symbol, side, volume, price)
                VALUES (20, 'EURUSD', 'BUY', 1, 1.1);
            INSERT INTO risk_alerts (id, account_id, alert_type, severity, message)
                VALUES ('r', 20, 'MARGIN', 'HIGH', 'm');
            INSERT INTO liquidation_events (id, account_id, trigger_reason)
                VALUES ('l', 20, 'margin call');
            INSERT INTO admin_users (id, username, email, password_hash, role)
                VALUES (50, 'a', 'a@x', 'h', 'admin');
            INSERT INTO admin_audit_log (admin_id, admin_username, action, resource_type)
                VALUES (50, 'a', 'login', 'session');
            INSERT INTO trading_groups (id, name) VALUES (60, 'g');
            INSERT INTO group_symbol_settings (group_id, symbol) VALUES (60, 'EURUSD');
            INSERT INTO fix_credentials (user_id, sender_comp_id, password_encrypted)
                VALUES ('10', 'USER_X', '\\x00');
            INSERT INTO fix_sessions (session_id, user_id, sender_comp_id)
                VALUES ('s', '10', 'USER_X');
            """
        )
        cursor.execute("DELETE FROM orders WHERE id = 40")
        cursor.execute("SELECT order_id, position_id FROM trades")
        assert cursor.fetchone() == (None, 30)
        cursor.execute("DELETE FROM positions WHERE id = 30")
        cursor.execute("SELECT order_id, position_id FROM trades")
        assert cursor.fetchone() == (None, None)

        cursor.execute("DELETE FROM users WHERE id = 10")
        for table in ("accounts", "trades", "order_history", "risk_alerts", "liquidation_events"):
            assert count(cursor, table) == 0, table

        cursor.execute("DELETE FROM admin_users WHERE id = 50")
        cursor.execute("SELECT admin_id, admin_username FROM admin_audit_log")
        assert cursor.fetchone() == (None, "a")

        cursor.execute("DELETE FROM trading_groups WHERE id = 60")
        assert count(cursor, "group_symbol_settings") == 0
        cursor.execute("DELETE FROM fix_credentials")
        assert count(cursor, "fix_sessions") == 0


@pytest.mark.django_db
def test_checks_refuse_values_outside_their_sets() -> None:
    from django.db import IntegrityError, transaction

    statements = [
        "INSERT INTO admin_users (username, email, password_hash, role) "
        "VALUES ('x', 'x@x', 'h', 'SUPER_ADMIN')",
        "INSERT INTO symbol_correlations (symbol1, symbol2, correlation) VALUES ('A', 'B', 1.5)",
        "INSERT INTO trading_groups (name, margin_mode) VALUES ('g', 'hedging')",
    ]
    for statement in statements:
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.mark.django_db
def test_makemigrations_finds_no_model_change() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def project_relations(database: str) -> list[str]:
    rows = fetch_all(
        database,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname NOT LIKE 'django_migrations%%' "
        "AND c.relname NOT LIKE 'schema_migrations%%' ORDER BY 1",
    )
    return [row[0] for row in rows]


def test_all_the_way_up_down_to_an_empty_schema_and_up_again(database: str) -> None:
    assert manage("rtx_migrate", "-up", database=database).returncode == 0
    with connect(database) as conn:
        first = snapshot(conn.cursor())
    assert len(project_relations(database)) > 100

    down = manage("rtx_migrate", "-version=0", database=database)
    assert down.returncode == 0, down.stderr
    assert project_relations(database) == []
    assert fetch_all(
        database,
        "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n "
        "ON n.oid = c.connamespace WHERE n.nspname = 'public' "
        "AND conrelid::regclass::text NOT IN ('django_migrations', "
        "'schema_migrations', 'schema_migrations_history')",
    ) == [(0,)]

    assert manage("rtx_migrate", "-up", database=database).returncode == 0
    with connect(database) as conn:
        assert differences(first, snapshot(conn.cursor())) == []
