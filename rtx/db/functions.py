from django.db import models


class CurrentTimestamp(models.Func):
    """``CURRENT_TIMESTAMP``, the legacy schema's default for every time column.

    Django's ``Now()`` compiles to ``STATEMENT_TIMESTAMP()`` on PostgreSQL; the legacy
    default is the transaction's start time, and so is this one.
    """

    template = "CURRENT_TIMESTAMP"
    output_field = models.DateTimeField()


class UTCDate(models.Func):
    """``(time AT TIME ZONE 'UTC')::date``: the UTC date of a timestamptz.

    Immutable, whatever the session's TimeZone, so an index can hold it; Django's
    ``TruncDate`` names the current time zone instead, which a migration cannot record.
    """

    template = "((%(expressions)s AT TIME ZONE 'UTC'))::date"
    output_field = models.DateField()
