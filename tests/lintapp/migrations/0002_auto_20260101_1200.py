from django.db import migrations


class Migration(migrations.Migration):
    """descriptive-name (the file name) and irreversible."""

    dependencies = [("lintapp", "0001_gadget")]

    operations = [migrations.RunSQL("UPDATE lint_gadget SET size = 1 WHERE size = 0")]
