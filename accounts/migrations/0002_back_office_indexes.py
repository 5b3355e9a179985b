from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

import rtx.db.constraints


class Migration(migrations.Migration):
    """The back office's date navigation and filters on users and accounts, built CONCURRENTLY."""

    atomic = False

    dependencies = [("accounts", "0001_initial")]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=rtx.db.constraints.NamedIndex(fields=["created_at"], name="users_created_at_idx"),
        ),
        AddIndexConcurrently(
            model_name="user",
            index=rtx.db.constraints.NamedIndex(fields=["kyc_level"], name="users_kyc_level_idx"),
        ),
        AddIndexConcurrently(
            model_name="account",
            index=rtx.db.constraints.NamedIndex(
                fields=["created_at"], name="accounts_created_at_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="account",
            index=rtx.db.constraints.NamedIndex(
                fields=["account_type"], name="accounts_account_type_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="account",
            index=rtx.db.constraints.NamedIndex(fields=["currency"], name="accounts_currency_idx"),
        ),
    ]
