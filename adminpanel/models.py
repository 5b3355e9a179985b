"""Back-office users (the Django admin's login), their audit trail and per-group symbol settings."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Cast, Upper

from accounts.models import TradingGroup
from adminpanel.permissions import role_allows
from rtx.db.constraints import NamedGinIndex, NamedIndex, index, one_of, unique
from rtx.db.fields import money_field, status_field
from rtx.db.functions import CurrentTimestamp

# The Go tool stored bcrypt hashes as they are; Django expects "bcrypt$" before them.
LEGACY_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


class Role(models.TextChoices):
    SUPER_ADMIN = "super_admin", "Super admin"
    ADMIN = "admin", "Admin"
    SUPPORT = "support", "Support"


class AdminStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"
    SUSPENDED = "SUSPENDED"


class AuditStatus(models.TextChoices):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class AdminUserManager(BaseUserManager["AdminUser"]):
    def create_user(
        self, username: str, email: str, password: str | None = None, **fields: object
    ) -> "AdminUser":
        if not username:
            raise ValueError("An admin user needs a username")
        user = self.model(username=username, email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, username: str, email: str, password: str | None = None, **fields: object
    ) -> "AdminUser":
        fields["role"] = Role.SUPER_ADMIN
        return self.create_user(username, email, password, **fields)


class AdminUser(AbstractBaseUser):
    """The admin's user model (AUTH_USER_MODEL) on the legacy admin_users table.

    Django's ``password`` is stored in the legacy ``password_hash`` column and
    ``last_login`` in the legacy column of that name. Only an ACTIVE admin may log in.
    """

    username = models.CharField(max_length=255)
    email = models.CharField(max_length=255)
    password = models.CharField(max_length=255, db_column="password_hash")
    role = models.CharField(max_length=50, choices=Role)
    ip_whitelist = ArrayField(
        models.TextField(),
        null=True,
        blank=True,
        db_comment="Addresses or CIDR ranges the admin may log in from; empty means anywhere",
    )
    status = status_field(AdminStatus, AdminStatus.ACTIVE)
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    updated_at = models.DateTimeField(auto_now=True, db_default=CurrentTimestamp())
    created_by = models.CharField(max_length=255, null=True, blank=True)

    objects = AdminUserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        db_table = "admin_users"
        constraints = [
            unique("admin_users", "username"),
            unique("admin_users", "email"),
            one_of("admin_users", "role", Role.values),
            one_of("admin_users", "status", AdminStatus.values),
        ]
        indexes = [index("admin_users", "role"), index("admin_users", "status")]

    def __str__(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.status == AdminStatus.ACTIVE

    @property
    def is_staff(self) -> bool:
        return self.is_active

    @property
    def is_superuser(self) -> bool:
        return self.role == Role.SUPER_ADMIN

    def check_password(self, raw_password: str) -> bool:
        """Accept the Go tool's raw bcrypt hashes too; a successful check rehashes them."""
        if self.password.startswith(LEGACY_BCRYPT_PREFIXES):
            self.password = f"bcrypt${self.password}"
        return super().check_password(raw_password)

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_active and role_allows(self.role, perm)

    def has_perms(self, perm_list: list[str], obj: object = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active


class AdminAuditLog(models.Model):
    admin = models.ForeignKey(
        AdminUser,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="audit_entries",
    )
    admin_username = models.CharField(max_length=255)
    action = models.CharField(max_length=255)
    resource_type = models.CharField(max_length=100)
    resource_id = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(null=True, blank=True)
    reason = models.TextField(null=True, blank=True)
    ip_address = models.CharField(max_length=50, null=True, blank=True)
    user_agent = models.TextField(null=True, blank=True)
    status = status_field(AuditStatus, AuditStatus.SUCCESS)
    error_message = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=CurrentTimestamp())

    class Meta:
        db_table = "admin_audit_log"
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [
            index("admin_audit_log", "admin_id"),
            index("admin_audit_log", "action"),
            index("admin_audit_log", "resource_type"),
            index("admin_audit_log", "created_at"),
            # Serves the admin's search in details (adminpanel.selectors.audit_log_search).
            NamedGinIndex(
                OpClass(Upper(Cast("details", models.TextField())), name="gin_trgm_ops"),
                name="admin_audit_log_details_trgm_idx",
            ),
            # JSON containment in details (adminpanel.selectors.audit_log_containing)
            NamedGinIndex(
                fields=["details"],
                opclasses=["jsonb_path_ops"],
                name="admin_audit_log_details_path_idx",
            ),
            # audit_log_list by admin, action or resource over a time range
            NamedIndex(fields=["admin_id", "-created_at"], name="admin_audit_log_admin_time_idx"),
            NamedIndex(fields=["action", "-created_at"], name="admin_audit_log_action_time_idx"),
            NamedIndex(
                fields=["resource_type", "resource_id", "-created_at"],
                name="admin_audit_log_resource_time_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admin_username}: {self.action} {self.resource_type} {self.resource_id}"


class GroupSymbolSettings(models.Model):
    group = models.ForeignKey(
        TradingGroup, on_delete=models.CASCADE, db_index=False, related_name="symbol_settings"
    )
    symbol = models.CharField(max_length=50)
    enabled = models.BooleanField(null=True, blank=True, db_default=True)
    markup = models.DecimalField(max_digits=10, decimal_places=5, null=True, blank=True)
    commission = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    min_volume = money_field(null=True, blank=True, db_comment="Lots")
    max_volume = money_field(null=True, blank=True, db_comment="Lots")
    step_volume = money_field(null=True, blank=True, db_comment="Lots")

    class Meta:
        db_table = "group_symbol_settings"
        verbose_name_plural = "group symbol settings"
        constraints = [unique("group_symbol_settings", "group_id", "symbol")]
        indexes = [
            index("group_symbol_settings", "group_id"),
            index("group_symbol_settings", "symbol"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.symbol}"
