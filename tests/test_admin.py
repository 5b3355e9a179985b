"""The back office: roles on every admin page, login rules, and the audit rows of each action."""

from decimal import Decimal
from typing import Any

import bcrypt
import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, TradingGroup, User
from adminpanel.models import AdminAuditLog, AdminStatus, AdminUser, GroupSymbolSettings
from fixapi.models import FixCredential, FixSession
from risk.models import LiquidationEvent, RiskAlert, SymbolCorrelation
from trading.models import Order, OrderHistory, Position, Trade

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def make_admin(username: str, role: str, **fields: Any) -> AdminUser:
    return AdminUser.objects.create_user(
        username, f"{username}@rtx.test", PASSWORD, role=role, **fields
    )


@pytest.fixture
def account() -> Account:
    user = User.objects.create(username="trader", email="t@rtx.test", password_hash="x")
    return Account.objects.create(user=user, account_number="A-1", balance=Decimal("100.00000"))


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(make_admin(f"{role}_user", role))
    return client


def account_form(account: Account, **changes: Any) -> dict[str, Any]:
    data = {
        "user": account.user_id,
        "account_number": account.account_number,
        "account_type": "DEMO",
        "currency": "USD",
        "balance": "100.00000",
        "equity": "0",
        "margin": "0",
        "free_margin": "0",
        "margin_level": "0",
        "leverage": "100",
        "credit": "0",
        "peak_equity": "0",
        "status": "ACTIVE",
    }
    for prefix in ("positions", "orders"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


# -- roles -------------------------------------------------------------------------------

RBAC_MATRIX = [
    # (url template, method, expected status for super_admin, admin, support)
    ("/admin/accounts/account/", "get", (200, 200, 200)),
    ("/admin/accounts/account/add/", "get", (200, 200, 403)),
    ("/admin/accounts/account/{pk}/delete/", "get", (200, 200, 403)),
    ("/admin/adminpanel/adminuser/", "get", (200, 200, 200)),
    ("/admin/adminpanel/adminuser/add/", "get", (200, 403, 403)),
    ("/admin/adminpanel/adminauditlog/", "get", (200, 200, 200)),
    ("/admin/adminpanel/adminauditlog/add/", "get", (403, 403, 403)),
    ("/admin/risk/symbolcorrelation/", "get", (200, 200, 200)),
]


@pytest.mark.parametrize(("url", "method", "expected"), RBAC_MATRIX)
def test_rbac_matrix_pages(account: Account, url: str, method: str, expected: tuple) -> None:
    for role, status in zip(("super_admin", "admin", "support"), expected, strict=True):
        response = getattr(client_for(role), method)(url.format(pk=account.pk))
        assert response.status_code == status, (role, url)


@pytest.mark.parametrize(
    ("role", "allowed"), [("super_admin", True), ("admin", True), ("support", False)]
)
def test_rbac_changing_an_account(account: Account, role: str, allowed: bool) -> None:
    response = client_for(role).post(
        f"/admin/accounts/account/{account.pk}/change/", account_form(account, balance="250.5")
    )
    account.refresh_from_db()
    assert (response.status_code, account.balance) == (
        (302, Decimal("250.50000")) if allowed else (403, Decimal("100.00000"))
    )


@pytest.mark.parametrize(
    ("role", "allowed"), [("super_admin", True), ("admin", False), ("support", False)]
)
def test_rbac_changing_an_admin_user(role: str, allowed: bool) -> None:
    target = make_admin("target", "support")
    response = client_for(role).post(
        f"/admin/adminpanel/adminuser/{target.pk}/change/",
        {"username": "target", "email": "target@rtx.test", "role": "admin", "status": "ACTIVE"},
    )
    target.refresh_from_db()
    assert response.status_code == (302 if allowed else 403)
    assert target.role == ("admin" if allowed else "support")


@pytest.mark.parametrize("role", ["super_admin", "admin", "support"])
def test_rbac_nobody_changes_or_deletes_audit_entries(role: str) -> None:
    entry = AdminAuditLog.objects.create(admin_username="x", action="login", resource_type="s")
    client = client_for(role)
    change = client.post(f"/admin/adminpanel/adminauditlog/{entry.pk}/change/", {"action": "x"})
    delete = client.post(f"/admin/adminpanel/adminauditlog/{entry.pk}/delete/", {"post": "yes"})
    assert (change.status_code, delete.status_code) == (403, 403)
    assert AdminAuditLog.objects.filter(pk=entry.pk, action="login").exists()


def test_rbac_support_cannot_bulk_delete(account: Account) -> None:
    client_for("support").post(
        "/admin/accounts/account/",
        {"action": "delete_selected", "_selected_action": [account.pk], "post": "yes"},
    )
    assert Account.objects.filter(pk=account.pk).exists()


def test_every_admin_page_renders_for_a_super_admin(account: Account) -> None:
    client = client_for("super_admin")
    fixtures = seed_one_row_per_table(account)
    for model in (model for model in apps.get_models() if admin.site.is_registered(model)):
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(f"{base}?q=a").status_code == 200, base
        instance = fixtures.get(model) or model._default_manager.first()
        assert instance is not None, model
        assert client.get(f"{base}{instance.pk}/change/").status_code == 200, base


def seed_one_row_per_table(account: Account) -> dict[type, Any]:
    order = Order.objects.create(
        account=account, symbol="EURUSD", side="BUY", order_type="MARKET", volume=1
    )
    position = Position.objects.create(
        account=account, symbol="EURUSD", side="BUY", volume=1, open_price=1
    )
    credential = FixCredential.objects.create(
        user_id="1", sender_comp_id="USER_AAAAAAAA", password_encrypted=b"x"
    )
    SymbolCorrelation.objects.create(symbol1="EURUSD", symbol2="GBPUSD", correlation=Decimal("0.9"))
    return {
        Order: order,
        Position: position,
        Trade: Trade.objects.create(
            account=account,
            order=order,
            position=position,
            symbol="EURUSD",
            side="BUY",
            volume=1,
            price=1,
            trade_type="OPEN",
        ),
        OrderHistory: OrderHistory.objects.create(
            account=account, symbol="EURUSD", side="BUY", volume=1, price=1
        ),
        RiskAlert: RiskAlert.objects.create(
            id="r1", account=account, alert_type="MARGIN", severity="HIGH", message="m"
        ),
        LiquidationEvent: LiquidationEvent.objects.create(
            id="l1", account=account, trigger_reason="margin call"
        ),
        TradingGroup: (group := TradingGroup.objects.create(name="g")),
        GroupSymbolSettings: GroupSymbolSettings.objects.create(group=group, symbol="EURUSD"),
        FixCredential: credential,
        FixSession: FixSession.objects.create(
            session_id="s1", credential=credential, sender_comp_id="USER_AAAAAAAA"
        ),
        AdminAuditLog: AdminAuditLog.objects.create(
            admin_username="x", action="login", resource_type="s"
        ),
    }


def test_fix_credential_page_never_shows_the_encrypted_password() -> None:
    FixCredential.objects.create(
        user_id="9", sender_comp_id="USER_BBBBBBBB", password_encrypted=b"CIPHERTEXT-MARKER"
    )
    page = client_for("super_admin").get("/admin/fixapi/fixcredential/9/change/").content
    assert b"CIPHERTEXT-MARKER" not in page
    assert b"password_encrypted" not in page


def test_symbol_correlations_page_lists_rows_and_the_index_links_it() -> None:
    SymbolCorrelation.objects.create(
        symbol1="EURUSD", symbol2="USDCHF", correlation=Decimal("-0.95")
    )
    client = client_for("support")
    page = client.get("/admin/risk/symbolcorrelation/?q=usdchf").content.decode()
    assert "EURUSD" in page and "-0.9500" in page
    assert "/admin/risk/symbolcorrelation/" in client.get("/admin/").content.decode()


# -- audit rows --------------------------------------------------------------------------


def test_audit_change_records_before_and_after(account: Account) -> None:
    client = client_for("admin")
    client.post(
        f"/admin/accounts/account/{account.pk}/change/",
        account_form(account, balance="250.5"),
        HTTP_USER_AGENT="pytest-agent",
    )
    entry = AdminAuditLog.objects.get(action="update")
    assert (entry.admin_username, entry.resource_type, entry.resource_id) == (
        "admin_user",
        "accounts",
        account.pk,
    )
    assert entry.details["changes"]["balance"] == {"before": "100.00000", "after": "250.50000"}
    assert set(entry.details["changes"]) == {"balance", "updated_at"}
    assert (entry.ip_address, entry.user_agent, entry.status) == (
        "127.0.0.1",
        "pytest-agent",
        "SUCCESS",
    )


def test_audit_add_and_delete_and_bulk_delete(account: Account) -> None:
    client = client_for("super_admin")
    client.post(
        "/admin/accounts/tradinggroup/add/",
        {
            "name": "VIP",
            "execution_mode": "ABOOK",
            "markup": "0",
            "commission": "0",
            "max_leverage": "100",
            "default_balance": "0",
            "margin_mode": "NETTING",
            "status": "ACTIVE",
        },
    )
    group = TradingGroup.objects.get(name="VIP")
    client.post(f"/admin/accounts/tradinggroup/{group.pk}/delete/", {"post": "yes"})
    other = Account.objects.create(user=account.user, account_number="A-2")
    client.post(
        "/admin/accounts/account/",
        {"action": "delete_selected", "_selected_action": [account.pk, other.pk], "post": "yes"},
    )
    actions = list(
        AdminAuditLog.objects.exclude(action="login")
        .order_by("id")
        .values_list("action", "resource_type")
    )
    assert actions == [
        ("create", "trading_groups"),
        ("delete", "trading_groups"),
        ("bulk_delete", "accounts"),
        ("bulk_delete", "accounts"),
    ]
    deleted = AdminAuditLog.objects.filter(action="delete").get()
    assert deleted.resource_id == group.pk
    assert deleted.details["deleted"]["name"] == "VIP"


def test_audit_row_and_change_commit_together(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("rtx.backoffice.audited.audit_record", broken)
    client = client_for("admin")
    with pytest.raises(RuntimeError):
        client.post(
            f"/admin/accounts/account/{account.pk}/change/", account_form(account, balance="999")
        )
    account.refresh_from_db()
    assert account.balance == Decimal("100.00000")


def test_audit_secrets_are_redacted() -> None:
    from rtx.audit import model_values

    values = model_values(make_admin("someone", "admin"))
    assert values["password"] == "[redacted]"
    credential = FixCredential(user_id="1", sender_comp_id="S", password_encrypted=b"secret")
    assert model_values(credential)["password_encrypted"] == "[redacted]"


def test_audit_search_in_details_uses_the_trigram_index() -> None:
    from adminpanel.selectors import audit_log_search

    AdminAuditLog.objects.create(
        admin_username="x",
        action="update",
        resource_type="accounts",
        details={"note": 'Ünïcode "quoted" value'},
    )
    AdminAuditLog.objects.create(admin_username="x", action="update", resource_type="accounts")
    found = audit_log_search(queryset=AdminAuditLog.objects.all(), text='ünïcode \\"quoted')
    assert found.count() == 1
    with CaptureQueriesContext(connection) as sent:
        audit_log_search(queryset=AdminAuditLog.objects.all(), text="quoted")
    [lookup] = [query["sql"] for query in sent.captured_queries if "LIKE" in query["sql"]][-1:]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {lookup}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "admin_audit_log_details_trgm_idx" in plan


# -- login ------------------------------------------------------------------------------


def login(username: str, password: str = PASSWORD, **extra: Any) -> tuple[Client, Any]:
    client = Client(**extra)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return client, response


def test_login_logout_and_failed_login_are_audited() -> None:
    make_admin("ann", "admin")
    client, response = login("ann")
    assert response.status_code == 302
    client.post("/admin/logout/")
    _, failed = login("ann", "wrong")
    assert failed.status_code == 200
    assert list(AdminAuditLog.objects.order_by("id").values_list("action", "status")) == [
        ("login", "SUCCESS"),
        ("logout", "SUCCESS"),
        ("login_failed", "FAILED"),
    ]
    assert AdminUser.objects.get(username="ann").last_login is not None


@pytest.mark.parametrize("status", [AdminStatus.DISABLED, AdminStatus.SUSPENDED])
def test_login_refused_unless_active(status: str) -> None:
    make_admin("bob", "admin", status=status)
    _, response = login("bob")
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    entry = AdminAuditLog.objects.get()
    assert (entry.action, entry.error_message) == ("login_failed", f"admin status is {status}")


@pytest.mark.parametrize(
    ("whitelist", "allowed"),
    [(["10.0.0.0/8"], False), (["10.1.2.3", "127.0.0.0/8"], True), ([], True), (None, True)],
)
def test_login_ip_whitelist(whitelist: list[str] | None, allowed: bool) -> None:
    make_admin("cid", "admin", ip_whitelist=whitelist)
    _, response = login("cid")
    assert response.status_code == (302 if allowed else 200)
    if not allowed:
        assert AdminAuditLog.objects.get().error_message == (
            "address 127.0.0.1 is not in the admin's ip_whitelist"
        )


@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
def test_login_with_a_go_bcrypt_hash_works_and_upgrades_it(prefix: bytes) -> None:
    legacy_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4, prefix=prefix)).decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO admin_users (username, email, password_hash, role) "
            "VALUES ('go', 'go@rtx.test', %s, 'admin')",
            [legacy_hash],
        )
    _, response = login("go")
    assert response.status_code == 302
    stored = AdminUser.objects.get(username="go").password
    assert not stored.startswith(("$2", "bcrypt$"))
    _, again = login("go")
    assert again.status_code == 302


# -- creating admins ---------------------------------------------------------------------


def test_createsuperuser_makes_a_super_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", "--noinput", username="root", email="root@rtx.test", verbosity=0
    )
    assert AdminUser.objects.get(username="root").role == "super_admin"


def test_rtx_create_admin_with_a_role(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    out = io.StringIO()
    call_command(
        "rtx_create_admin",
        "--username",
        "sue",
        "--email",
        "sue@rtx.test",
        "--role",
        "support",
        "--password-stdin",
        stdout=out,
    )
    assert out.getvalue().strip() == "Created support 'sue'."
    sue = AdminUser.objects.get(username="sue")
    assert (sue.role, sue.check_password(PASSWORD)) == ("support", True)
    assert AdminAuditLog.objects.get().details == {"username": "sue", "role": "support"}
    with pytest.raises(CommandError, match="an admin named 'sue' already exists"):
        call_command("rtx_create_admin", "--username", "sue", "--email", "x@x", "--role", "admin")


def test_no_admin_exists_after_migrating() -> None:
    assert AdminUser.objects.count() == 0
