from django.db import models


class CurrentTimestamp(models.Func):
    """``CURRENT_TIMESTAMP``, the legacy schema's default for every time column.

    Django's ``Now()`` compiles to ``STATEMENT_TIMESTAMP()`` on PostgreSQL; the legacy
    default is the transaction's start time, and so is this one.
    """

    template = "CURRENT_TIMESTAMP"
    output_field = models.DateTimeField()
