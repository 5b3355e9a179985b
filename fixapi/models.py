"""FIX API credentials and the FIX sessions opened with them."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from rtx.db.constraints import index, one_of
from rtx.db.fields import status_field
from rtx.db.functions import CurrentTimestamp


class RateLimitTier(models.TextChoices):
    BASIC = "basic"
    STANDARD = "standard"
    PREMIUM = "premium"
    UNLIMITED = "unlimited"


class CredentialStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class SessionStatus(models.TextChoices):
    ACTIVE = "ACTIVE"  # open
    CLOSED = "CLOSED"


class FixCredential(models.Model):
    # The trading engine's user id as a string; deliberately not a foreign key to users.
    user_id = models.CharField(max_length=255, primary_key=True)
    sender_comp_id = models.CharField(max_length=255)
    password_encrypted = models.BinaryField(
        db_comment="AES-256-GCM ciphertext of the FIX password; never the plaintext"
    )
    rate_limit_tier = models.CharField(
        max_length=50, choices=RateLimitTier, db_default=RateLimitTier.BASIC
    )
    max_sessions = models.IntegerField(null=True, blank=True, db_default=1)
    allowed_ips = ArrayField(models.TextField(), null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = status_field(CredentialStatus, CredentialStatus.ACTIVE)
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    updated_at = models.DateTimeField(auto_now=True, db_default=CurrentTimestamp())
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "fix_credentials"
        constraints = [
            one_of("fix_credentials", "rate_limit_tier", RateLimitTier.values),
            one_of("fix_credentials", "status", CredentialStatus.values),
        ]
        indexes = [index("fix_credentials", "sender_comp_id"), index("fix_credentials", "status")]

    def __str__(self) -> str:
        return self.sender_comp_id


class FixSession(models.Model):
    session_id = models.CharField(max_length=255, primary_key=True)
    credential = models.ForeignKey(
        FixCredential,
        on_delete=models.CASCADE,
        db_column="user_id",
        db_index=False,
        related_name="sessions",
    )
    sender_comp_id = models.CharField(max_length=255)
    ip_address = models.CharField(max_length=50, null=True, blank=True)
    connected_at = models.DateTimeField(db_default=CurrentTimestamp())
    last_activity = models.DateTimeField(db_default=CurrentTimestamp())
    message_count = models.BigIntegerField(null=True, blank=True, db_default=0)
    order_count = models.BigIntegerField(null=True, blank=True, db_default=0)
    status = status_field(SessionStatus, SessionStatus.ACTIVE)

    class Meta:
        db_table = "fix_sessions"
        indexes = [
            index("fix_sessions", "credential", name="idx_fix_sessions_user_id"),
            index("fix_sessions", "status"),
            index("fix_sessions", "connected_at"),
        ]

    def __str__(self) -> str:
        return self.session_id
