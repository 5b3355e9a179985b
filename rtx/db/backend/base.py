import datetime
from typing import Any

from django.db.backends.postgresql import base
from psycopg.types.datetime import TimestamptzLoader

from rtx.db.backend.schema import DatabaseSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def create_cursor(self, name: str | None = None) -> Any:
        """A cursor that reads timestamptz with psycopg's C loader when the session is UTC.

        Django reads every timestamptz through a Python subclass of that loader (to attach
        ``self.timezone``), about 1.8 µs a value here: most of a time-series page's cost.
        With ``USE_TZ`` and UTC, Django has set the session's TimeZone to UTC, and psycopg's
        own loader then returns the same aware datetimes, ``tzinfo=datetime.UTC``. It is also
        right where Django's is wrong: in a session whose TimeZone was changed (``SET TIME
        ZONE``), Django's labels the local time as UTC, 9 hours off under Asia/Tokyo.
        """
        cursor = super().create_cursor(name)
        if self.timezone is datetime.UTC:
            cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        return cursor
