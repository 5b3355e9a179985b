"""The read replica (DB_REPLICA_URL): the selectors read from a real hot standby, every
other query goes to the primary.

Each test runs Django in a process of its own against the private primary and its standby
(tests/topology.py). Replay on the standby is paused where a test must tell the two apart:
a row committed on the primary meanwhile is found by a read of the primary and missed by a
read of the standby.
"""

from typing import Any

from tests import topology
from tests.conftest import run_django

SYMBOL = "EURUSD"

PLACE_ORDER = """
import json
from decimal import Decimal
from django.db import connections, router, transaction
from accounts.models import Account, User
from rtx.db.routers import primary_reads
from trading import selectors
from trading.models import Order, Trade
from trading.services import fill_record, order_place

def pending():
    orders = selectors.order_list_pending_for_symbol(symbol="EURUSD")
    return [order.client_order_id for order in orders]

def server(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT inet_server_port(), pg_is_in_recovery()")
        return cursor.fetchone()

def place(client_order_id):
    user = User.objects.create(username=client_order_id, email="t@x", password_hash="h")
    account = Account.objects.create(user=user, account_number=client_order_id, balance=1000)
    order, _ = order_place(
        account_id=account.pk, client_order_id=client_order_id, symbol="EURUSD", side="BUY",
        order_type="LIMIT", volume=Decimal(1), price_limit=Decimal("1.1"),
    )
    return order
"""


def replica_environment(
    primary: topology.Server, standby: topology.Server, database: str
) -> dict[str, Any]:
    """Django's URLs for ``database`` on both servers, once the standby has it too."""
    topology.wait_for_replay(primary, standby)
    return {"database_url": primary.url(database), "DB_REPLICA_URL": standby.url(database)}


def test_success_selectors_read_from_the_replica_and_see_rows_once_replayed(
    primary_server: topology.Server, standby_server: topology.Server, migrated_primary_database: str
) -> None:
    environment = replica_environment(primary_server, standby_server, migrated_primary_database)
    with topology.replay_paused(standby_server):
        before_replay = run_django(
            PLACE_ORDER
            + "place('c-1')\n"
            + "print(json.dumps({'pending': pending(), 'replica': server('replica'),"
            " 'primary': server('default')}))",
            **environment,
        )
    topology.wait_for_replay(primary_server, standby_server)
    after_replay = run_django(
        PLACE_ORDER
        + "orders = selectors.order_list_pending_for_symbol(symbol='EURUSD')\n"
        + "print(json.dumps([[o.client_order_id, o._state.db] for o in orders]))",
        **environment,
    )

    assert before_replay == {
        "pending": [],  # committed on the primary, not yet replayed: the standby answered
        "replica": [standby_server.port, True],
        "primary": [primary_server.port, False],
    }
    assert after_replay == [["c-1", "replica"]]


def test_success_a_read_that_must_see_its_own_write_stays_on_the_primary(
    primary_server: topology.Server, standby_server: topology.Server, migrated_primary_database: str
) -> None:
    environment = replica_environment(primary_server, standby_server, migrated_primary_database)
    with topology.replay_paused(standby_server):
        seen = run_django(
            PLACE_ORDER
            + """
with transaction.atomic():
    order = place("c-2")
    in_transaction = pending()
with primary_reads():
    pinned = pending()
fill = fill_record(order_id=order.pk, volume=Decimal("0.4"), fill_price=Decimal("1.1"))
print(json.dumps({
    "in the service's transaction": in_transaction,
    "in primary_reads()": pinned,
    "a plain ORM read": list(Order.objects.values_list("client_order_id", flat=True)),
    "a selector, after the commit": pending(),
    "fill_record's order": fill.order.status,
}))
""",
            **environment,
        )

    assert seen == {
        "in the service's transaction": ["c-2"],
        "in primary_reads()": ["c-2"],
        "a plain ORM read": ["c-2"],
        "a selector, after the commit": [],  # the replica has not replayed it: stale
        "fill_record's order": "PARTIALLY_FILLED",
    }


def test_success_rows_read_from_the_replica_are_written_to_the_primary(
    primary_server: topology.Server, standby_server: topology.Server, migrated_primary_database: str
) -> None:
    environment = replica_environment(primary_server, standby_server, migrated_primary_database)
    run_django(PLACE_ORDER + "place('c-3')\nprint('{}')", **environment)
    topology.wait_for_replay(primary_server, standby_server)
    written = run_django(
        PLACE_ORDER
        + """
(order,) = selectors.order_list_pending_for_symbol(symbol="EURUSD")
read_from = order._state.db
order.comment = "edited"
order.save(update_fields=["comment"])
trade = Trade.objects.create(
    order=order, account_id=order.account_id, symbol=order.symbol, side=order.side,
    volume=Decimal(1), price=Decimal("1.1"), trade_type="OPEN",
)
print(json.dumps({
    "read from": read_from,
    "saved to": order._state.db,
    "trade saved to": trade._state.db,
    "migrations on": [a for a in connections if router.allow_migrate(a, "trading")],
}))
""",
        **environment,
    )

    assert written == {
        "read from": "replica",
        "saved to": "default",
        "trade saved to": "default",
        "migrations on": ["default"],
    }
    with primary_server.connect(migrated_primary_database) as connection:
        rows = connection.execute(
            "SELECT o.comment, count(t.id) FROM orders o LEFT JOIN trades t ON t.order_id = o.id"
            " GROUP BY o.comment"
        ).fetchall()
    assert rows == [("edited", 1)]


def test_error_selectors_fail_while_the_replica_is_down_and_writes_go_on(
    primary_server: topology.Server,
    standby_server: topology.Server,
    migrated_primary_database: str,
) -> None:
    environment = replica_environment(primary_server, standby_server, migrated_primary_database)
    with standby_server.stopped():
        outcome = run_django(
            PLACE_ORDER
            + """
from django.db import OperationalError
order = place("c-4")
try:
    pending()
    read = "answered"
except OperationalError:
    read = "OperationalError"
print(json.dumps({"placed": order.client_order_id, "selector": read}))
""",
            **environment,
        )

    assert outcome == {"placed": "c-4", "selector": "OperationalError"}
