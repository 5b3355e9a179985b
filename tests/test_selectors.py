"""The services' reads on the real database: plain querysets, with Django's meaning of values.

Each selector must return what the queryset it is made of returns, for any values, and
read timestamps as the right instants.
"""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Count, DateTimeField, Func, Max, Min, Sum, Value
from django.test.utils import CaptureQueriesContext
from psycopg.pq import Format

from accounts.models import Account, User
from adminpanel.models import AdminAuditLog
from adminpanel.selectors import audit_log_containing, audit_log_list, audit_log_search
from risk.models import RiskAlert, SymbolCorrelation
from risk.selectors import risk_alert_list_unacknowledged, symbol_correlation_get
from rtx.db.functions import UTCDate
from rtx.db.timebucket import TIME_BUCKET_ORIGIN, next_bucket_start
from trading.models import Order, OrderHistory, Position, Trade
from trading.selectors import (
    order_counts_per_account_per_day,
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
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=UTC)
MINUTE = datetime.timedelta(minutes=1)


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


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [0, 1, 2, 10])
def test_success_open_positions_are_the_querysets_rows(
    account: Account, positions: list[Position], limit: int
) -> None:
    expected = Position.objects.filter(account=account, status="OPEN").order_by("open_time", "id")
    found = position_list_open(account_id=account.pk, limit=limit)
    assert columns(found) == columns(list(expected[:limit]))
    assert len(found) == min(limit, 3)


@pytest.mark.django_db
def test_success_a_value_is_prepared_by_its_field_as_django_prepares_it(
    account: Account, positions: list[Position]
) -> None:
    by_text = position_list_open(account_id=str(account.pk))  # type: ignore[arg-type]
    assert [p.symbol for p in by_text] == ["EURUSD", "XAUUSD", "EURUSD"]
    with pytest.raises(ValueError, match="expected a number but got 'seven'"):
        position_list_open(account_id="seven")  # type: ignore[arg-type]


@pytest.mark.django_db
def test_success_none_means_null_and_a_left_out_filter_means_any(account: Account) -> None:
    for number, severity in enumerate(["HIGH", "LOW", "HIGH"]):
        RiskAlert.objects.create(
            id=f"a{number}", account=account, alert_type="MARGIN", severity=severity, message="m"
        )
    assert {a.id for a in risk_alert_list_unacknowledged()} == {"a0", "a1", "a2"}
    assert {a.id for a in risk_alert_list_unacknowledged(severity="HIGH")} == {"a0", "a2"}
    assert risk_alert_list_unacknowledged(severity=None) == []  # severity IS NULL: none

    AdminAuditLog.objects.create(admin_username="SYSTEM", action="rotate", resource_type="fix")
    start, end = NOW - datetime.timedelta(days=3650), NOW + datetime.timedelta(days=3650)
    assert [e.admin_username for e in audit_log_list(start=start, end=end, admin_id=None)] == [
        "SYSTEM"
    ]
    assert audit_log_list(start=start, end=end, admin_id=None, resource_id=7) == []


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
def test_success_a_correlation_is_found_in_either_order_with_one_query() -> None:
    SymbolCorrelation.objects.create(symbol1="EURUSD", symbol2="GBPUSD", correlation=Decimal("0.9"))
    SymbolCorrelation.objects.create(symbol1="XAUUSD", symbol2="XAGUSD", correlation=Decimal("0.8"))
    SymbolCorrelation.objects.create(symbol1="XAGUSD", symbol2="XAUUSD", correlation=Decimal("0.7"))
    with CaptureQueriesContext(connection) as sent:
        reversed_pair = symbol_correlation_get(symbol_a="GBPUSD", symbol_b="EURUSD")
    assert reversed_pair is not None and reversed_pair.correlation == Decimal("0.9000")
    assert len(sent.captured_queries) == 1
    both = symbol_correlation_get(symbol_a="XAGUSD", symbol_b="XAUUSD")
    assert both is not None and both.correlation == Decimal("0.7000")  # as asked
    assert symbol_correlation_get(symbol_a="EURUSD", symbol_b="USDJPY") is None


def add_trades(account: Account, prices_by_minute: list[tuple[float, str]]) -> None:
    order = Order.objects.create(
        account=account, symbol="EURUSD", side="BUY", order_type="MARKET", volume=Decimal(1)
    )
    for minutes, price in prices_by_minute:
        Trade.objects.create(
            order=order,
            account=account,
            symbol="EURUSD",
            side="BUY",
            volume=Decimal(1),
            price=Decimal(price),
            trade_type="OPEN",
            executed_at=NOW + datetime.timedelta(minutes=minutes),
        )


@pytest.mark.django_db
def test_success_ohlcv_buckets_are_the_trades_of_their_minutes(account: Account) -> None:
    # Two fills at the same instant: the lower id opens and the higher id closes.
    add_trades(account, [(1, "1.10"), (2, "1.30"), (2, "1.25"), (61, "1.20"), (121, "9.99")])
    window = {"symbol": "EURUSD", "start": NOW, "end": NOW + datetime.timedelta(hours=2)}
    hourly = trade_ohlcv(**window, interval=datetime.timedelta(hours=1))
    assert [(b.bucket, b.open, b.close, b.fills) for b in hourly] == [
        (NOW, Decimal("1.1"), Decimal("1.25"), 3),
        (NOW + datetime.timedelta(hours=1), Decimal("1.2"), Decimal("1.2"), 1),
    ]
    [daily] = trade_ohlcv(**window, interval=datetime.timedelta(days=1))
    assert (daily.high, daily.low, daily.volume, daily.fills) == (
        Decimal("1.3"),
        Decimal("1.1"),
        Decimal(4),
        4,
    )
    # A start within a minute counts from the next minute, as the minutes' summaries do.
    late = trade_ohlcv(**{**window, "start": NOW + datetime.timedelta(seconds=90)}, interval=MINUTE)
    assert [b.fills for b in late] == [2, 1]


def date_bin(width: datetime.timedelta, column: str) -> Func:
    origin = Value(TIME_BUCKET_ORIGIN, output_field=DateTimeField())
    return Func(Value(width), column, origin, function="date_bin", output_field=DateTimeField())


@pytest.mark.django_db
def test_success_ohlcv_rows_equal_a_queryset_over_trades(account: Account) -> None:
    add_trades(account, [(m, f"1.{m % 7}{m % 3}") for m in range(0, 180, 7)])
    interval, start, end = datetime.timedelta(minutes=15), NOW, NOW + datetime.timedelta(hours=3)
    by_time = ("executed_at", "id")
    expected = (
        Trade.objects.filter(symbol="EURUSD", executed_at__gte=start, executed_at__lt=end)
        .values(bucket=date_bin(interval, "executed_at"))
        .annotate(
            prices=ArrayAgg("price", order_by=by_time),
            high=Max("price"),
            low=Min("price"),
            volume=Sum("volume"),
            fills=Count("id"),
        )
        .order_by("bucket")
    )
    found = trade_ohlcv(symbol="EURUSD", start=start, end=end, interval=interval)
    assert [dataclasses.astuple(candle) for candle in found] == [
        (r["bucket"], r["prices"][0], r["high"], r["low"], r["prices"][-1], r["volume"], r["fills"])
        for r in expected
    ]


@pytest.mark.parametrize("interval", [datetime.timedelta(seconds=30), datetime.timedelta(0)])
def test_error_ohlcv_buckets_are_whole_minutes(interval: datetime.timedelta) -> None:
    with pytest.raises(ValueError, match="interval must be a positive whole number of minutes"):
        trade_ohlcv(symbol="EURUSD", start=NOW, end=NOW, interval=interval)


@pytest.mark.django_db
def test_success_daily_order_counts_per_account(account: Account) -> None:
    other = Account.objects.create(user=account.user, account_number="A-2")
    for owner, hours in [(account, [0, 1, 30]), (other, [2])]:
        for hour in hours:
            OrderHistory.objects.create(
                account=owner,
                symbol="EURUSD",
                side="BUY",
                volume=1,
                price=1,
                order_time=NOW + datetime.timedelta(hours=hour),
            )
    day = NOW.replace(hour=0)
    found = order_counts_per_account_per_day(start=day, end=day + datetime.timedelta(days=3))
    date, next_date = day.date(), day.date() + datetime.timedelta(days=1)
    assert [dataclasses.astuple(r) for r in found] == [
        (account.pk, date, 2),
        (other.pk, date, 1),
        (account.pk, next_date, 1),
    ]
    expected = (
        OrderHistory.objects.values("account_id", day=UTCDate("order_time"))
        .annotate(orders=Count("*"))
        .order_by("day", "account_id")
    )
    assert [dataclasses.asdict(r) for r in found] == list(expected)
    later = order_counts_per_account_per_day(start=NOW, end=day + datetime.timedelta(days=2))
    assert [dataclasses.astuple(r) for r in later] == [(account.pk, next_date, 1)]


@pytest.mark.parametrize(
    ("moment", "width", "expected"),
    [
        (NOW, MINUTE, NOW),
        (NOW + datetime.timedelta(seconds=1), MINUTE, NOW + MINUTE),
        (NOW, datetime.timedelta(days=1), NOW.replace(hour=0) + datetime.timedelta(days=1)),
        (EPOCH, datetime.timedelta(days=7), datetime.datetime(2000, 1, 3, tzinfo=UTC)),
    ],
)
def test_success_next_bucket_start(
    moment: datetime.datetime, width: datetime.timedelta, expected: datetime.datetime
) -> None:
    assert next_bucket_start(moment, width) == expected


def plan_of(statement: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_success_audit_details_by_json_containment_through_its_index() -> None:
    for account_id, action in [(42, "update"), (7, "update"), (42, "delete")]:
        AdminAuditLog.objects.create(
            admin_username="ann",
            action=action,
            resource_type="accounts",
            details={"account_id": account_id, "changes": {"status": {"before": "A"}}},
        )
    AdminAuditLog.objects.create(admin_username="ann", action="login", resource_type="session")
    with CaptureQueriesContext(connection) as sent:
        found = list(audit_log_containing(details={"account_id": 42}))
    assert [e.action for e in found] == ["delete", "update"]
    assert audit_log_containing(details={"changes": {"status": {}}}).count() == 3
    lookup, by_id = (query["sql"] for query in sent.captured_queries[-2:])
    assert "admin_audit_log_details_path_idx" in plan_of(lookup)
    assert "@>" not in by_id and " = ANY(" in by_id


def log_after_2000_entries(copies: int, details: dict[str, Any]) -> None:
    """2,000 audit entries of other details, then ``copies`` holding ``details``, the newest."""
    AdminAuditLog.objects.bulk_create(
        AdminAuditLog(admin_username="x", action="update", resource_type="r", details={"n": n})
        for n in range(2_000)
    )
    for _ in range(copies):
        AdminAuditLog.objects.create(
            admin_username="x", action="update", resource_type="r", details=details
        )


@pytest.mark.django_db
@pytest.mark.parametrize("copies", [1, 40])
def test_success_audit_containment_reads_a_common_match_in_the_log_order(copies: int) -> None:
    """A document in 2% of the newest entries is read in the log's order; a rarer one by id."""
    log_after_2000_entries(copies, {"note": "needle"})
    with CaptureQueriesContext(connection) as sent:
        found = list(audit_log_containing(details={"note": "needle"}))
    assert len(found) == copies and all(e.details == {"note": "needle"} for e in found)
    assert ("@>" in sent.captured_queries[-1]["sql"]) == (copies == 40)


@pytest.mark.django_db
@pytest.mark.parametrize("wanted", [[], [2], [4, 1, 4], (3, 99)])
def test_success_any_of_selects_what_in_selects(wanted: Any) -> None:
    ids = [
        entry.id
        for entry in AdminAuditLog.objects.bulk_create(
            AdminAuditLog(admin_username="ann", action="login", resource_type="session")
            for _ in range(4)
        )
    ]
    chosen = [ids[n - 1] if n <= len(ids) else n * 1000 for n in wanted]
    by_array = AdminAuditLog.objects.filter(id__any_of=chosen).order_by("id")
    assert list(by_array) == list(AdminAuditLog.objects.filter(id__in=chosen).order_by("id"))
    assert by_array.count() == len(set(chosen) & set(ids))


@pytest.mark.django_db
def test_fail_any_of_refuses_a_query() -> None:
    with pytest.raises(TypeError, match="any_of takes a list of values, not a query"):
        AdminAuditLog.objects.filter(id__any_of=AdminAuditLog.objects.values("id"))


@pytest.mark.django_db
@pytest.mark.parametrize(("most_ids", "read_by_id"), [(3, True), (2, False)])
def test_success_audit_containment_read_in_the_log_order_past_most_ids(
    monkeypatch: pytest.MonkeyPatch, most_ids: int, read_by_id: bool
) -> None:
    """Up to SEARCH_IDS matches are read by id; more, newest first through the log's order."""
    monkeypatch.setattr("adminpanel.selectors.SEARCH_IDS", most_ids)
    for action in ("login", "update", "delete", "update"):
        AdminAuditLog.objects.create(
            admin_username="ann", action=action, resource_type="accounts", details={"a": 1}
        )
    with CaptureQueriesContext(connection) as sent:
        found = list(
            audit_log_containing(
                details={"a": 1}, queryset=AdminAuditLog.objects.exclude(action="login")
            )
        )
    assert [e.action for e in found] == ["update", "delete", "update"]
    assert ("@>" not in sent.captured_queries[-1]["sql"]) == read_by_id


@pytest.mark.django_db
@pytest.mark.parametrize("copies", [1, 40])
def test_success_any_text_search_finds_rare_and_common_texts(copies: int) -> None:
    """A text in 2% of the newest entries is read in the log's order; a rarer one by id."""
    log_after_2000_entries(copies, {"note": "Needle"})
    with CaptureQueriesContext(connection) as sent:
        found = list(audit_log_search(text="nEEDLE").order_by("-id"))
    assert len(found) == copies and all(e.details == {"note": "Needle"} for e in found)
    final = sent.captured_queries[-1]["sql"]
    assert ("LIKE" in final) == (copies == 40)
    if copies == 1:
        lookup = sent.captured_queries[-2]["sql"]
        assert "admin_audit_log_details_trgm_idx" in plan_of(lookup)
