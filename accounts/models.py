"""Trading users, their accounts and the trading groups that set their conditions."""

from decimal import Decimal

from django.db import models

from rtx.db.constraints import NamedIndex, index, one_of, unique
from rtx.db.fields import money_field
from rtx.db.functions import CurrentTimestamp


class ExecutionMode(models.TextChoices):
    BBOOK = "BBOOK"
    ABOOK = "ABOOK"
    HYBRID = "HYBRID"


class MarginMode(models.TextChoices):
    HEDGING = "HEDGING"
    NETTING = "NETTING"


class User(models.Model):
    """A trader. Not the admin's login: that is :class:`adminpanel.models.AdminUser`."""

    username = models.CharField(max_length=255)
    email = models.CharField(max_length=255)
    password_hash = models.CharField(max_length=255)
    full_name = models.CharField(max_length=255, null=True, blank=True)
    # A plain number, not a foreign key: the Go engine inserts users without a group and
    # relies on the default group 1 whether or not that row exists.
    group_id = models.BigIntegerField(null=True, blank=True, db_default=1)
    status = models.CharField(max_length=50, null=True, blank=True, db_default="ACTIVE")
    kyc_level = models.IntegerField(null=True, blank=True, db_default=0)
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    updated_at = models.DateTimeField(auto_now=True, db_default=CurrentTimestamp())
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "users"
        constraints = [unique("users", "username"), unique("users", "email")]
        indexes = [
            index("users", "group_id"),
            index("users", "status"),
            # The back office's date navigation and filters
            NamedIndex(fields=["created_at"], name="users_created_at_idx"),
            NamedIndex(fields=["kyc_level"], name="users_kyc_level_idx"),
        ]

    def __str__(self) -> str:
        return self.username


class TradingGroup(models.Model):
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    execution_mode = models.CharField(
        max_length=50, choices=ExecutionMode, db_default=ExecutionMode.BBOOK
    )
    markup = models.DecimalField(
        max_digits=10, decimal_places=5, null=True, blank=True, db_default=Decimal(0)
    )
    commission = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, db_default=Decimal(0)
    )
    max_leverage = models.IntegerField(null=True, blank=True, db_default=100)
    default_balance = money_field(null=True, blank=True, db_default=Decimal(10000))
    margin_mode = models.CharField(
        max_length=50, choices=MarginMode, null=True, blank=True, db_default=MarginMode.HEDGING
    )
    status = models.CharField(max_length=50, null=True, blank=True, db_default="ACTIVE")
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    updated_at = models.DateTimeField(auto_now=True, db_default=CurrentTimestamp())
    created_by = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        db_table = "trading_groups"
        constraints = [
            unique("trading_groups", "name"),
            one_of("trading_groups", "execution_mode", ExecutionMode.values),
            one_of("trading_groups", "margin_mode", MarginMode.values),
        ]
        indexes = [index("trading_groups", "status")]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, db_index=False, related_name="accounts"
    )
    account_number = models.CharField(max_length=50)
    account_type = models.CharField(max_length=50, db_default="DEMO")
    currency = models.CharField(max_length=10, db_default="USD")
    balance = money_field(db_default=Decimal(0))
    equity = money_field(db_default=Decimal(0))
    margin = money_field(db_default=Decimal(0))
    free_margin = money_field(db_default=Decimal(0))
    margin_level = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        db_default=Decimal(0),
        db_comment="Equity / margin, in percent",
    )
    leverage = models.IntegerField(db_default=100)
    credit = money_field(null=True, blank=True, db_default=Decimal(0))
    peak_equity = money_field(null=True, blank=True, db_default=Decimal(0))
    status = models.CharField(max_length=50, null=True, blank=True, db_default="ACTIVE")
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    updated_at = models.DateTimeField(auto_now=True, db_default=CurrentTimestamp())

    class Meta:
        db_table = "accounts"
        constraints = [unique("accounts", "account_number")]
        indexes = [
            index("accounts", "user_id"),
            index("accounts", "status"),
            # The back office's date navigation and filters
            NamedIndex(fields=["created_at"], name="accounts_created_at_idx"),
            NamedIndex(fields=["account_type"], name="accounts_account_type_idx"),
            NamedIndex(fields=["currency"], name="accounts_currency_idx"),
        ]

    def __str__(self) -> str:
        return self.account_number
