"""The database itself refuses to rewrite admin_audit_log."""

import pytest
from django.db import DatabaseError, connection, transaction

from adminpanel.models import AdminAuditLog, AdminUser

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> AdminAuditLog:
    admin = AdminUser.objects.create_user("ann", "ann@rtx.test", "pw", role="admin")
    return AdminAuditLog.objects.create(
        admin=admin, admin_username="ann", action="update", resource_type="accounts"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE admin_audit_log SET action = 'nothing happened'",
        "UPDATE admin_audit_log SET admin_id = NULL, reason = 'cover-up'",
        "DELETE FROM admin_audit_log",
        "TRUNCATE admin_audit_log",
    ],
)
def test_error_rewriting_is_refused(entry: AdminAuditLog, statement: str) -> None:
    with (
        pytest.raises(DatabaseError, match="admin_audit_log is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    entry.refresh_from_db()
    assert (entry.action, entry.reason) == ("update", None)


def test_error_the_orm_cannot_rewrite_either(entry: AdminAuditLog) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AdminAuditLog.objects.filter(pk=entry.pk).update(action="x")


def test_success_deleting_the_admin_only_clears_admin_id(entry: AdminAuditLog) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM admin_users WHERE username = 'ann'")
    entry.refresh_from_db()
    assert (entry.admin_id, entry.admin_username, entry.action) == (None, "ann", "update")


def test_success_the_documented_retention_purge(entry: AdminAuditLog) -> None:
    recent = AdminAuditLog.objects.create(admin_username="ann", action="login", resource_type="s")
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE admin_audit_log DISABLE TRIGGER admin_audit_log_append_only;"
            "DELETE FROM admin_audit_log WHERE id = %s;"
            "ALTER TABLE admin_audit_log ENABLE TRIGGER admin_audit_log_append_only;",
            [entry.pk],
        )
    assert list(AdminAuditLog.objects.values_list("pk", flat=True)) == [recent.pk]
    with pytest.raises(DatabaseError), transaction.atomic():
        AdminAuditLog.objects.all().delete()
