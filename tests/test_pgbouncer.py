"""Services and the admin through PgBouncer in transaction pooling mode (DB_POOL_MODE).

Each test runs Django in a process of its own through the real pgbouncer of the fixtures
(tests/topology.py): two server connections per database, dealt out in turn, so a
client's consecutive transactions land on different server connections and anything left
in a session is missing in the next transaction.
"""

from decimal import Decimal

from tests import topology
from tests.conftest import run_django

POOLED = {"DB_POOL_MODE": "transaction"}

SERVICES_ON_SHARED_CONNECTIONS = """
import json, threading
from datetime import timedelta
from decimal import Decimal
from django.db import connection
from django.utils import timezone
from accounts.models import Account, User
from trading import selectors
from trading.services import fill_record, order_place

CLIENTS, ROUNDS = 6, 8
everyone_connected = threading.Barrier(CLIENTS, timeout=60)
results = {}

def backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]

def work(client):
    try:
        user = User.objects.create(
            username=f"u{client}", email=f"u{client}@rtx.test", password_hash="h"
        )
        account = Account.objects.create(user=user, account_number=f"A-{client}", balance=1000)
        backends = {backend()}
        # Six clients connected at once to a pool of two: only transaction pooling gets past.
        everyone_connected.wait()
        for round in range(ROUNDS):
            order, _ = order_place(
                account_id=account.pk, client_order_id=f"{client}-{round}", symbol="EURUSD",
                side="BUY", order_type="MARKET", volume=Decimal(1),
            )
            fill_record(order_id=order.pk, volume=Decimal(1), fill_price=Decimal("1.1"))
            backends.add(backend())
        now = timezone.now()
        positions = selectors.position_list_open(account_id=account.pk)
        trades = selectors.trade_list_for_account(
            account_id=account.pk, start=now - timedelta(days=1), end=now + timedelta(days=1)
        )
        results[client] = {
            "backends": sorted(backends),
            "open volume": str(sum(position.volume for position in positions)),
            "trades": len(trades),
        }
    finally:
        connection.close()

threads = [threading.Thread(target=work, args=(client,)) for client in range(CLIENTS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(results))
"""

ITERATE = """
import json
from accounts.models import User
User.objects.bulk_create(
    User(username=f"u{n}", email=f"u{n}@rtx.test", password_hash="h") for n in range(3)
)
try:
    users = User.objects.order_by("id").iterator(chunk_size=1)
    print(json.dumps([user.username for user in users]))
except Exception as error:
    print(json.dumps(str(error).splitlines()[0]))
"""

TIME_ZONES = """
import json, os
import psycopg
from django.db import connection
# Another client of the same pool sets its own time zone on both server connections (the
# pool deals them out in turn) before each of Django's transactions.
other = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None)
seen = []
for _ in range(6):
    for _ in range(topology_pool_size):
        other.execute("SET TIME ZONE 'America/New_York'")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), pg_backend_pid()")
        seen.append(cursor.fetchone())
print(json.dumps({
    "time zones": sorted({zone for zone, _ in seen}),
    "server connections": len({backend for _, backend in seen}),
}))
"""

ADMIN = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
from accounts.models import Account, User
from adminpanel.models import AdminUser

setup_test_environment()  # lets the test client in (ALLOWED_HOSTS)
AdminUser.objects.create_user("ops", "ops@rtx.test", "correct horse", role="super_admin")
user = User.objects.create(username="trader", email="t@rtx.test", password_hash="h")
account = Account.objects.create(user=user, account_number="A-7", balance=100)
client = Client()
login = client.post("/admin/login/?next=/admin/", {"username": "ops", "password": "correct horse"})
pages = {
    "changelist": client.get("/admin/accounts/account/"),
    "change form": client.get(f"/admin/accounts/account/{account.pk}/change/"),
}
print(json.dumps({
    "login": [login.status_code, login.headers.get("Location")],
    **{name: [page.status_code, "A-7" in page.content.decode()] for name, page in pages.items()},
}))
"""


def test_success_services_write_and_read_through_pgbouncer_on_two_server_connections(
    primary_server: topology.Server, pgbouncer: topology.PgBouncer, migrated_primary_database: str
) -> None:
    results = run_django(
        SERVICES_ON_SHARED_CONNECTIONS,
        database_url=pgbouncer.url(migrated_primary_database),
        **POOLED,
    )

    assert sorted(results) == [str(client) for client in range(6)]
    assert {Decimal(result["open volume"]) for result in results.values()} == {Decimal(8)}
    assert {result["trades"] for result in results.values()} == {8}
    backends = {pid for result in results.values() for pid in result["backends"]}
    assert len(backends) <= topology.POOL_SIZE  # 6 clients, 108 transactions
    assert primary_server.value("SELECT count(*) FROM trades", migrated_primary_database) == 48


def test_success_iterator_works_through_pgbouncer_in_transaction_pool_mode(
    pgbouncer: topology.PgBouncer, migrated_primary_database: str
) -> None:
    pgbouncer.warm_pool(migrated_primary_database)
    rows = run_django(ITERATE, database_url=pgbouncer.url(migrated_primary_database), **POOLED)

    assert rows == ["u0", "u1", "u2"]


def test_error_iterator_through_pgbouncer_in_session_pool_mode_loses_its_cursor(
    pgbouncer: topology.PgBouncer, migrated_primary_database: str
) -> None:
    # Why DB_POOL_MODE=transaction exists: a server-side cursor lives in one server session.
    pgbouncer.warm_pool(migrated_primary_database)
    error = run_django(ITERATE, database_url=pgbouncer.url(migrated_primary_database))

    assert error.startswith('cursor "_django_curs_')
    assert error.endswith('" does not exist')


def test_success_every_transaction_through_pgbouncer_runs_in_utc(
    primary_server: topology.Server, pgbouncer: topology.PgBouncer, migrated_primary_database: str
) -> None:
    # Django sets the session's TimeZone when the server's differs; PgBouncer must carry it
    # to every server connection the client gets, whatever other clients set there.
    with primary_server.connect() as connection:
        connection.execute(
            f"ALTER DATABASE \"{migrated_primary_database}\" SET timezone TO 'Asia/Tokyo'"
        )
    pgbouncer.warm_pool(migrated_primary_database)
    seen = run_django(
        f"topology_pool_size = {topology.POOL_SIZE}\n{TIME_ZONES}",
        database_url=pgbouncer.url(migrated_primary_database),
        **POOLED,
    )

    assert seen == {"time zones": ["UTC"], "server connections": topology.POOL_SIZE}


def test_success_the_admin_logs_in_and_renders_through_pgbouncer(
    primary_server: topology.Server, pgbouncer: topology.PgBouncer, migrated_primary_database: str
) -> None:
    pages = run_django(ADMIN, database_url=pgbouncer.url(migrated_primary_database), **POOLED)

    assert pages == {
        "login": [302, "/admin/"],
        "changelist": [200, True],
        "change form": [200, True],
    }
    audited = primary_server.value(
        "SELECT count(*) FROM admin_audit_log WHERE action = 'login' AND admin_username = 'ops'",
        migrated_primary_database,
    )
    assert audited == 1
