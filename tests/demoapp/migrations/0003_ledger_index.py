from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("demoapp", "0002_ledger_amount")]

    operations = [
        AddIndexConcurrently(
            model_name="ledger",
            index=models.Index(fields=["amount"], name="demo_ledger_amount_idx"),
        ),
    ]
