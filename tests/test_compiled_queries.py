"""Compiled selector queries, fast instance loading and timestamptz reads on the real database.

A compiled query must return what the queryset it was built from returns, for any values,
and the instances it builds must behave like Django's own.
"""

import datetime
import re
import warnings
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from psycopg.pq import Format

from accounts.models import Account, User
from adminpanel.models import AdminAuditLog
from risk.models import RiskAlert, SymbolCorrelation
from risk.selectors import risk_alert_list_unacknowledged
from rtx.db.compiled import CompiledQuery
from trading.models import Order, OrderHistory, Position, Trade
from trading.selectors import (
    order_history_for_account,
    order_history_for_symbol,
    position_list_open,
    trade_list_for_account,
    trade_list_for_symbol,
    trade_ohlcv,
)

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


def columns(objects: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(getattr(o, f.attname) for f in o._meta.concrete_fields) for o in objects]


@pytest.fixture
def account() -> Account:
    user = User.objects.create(username="trader", email="t@x", password_hash="h")
    return Account.objects.create(user=user, account_number="A-1", balance=Decimal("1000"))


@pytest.fixture
def positions(account: Account) -> list[Position]:
    return [
        Position.objects.create(
            account=account,
            symbol=symbol,
            side="BUY",
            volume=Decimal("1.5"),
            open_price=Decimal("1.0845"),
            open_time=NOW + datetime.timedelta(minutes=minute),
            status=status,
        )
        for minute, (symbol, status) in enumerate(
            [("EURUSD", "OPEN"), ("XAUUSD", "OPEN"), ("GBPUSD", "CLOSED"), ("EURUSD", "OPEN")]
        )
    ]


OPEN_BY_SYMBOL = CompiledQuery(
    lambda account_id, symbol=None: (
        Position.objects.filter(account_id=account_id, status="OPEN")
        .filter(**({"symbol": symbol} if symbol is not None else {}))
        .order_by("-open_time", "id")
    )
)


@pytest.mark.django_db
@pytest.mark.parametrize("symbol", [None, "EURUSD", "XAUUSD", "USDJPY"])
@pytest.mark.parametrize("limit", [None, 1, 2, 10])
def test_success_compiled_rows_equal_the_querysets(
    account: Account, positions: list[Position], symbol: str | None, limit: int | None
) -> None:
    queryset = Position.objects.filter(account_id=account.pk, status="OPEN").order_by(
        "-open_time", "id"
    )
    if symbol is not None:
        queryset = queryset.filter(symbol=symbol)
    expected = list(queryset[:limit] if limit is not None else queryset)
    found = OPEN_BY_SYMBOL.fetch(account_id=account.pk, symbol=symbol, limit=limit)
    assert columns(found) == columns(expected)
    assert expected or symbol == "USDJPY"


@pytest.mark.django_db
def test_success_values_are_prepared_by_the_field_they_are_compared_with(
    account: Account, positions: list[Position]
) -> None:
    by_text = OPEN_BY_SYMBOL.fetch(account_id=str(account.pk))
    assert [p.symbol for p in by_text] == ["EURUSD", "XAUUSD", "EURUSD"]
    with pytest.raises(ValueError, match="expected a number but got 'seven'"):
        OPEN_BY_SYMBOL.fetch(account_id="seven")


@pytest.mark.django_db
def test_success_a_naive_datetime_is_read_as_utc_with_djangos_warning(account: Account) -> None:
    alert = RiskAlert.objects.create(
        id="a1", account=account, alert_type="MARGIN", severity="HIGH", message="m"
    )
    alerts = CompiledQuery(
        lambda since: RiskAlert.objects.filter(created_at__gte=since).order_by("id")
    )
    naive = (alert.created_at - datetime.timedelta(seconds=1)).replace(tzinfo=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [a.id for a in alerts.fetch(since=naive)] == ["a1"]
    assert "received a naive datetime" in str(caught[0].message)


@pytest.mark.django_db
def test_success_none_means_not_given(account: Account) -> None:
    for number, severity in enumerate(["HIGH", "LOW", "HIGH"]):
        RiskAlert.objects.create(
            id=f"a{number}", account=account, alert_type="MARGIN", severity=severity, message="m"
        )
    assert {a.id for a in risk_alert_list_unacknowledged(severity=None)} == {"a0", "a1", "a2"}
    assert {a.id for a in risk_alert_list_unacknowledged(severity="HIGH")} == {"a0", "a2"}
    assert risk_alert_list_unacknowledged(severity="HIGH", limit=0) == []


@pytest.mark.django_db
def test_success_each_limit_is_its_own_statement(
    account: Account, positions: list[Position]
) -> None:
    with CaptureQueriesContext(connection) as sent:
        position_list_open(account_id=account.pk, limit=1)
        position_list_open(account_id=account.pk, limit=2)
    assert ["LIMIT 1" in q["sql"] for q in sent.captured_queries] == [True, False]
    assert "LIMIT 2" in sent.captured_queries[1]["sql"]


@pytest.mark.parametrize("limit", [-1, 1.5, True, "10"])
def test_error_a_limit_must_be_a_non_negative_int(limit: Any) -> None:
    with pytest.raises(ValueError, match="limit must be a non-negative int"):
        position_list_open(account_id=1, limit=limit)


@pytest.mark.django_db
def test_error_queries_that_load_more_than_rows_are_refused() -> None:
    joined = CompiledQuery(lambda account_id: Position.objects.select_related("account"))
    with pytest.raises(TypeError, match="a compiled query returns whole model rows"):
        joined.fetch(account_id=1)


@pytest.mark.django_db
def test_error_a_value_the_query_does_not_use_is_refused() -> None:
    ignoring = CompiledQuery(lambda account_id, symbol=None: Position.objects.filter(id=account_id))
    assert ignoring.fetch(account_id=1) == []
    with pytest.raises(TypeError, match="the query does not use symbol"):
        ignoring.fetch(account_id=1, symbol="EURUSD")


@pytest.mark.django_db
def test_success_loaded_instances_behave_like_djangos(
    account: Account, positions: list[Position]
) -> None:
    [first, *_] = position_list_open(account_id=account.pk)
    assert (first._state.adding, first._state.db) == (False, "default")
    assert first == positions[0] and first.account == account
    first.volume = Decimal("2.5")
    first.save()
    assert Position.objects.count() == 4
    assert Position.objects.get(pk=first.pk).volume == Decimal("2.5")
    first.refresh_from_db()
    assert first.volume == Decimal("2.50000")


@pytest.mark.django_db
def test_success_post_init_receivers_still_see_every_instance(
    account: Account, positions: list[Position]
) -> None:
    seen: list[int] = []

    def receiver(sender: type, instance: Position, **kwargs: Any) -> None:
        seen.append(id(instance))

    post_init.connect(receiver, sender=Position)
    try:
        loaded = position_list_open(account_id=account.pk)
    finally:
        post_init.disconnect(receiver, sender=Position)
    assert sorted(seen) == sorted(id(p) for p in loaded) and len(seen) == 3


@pytest.mark.django_db
def test_success_json_columns_and_composite_keys_load_as_with_django() -> None:
    AdminAuditLog.objects.create(
        admin_username="a", action="update", resource_type="account", details={"n": [1, 2]}
    )
    SymbolCorrelation.objects.create(symbol1="EURUSD", symbol2="GBPUSD", correlation=Decimal("0.9"))
    audit = CompiledQuery(lambda action: AdminAuditLog.objects.filter(action=action))
    [entry] = audit.fetch(action="update")
    assert entry.details == {"n": [1, 2]}
    pairs = CompiledQuery(lambda symbol1: SymbolCorrelation.objects.filter(symbol1=symbol1))
    [pair] = pairs.fetch(symbol1="EURUSD")
    assert (pair.pk, pair.correlation) == (("EURUSD", "GBPUSD"), Decimal("0.9000"))


@pytest.mark.django_db
def test_success_values_queries_return_dicts_per_shape(account: Account) -> None:
    order = Order.objects.create(
        account=account, symbol="EURUSD", side="BUY", order_type="MARKET", volume=Decimal(1)
    )
    for minute, price in [(1, "1.10"), (2, "1.30"), (61, "1.20")]:
        Trade.objects.create(
            order=order,
            account=account,
            symbol="EURUSD",
            side="BUY",
            volume=Decimal(1),
            price=Decimal(price),
            executed_at=NOW + datetime.timedelta(minutes=minute),
        )
    window = {"symbol": "EURUSD", "start": NOW, "end": NOW + datetime.timedelta(hours=2)}
    hourly = trade_ohlcv(**window, interval=datetime.timedelta(hours=1))
    daily = trade_ohlcv(**window, interval=datetime.timedelta(days=1))
    assert [(b["bucket"], b["open"], b["close"], b["fills"]) for b in hourly] == [
        (NOW, Decimal("1.1"), Decimal("1.3"), 2),
        (NOW + datetime.timedelta(hours=1), Decimal("1.2"), Decimal("1.2"), 1),
    ]
    assert [(b["high"], b["low"], b["fills"]) for b in daily] == [
        (Decimal("1.3"), Decimal("1.1"), 3)
    ]


@pytest.mark.django_db
def test_success_timestamps_are_the_right_instants_whatever_the_session_time_zone(
    account: Account, positions: list[Position]
) -> None:
    [first, *_] = position_list_open(account_id=account.pk)
    assert first.open_time == NOW and first.open_time.tzinfo is UTC
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Asia/Tokyo'")
        cursor.execute("SELECT open_time FROM positions WHERE id = %s", [first.pk])
        [(read,)] = cursor.fetchall()
    assert read == NOW


@pytest.mark.django_db
def test_success_cursors_read_timestamptz_with_psycopgs_own_loader() -> None:
    """Django's loader is a Python subclass run per value; ours is psycopg's C one."""
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader is psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("selector", "model", "key", "time_column"),
    [
        (trade_list_for_account, Trade, "account_id", "executed_at"),
        (trade_list_for_symbol, Trade, "symbol", "executed_at"),
        (order_history_for_account, OrderHistory, "account_id", "order_time"),
        (order_history_for_symbol, OrderHistory, "symbol", "order_time"),
    ],
)
def test_success_time_window_lists_equal_the_querysets(
    account: Account, selector: Any, model: Any, key: str, time_column: str
) -> None:
    other = Account.objects.create(user=account.user, account_number="A-2")
    order = Order.objects.create(
        account=account, symbol="EURUSD", side="BUY", order_type="MARKET", volume=Decimal(1)
    )
    for hour in range(6):
        for owner, symbol in [(account, "EURUSD"), (other, "XAUUSD"), (account, "XAUUSD")]:
            row = {"account": owner, "symbol": symbol, "side": "BUY", "volume": Decimal(1)}
            moment = {time_column: NOW + datetime.timedelta(hours=hour)}
            if model is Trade:
                model.objects.create(order=order, price=Decimal("1.1"), **row, **moment)
            else:
                model.objects.create(price=Decimal("1.1"), **row, **moment)
    value = account.pk if key == "account_id" else "XAUUSD"
    start, end = NOW + datetime.timedelta(hours=1), NOW + datetime.timedelta(hours=5)
    expected = model.objects.filter(
        **{key: value, f"{time_column}__gte": start, f"{time_column}__lt": end}
    ).order_by(f"-{time_column}", "-id")
    found = selector(**{key: value}, start=start, end=end, limit=5)
    assert columns(found) == columns(list(expected[:5])) and len(found) == 5


@pytest.mark.django_db
def test_success_values_keep_the_order_they_were_asked_in(
    account: Account, positions: list[Position]
) -> None:
    def build(account_id: Any) -> Any:
        return (
            Position.objects.filter(account_id=account_id)
            .annotate(opened=F("open_time"))
            .values("opened", "symbol")
            .order_by("opened")
        )

    found = CompiledQuery(build).fetch(account_id=account.pk)
    assert found == list(build(account.pk)) and found[0] == {"opened": NOW, "symbol": "EURUSD"}


@pytest.mark.django_db
def test_success_a_float_is_rounded_as_django_rounds_it(positions: list[Position]) -> None:
    below = CompiledQuery(lambda bound: Position.objects.filter(id__lt=bound).order_by("id"))
    bound = positions[1].pk + 0.5
    assert columns(below.fetch(bound=bound)) == columns(
        list(Position.objects.filter(id__lt=bound).order_by("id"))
    )
    assert len(below.fetch(bound=bound)) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda symbols: Position.objects.filter(symbol__in=symbols),
            "Param 'symbols': a 'in' lookup cannot be compiled; only =, <, <=, >, >= can",
        ),
        (
            lambda since: Position.objects.filter(
                Exists(Order.objects.filter(account_id=OuterRef("account_id"), created_at=since))
            ),
            "Param 'since' must be compared with a field (=, <, <=, >, >=) in the query's own",
        ),
    ],
)
def test_error_a_param_outside_a_plain_comparison_is_refused(build: Any, message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        CompiledQuery(build).fetch(**{build.__code__.co_varnames[0]: ["EURUSD"]})


@pytest.mark.django_db
def test_success_what_the_session_decides_keys_the_statement(
    account: Account, positions: list[Position]
) -> None:
    builds, session = [], ["plain"]

    def build(account_id: Any) -> Any:
        builds.append(session[0])
        return Position.objects.filter(account_id=account_id)

    query = CompiledQuery(build, depends_on=lambda connection: session[0])
    query.fetch(account_id=account.pk)
    query.fetch(account_id=account.pk)
    session[0] = "timescaledb"
    assert len(query.fetch(account_id=account.pk)) == 4
    assert builds == ["plain", "timescaledb"]
