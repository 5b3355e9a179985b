from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("demoapp", "0003_ledger_index")]

    # Deliberately without reverse_sql: rtx_migrate must refuse to roll this version back.
    operations = [migrations.RunSQL("DELETE FROM demo_ledger WHERE note = 'obsolete'")]
