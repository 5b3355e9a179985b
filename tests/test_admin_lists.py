"""The back office's lists on big tables: what they show, and the SQL they send to show it.

The rules (rtx/backoffice/): no COUNT(*) of a whole big table, date navigation without
DISTINCT, filters and search that indexes serve, deep pages read by key.
"""

import datetime
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, User
from adminpanel.models import AdminAuditLog, AdminUser
from rtx.backoffice import paginator
from trading.models import Order, Trade

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TRADES = "/admin/trading/trade/"


@pytest.fixture
def client() -> Client:
    client = Client()
    client.force_login(AdminUser.objects.create_user("boss", "b@rtx.test", "x", role="admin"))
    return client


@pytest.fixture
def account() -> Account:
    user = User.objects.create(username="trader", email="t@rtx.test", password_hash="x")
    return Account.objects.create(user=user, account_number="RTX10000042")


@pytest.fixture
def trades(account: Account) -> list[Trade]:
    """Eight fills from 2025-12-30 to 2026-01-02, four days, one symbol each other day."""
    order = Order.objects.create(
        account=account, symbol="EURUSD", side="BUY", order_type="MARKET", volume=8
    )
    start = datetime.datetime(2025, 12, 30, 9, tzinfo=UTC)
    return [
        Trade.objects.create(
            account=account,
            order=order,
            symbol="EURUSD" if n % 2 else "XAUUSD",
            side="BUY",
            volume=Decimal(1),
            price=Decimal("1.1"),
            trade_type="OPEN" if n == 0 else "INCREASE",
            executed_at=start + datetime.timedelta(hours=12 * n),
        )
        for n in range(8)
    ]


def page(client: Client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as sent:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), [query["sql"] for query in sent.captured_queries]


def listed_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'name="_selected_action" value="(\d+)"', html)]


@pytest.fixture
def exact_up_to_three(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(paginator, "EXACT_UP_TO", 3)
    yield


def test_success_a_small_result_is_counted_exactly(client: Client, trades: list[Trade]) -> None:
    html, sent = page(client, TRADES)
    assert re.search(r"\s8 trades\s", html) and "estimated" not in html
    [count] = [sql for sql in sent if "COUNT(" in sql]
    assert "LIMIT 10001" in count


def test_success_past_the_limit_the_count_is_the_planners_estimate(
    client: Client, trades: list[Trade], exact_up_to_three: None
) -> None:
    html, sent = page(client, TRADES)
    estimate = re.search(r"about (\d+) trades \(estimated\)", html)
    assert estimate, html
    assert any(sql.startswith("EXPLAIN (FORMAT json)") for sql in sent)
    assert not [sql for sql in sent if "COUNT(" in sql and "LIMIT" not in sql]
    searched, _ = page(client, f"{TRADES}?q=EURUSD")
    assert "results, estimated" in searched


def test_success_deep_pages_read_their_keys_first(
    client: Client, trades: list[Trade], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paginator, "KEYS_ONLY_FROM", 2)
    monkeypatch.setattr("trading.admin.TradeAdmin.list_per_page", 3)
    html, sent = page(client, f"{TRADES}?p=2")
    newest_first = sorted((t.pk for t in trades), reverse=True)
    assert listed_ids(html) == newest_first[3:6]
    assert any(re.search(r'SELECT "trades"\."id" AS "pk" FROM "trades"', sql) for sql in sent)


def test_success_date_navigation_spans_the_first_and_last_date_without_distinct(
    client: Client, trades: list[Trade]
) -> None:
    html, sent = page(client, TRADES)
    years = re.findall(r'<a href="\?executed_at__year=(\d+)">', html)
    assert years == ["2025", "2026"]
    assert not [sql for sql in sent if "DISTINCT" in sql]
    html, _ = page(client, f"{TRADES}?executed_at__year=2025")
    assert re.findall(r"executed_at__month=(\d+)", html) == ["12"]
    html, sent = page(client, f"{TRADES}?executed_at__month=12&executed_at__year=2025")
    assert re.findall(r"executed_at__day=(\d+)", html) == ["30", "31"]
    html, sent = page(
        client, f"{TRADES}?executed_at__day=31&executed_at__month=12&executed_at__year=2025"
    )
    assert sorted(listed_ids(html)) == [trades[2].pk, trades[3].pk]
    [listing] = [sql for sql in sent if 'FROM "trades"' in sql and "ORDER BY" in sql]
    assert 'ORDER BY "trades"."executed_at" DESC' in listing  # the date's index serves it


def test_success_a_filter_finds_a_columns_values_through_its_index(client: Client) -> None:
    for number, status in enumerate(["SUSPENDED", "ACTIVE", None, "SUSPENDED"]):
        User.objects.create(
            username=f"u{number}", email=f"u{number}@x", password_hash="x", status=status
        )
    html, sent = page(client, "/admin/accounts/user/")
    assert re.findall(r'href="\?status=(\w+)"', html) == ["ACTIVE", "SUSPENDED"]
    assert 'href="?status__isnull=True"' in html
    assert [sql for sql in sent if "WITH RECURSIVE" in sql and '"status"' in sql]
    assert not [sql for sql in sent if "DISTINCT" in sql]
    html, _ = page(client, "/admin/accounts/user/?status=SUSPENDED")
    assert len(listed_ids(html)) == 2


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("EURUSD", lambda trades: [t for t in trades if t.symbol == "EURUSD"]),
        ("RTX10000042", lambda trades: trades),
        ("eurusd", lambda trades: []),  # whole values, as stored
        ("EUR", lambda trades: []),
        ("first", lambda trades: []),
    ],
)
def test_success_search_matches_whole_values_of_indexed_columns(
    client: Client, trades: list[Trade], term: str, expected: Any
) -> None:
    html, sent = page(client, f"{TRADES}?q={term}")
    assert sorted(listed_ids(html)) == sorted(t.pk for t in expected(trades))
    assert not [sql for sql in sent if "LIKE" in sql or ("JOIN" in sql and "COUNT(" in sql)]
    assert "Finds exact values of: ID, symbol, account number, order." in html


def test_success_search_by_id_and_by_the_trades_order(client: Client, trades: list[Trade]) -> None:
    html, _ = page(client, f"{TRADES}?q={trades[3].pk}")
    assert trades[3].pk in listed_ids(html)
    html, _ = page(client, f"{TRADES}?q={trades[0].order_id}")
    assert sorted(listed_ids(html)) == sorted(t.pk for t in trades)


def test_success_audit_details_searched_by_json_containment_and_by_text(client: Client) -> None:
    for account_id in (42, 7, 42):
        AdminAuditLog.objects.create(
            admin_username="ann",
            action="update",
            resource_type="accounts",
            details={"account_id": account_id, "note": f"account {account_id}"},
        )
    url = "/admin/adminpanel/adminauditlog/"
    html, sent = page(client, url + '?q={"account_id": 42}')
    assert len(listed_ids(html)) == 0  # read-only: no selection boxes
    assert html.count('class="field-resource_id"') == 2
    assert any('"details" @>' in sql for sql in sent)
    html, _ = page(client, url + "?q=ACCOUNT 7")
    assert html.count('class="field-resource_id"') == 1
