"""The services' reads and writes on the real database: results, integrity, locking."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, TradingGroup, User
from adminpanel.models import AdminAuditLog, GroupSymbolSettings
from adminpanel.selectors import audit_log_list, symbol_settings_effective
from risk.models import RiskAlert, SymbolCorrelation
from risk.selectors import risk_alert_list_unacknowledged, symbol_correlation_get
from risk.services import liquidation_event_record, risk_alert_acknowledge
from trading.models import Order, OrderHistory, Position, Trade
from trading.selectors import order_list_by_status, position_list_open
from trading.services import FillRefused, OrderConflict, fill_record, order_place

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def account() -> Account:
    user = User.objects.create(username="trader", email="t@x", password_hash="h")
    return Account.objects.create(user=user, account_number="A-1", balance=Decimal("1000"))


def place(account: Account, client_id: str, side: str, volume: str) -> Order:
    order, _ = order_place(
        account_id=account.pk,
        client_order_id=client_id,
        symbol="EURUSD",
        side=side,
        order_type="MARKET",
        volume=Decimal(volume),
    )
    return order


@pytest.mark.django_db
def test_success_order_place_is_idempotent_by_client_order_id(account: Account) -> None:
    limit_order = {
        "account_id": account.pk,
        "client_order_id": "c-1",
        "symbol": "EURUSD",
        "side": "BUY",
        "order_type": "LIMIT",
        "volume": Decimal("1.5"),
        "price_limit": Decimal("1.0845"),
    }
    first, created = order_place(**limit_order)
    again, created_again = order_place(**limit_order)  # the client's retry
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Order.objects.filter(client_order_id="c-1").count() == 1
    with pytest.raises(OrderConflict, match="client_order_id 'c-1' already names order"):
        place(account, "c-1", "SELL", "2")


@pytest.mark.django_db
def test_error_money_is_never_float(account: Account) -> None:
    with pytest.raises(TypeError, match="volume must be a Decimal"):
        order_place(
            account_id=account.pk,
            client_order_id="c-2",
            symbol="EURUSD",
            side="BUY",
            order_type="MARKET",
            volume=1.5,  # type: ignore[arg-type]
        )
    order = place(account, "c-3", "BUY", "1")
    with pytest.raises(TypeError, match="fill_price must be a Decimal"):
        fill_record(order_id=order.pk, volume=Decimal(1), fill_price=1.1)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_success_fills_open_increase_reduce_close_and_reverse(account: Account) -> None:
    buy = place(account, "b1", "BUY", "3")
    fill_record(order_id=buy.pk, volume=Decimal(2), fill_price=Decimal("1.1000"), executed_at=NOW)
    result = fill_record(
        order_id=buy.pk,
        volume=Decimal(1),
        fill_price=Decimal("1.1300"),
        executed_at=NOW,
        commission=Decimal("0.5"),
    )
    position = result.position
    assert (position.side, position.volume, position.open_price) == (
        "BUY",
        Decimal(3),
        Decimal("1.1100000000"),
    )
    assert Order.objects.get(pk=buy.pk).status == "FILLED"

    sell = place(account, "s1", "SELL", "4")
    reduce = fill_record(order_id=sell.pk, volume=Decimal(1), fill_price=Decimal("1.1500"))
    assert (reduce.realized_pnl, reduce.trade.trade_type) == (Decimal("0.04000"), "REDUCE")
    assert Order.objects.get(pk=sell.pk).status == "PARTIALLY_FILLED"
    reverse = fill_record(order_id=sell.pk, volume=Decimal(3), fill_price=Decimal("1.2000"))
    assert (reverse.realized_pnl, reverse.trade.trade_type) == (Decimal("0.18000"), "REVERSE")

    closed = Position.objects.get(pk=position.pk)
    assert (closed.status, closed.volume, closed.realized_pnl) == (
        "CLOSED",
        Decimal(0),
        Decimal("0.22000"),
    )
    [open_position] = position_list_open(account_id=account.pk)
    assert (open_position.side, open_position.volume) == ("SELL", Decimal(1))
    account.refresh_from_db()
    assert account.balance == Decimal("1000") + Decimal("0.22") - Decimal("0.5")
    assert account.margin == Decimal("0.01200")  # 1 lot at 1.2 with leverage 100
    assert account.free_margin == account.equity - account.margin
    assert account.margin_level == (account.equity / account.margin * 100).quantize(Decimal("0.01"))
    assert Trade.objects.count() == OrderHistory.objects.count() == 4

    with pytest.raises(FillRefused, match=f"order {sell.pk} is FILLED"):
        fill_record(order_id=sell.pk, volume=Decimal(1), fill_price=Decimal("1.2"))
    partial = place(account, "b2", "BUY", "1")
    with pytest.raises(FillRefused, match=f"order {partial.pk} has 1.00000 left to fill, not 2"):
        fill_record(order_id=partial.pk, volume=Decimal(2), fill_price=Decimal("1.2"))


@pytest.mark.django_db(transaction=True, available_apps=["accounts", "trading"])
def test_success_concurrent_fills_on_one_account_lose_no_update() -> None:
    user = User.objects.create(username="busy", email="b@x", password_hash="h")
    account = Account.objects.create(user=user, account_number="A-busy", balance=Decimal(1000))
    workers, fills_each = 8, 5
    orders = [
        [place(account, f"o{w}-{i}", "BUY", "1").pk for i in range(fills_each)]
        for w in range(workers)
    ]
    errors: list[BaseException] = []

    def work(order_ids: list[int]) -> None:
        try:
            for order_id in order_ids:
                fill_record(
                    order_id=order_id,
                    volume=Decimal(1),
                    fill_price=Decimal("1.1"),
                    commission=Decimal("0.25"),
                )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(ids,)) for ids in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    account.refresh_from_db()
    fills = workers * fills_each
    assert account.balance == Decimal(1000) - Decimal("0.25") * fills
    [position] = Position.objects.filter(account=account, status="OPEN")
    assert position.volume == Decimal(fills)
    assert Trade.objects.filter(account=account).count() == fills


@pytest.mark.django_db
def test_success_keyset_pagination_walks_every_order_once(account: Account) -> None:
    orders = [place(account, f"p{i}", "BUY", "1") for i in range(7)]
    Order.objects.filter(pk__in=[o.pk for o in orders[:4]]).update(created_at=NOW)  # equal times
    seen, cursor = [], None
    while True:
        page = order_list_by_status(account_id=account.pk, status="PENDING", limit=3, cursor=cursor)
        seen += [order.pk for order in page.orders]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    expected = list(
        Order.objects.filter(account=account)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected and len(set(seen)) == 7


@pytest.mark.django_db
def test_success_risk_reads_and_writes(account: Account) -> None:
    RiskAlert.objects.create(id="a1", account=account, alert_type="M", severity="HIGH", message="m")
    RiskAlert.objects.create(id="a2", account=account, alert_type="M", severity="LOW", message="m")
    assert [a.id for a in risk_alert_list_unacknowledged(severity="HIGH")] == ["a1"]
    first = risk_alert_acknowledge(alert_id="a1", acknowledged_by="ann")
    again = risk_alert_acknowledge(alert_id="a1", acknowledged_by="bob")
    assert (again.acknowledged_by, again.acknowledged_at) == ("ann", first.acknowledged_at)
    assert [a.id for a in risk_alert_list_unacknowledged()] == ["a2"]

    SymbolCorrelation.objects.create(symbol1="EURUSD", symbol2="GBPUSD", correlation=Decimal("0.9"))
    assert symbol_correlation_get(symbol_a="GBPUSD", symbol_b="EURUSD").correlation == Decimal(  # type: ignore[union-attr]
        "0.9000"
    )
    assert symbol_correlation_get(symbol_a="EURUSD", symbol_b="XAUUSD") is None

    event, created = liquidation_event_record(
        event_id="l1",
        account_id=account.pk,
        trigger_reason="margin call",
        total_pnl=Decimal("-12.5"),
        positions_closed=[{"id": 1}],
    )
    _, created_again = liquidation_event_record(
        event_id="l1", account_id=account.pk, trigger_reason="x"
    )
    assert (created, created_again, event.total_pnl) == (True, False, Decimal("-12.5"))


@pytest.mark.django_db
def test_success_symbol_settings_fall_back_to_the_group() -> None:
    group = TradingGroup.objects.create(name="vip", markup=Decimal("0.5"), commission=Decimal("7"))
    GroupSymbolSettings.objects.create(group=group, symbol="XAUUSD", commission=Decimal("9"))
    gold = symbol_settings_effective(group_id=group.pk, symbol="XAUUSD")
    euro = symbol_settings_effective(group_id=group.pk, symbol="EURUSD")
    assert (gold.markup, gold.commission, gold.enabled) == (
        Decimal("0.50000"),
        Decimal("9.00"),
        True,
    )
    assert (euro.markup, euro.commission) == (Decimal("0.50000"), Decimal("7.00"))


@pytest.mark.django_db
def test_success_audit_log_list_filters_by_admin_action_resource_and_time() -> None:
    AdminAuditLog.objects.create(
        admin_username="a", action="update", resource_type="accounts", resource_id=1
    )
    AdminAuditLog.objects.create(
        admin_username="a", action="delete", resource_type="accounts", resource_id=2
    )
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
    assert [e.action for e in audit_log_list(start=start, end=end, action="update")] == ["update"]
    assert [
        e.action
        for e in audit_log_list(start=start, end=end, resource_type="accounts", resource_id=2)
    ] == ["delete"]
    assert [e.action for e in audit_log_list(start=start, end=end, limit=1)] == ["delete"]
    assert audit_log_list(start=end, end=end + timedelta(days=1)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("read", "index"),
    [
        (lambda a: position_list_open(account_id=a), "positions_open_account_idx"),
        (
            lambda a: order_list_by_status(account_id=a, status="PENDING"),
            "orders_account_status_created_idx",
        ),
        (
            lambda a: order_list_by_status(account_id=a, status="PENDING", cursor=(NOW, 10**9)),
            # The cursor is part of the index condition, not a filter after it:
            "(status)::text = 'PENDING'::text) AND (ROW(created_at, id) < ROW(",
        ),
        (
            lambda a: risk_alert_list_unacknowledged(severity="HIGH"),
            "risk_alerts_unacknowledged_idx",
        ),
    ],
)
def test_read_patterns_are_served_by_their_indexes(account: Account, read, index: str) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as sent:
        read(account.pk)
    [statement] = [query["sql"] for query in sent.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan
