"""trades and order_history become TimescaleDB hypertables where the server has TimescaleDB.

On plain PostgreSQL each step logs a notice and changes nothing. On TimescaleDB the
conversion copies the table's rows into chunks under an exclusive lock: on a big table,
plan it like any table rewrite.
"""

from django.db import migrations

from rtx.db.timescale import ConvertToHypertable


class Migration(migrations.Migration):
    dependencies = [("trading", "0001_initial")]

    operations = [ConvertToHypertable("trades"), ConvertToHypertable("order_history")]
