"""The time zone that a database's ``TIMESTAMP`` (without time zone) values were written in.

A ``TIMESTAMP`` holds the wall-clock time of the session that wrote it, and a session's
``TimeZone`` comes from, in order: a setting for the role in this database, one for the
role, one for the database, else the server's configuration. Django sets its own sessions
to UTC, so the database's zone is read from the catalog (``pg_db_role_setting``), which
any role may read, and the server's from the session's reset value.

Adoption reads the Go tool's values in this zone unless ``RTX_LEGACY_TIME_ZONE`` overrides
it, and ``schema_migrations.applied_at`` (a legacy ``TIMESTAMP`` column) is written and read
in it, so every row of that table has the basis the Go tool's rows have.
"""

from dataclasses import dataclass
from typing import Any

SETTINGS_SQL = """
SELECT s.setdatabase <> 0, s.setrole <> 0, split_part(c.entry, '=', 2)
FROM pg_db_role_setting s, unnest(s.setconfig) AS c(entry)
WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))
  AND lower(split_part(c.entry, '=', 1)) = 'timezone'
ORDER BY s.setrole <> 0 DESC, s.setdatabase <> 0 DESC
LIMIT 1
"""
SERVER_SQL = "SELECT reset_val FROM pg_settings WHERE name = 'TimeZone'"


@dataclass(frozen=True)
class DatabaseZone:
    """The effective ``TimeZone`` of new sessions of this role in this database."""

    name: str
    source: str  # how it is set, e.g. "ALTER DATABASE trading_engine SET timezone"


@dataclass(frozen=True)
class LegacyZone:
    """The zone adoption reads legacy ``TIMESTAMP`` values in, and why."""

    name: str
    database: DatabaseZone
    configured: str  # RTX_LEGACY_TIME_ZONE, or "" when unset

    @property
    def overridden(self) -> bool:
        return bool(self.configured) and self.configured != self.database.name

    def describe(self) -> str:
        if self.overridden:
            return f"{self.name} (RTX_LEGACY_TIME_ZONE)"
        return f"{self.name} (the database's TimeZone: {self.database.source})"

    def warning(self) -> str | None:
        if not self.overridden:
            return None
        return (
            f"RTX_LEGACY_TIME_ZONE={self.configured} overrides the database's TimeZone "
            f"{self.database.name} ({self.database.source}): legacy TIMESTAMP values will be "
            f"read as {self.configured} wall-clock times; unset it unless the Go tool's "
            f"sessions really ran in {self.configured}"
        )


def database_zone(cursor: Any) -> DatabaseZone:
    cursor.execute("SELECT current_database(), current_user")
    database, role = cursor.fetchone()
    cursor.execute(SETTINGS_SQL)
    row = cursor.fetchone()
    if row is None:
        cursor.execute(SERVER_SQL)
        return DatabaseZone(cursor.fetchone()[0], "the server's timezone setting")
    for_database, for_role, name = row
    if for_database and for_role:
        source = f"ALTER ROLE {role} IN DATABASE {database} SET timezone"
    elif for_role:
        source = f"ALTER ROLE {role} SET timezone"
    else:
        source = f"ALTER DATABASE {database} SET timezone"
    return DatabaseZone(name, source)


def legacy_zone(cursor: Any, configured: str) -> LegacyZone:
    database = database_zone(cursor)
    return LegacyZone(configured or database.name, database, configured)
