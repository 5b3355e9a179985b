"""The project's log lines in the tool's one format: ``2026-11-29T15:42:00Z   text``."""

import logging
import time
from datetime import UTC, datetime

# Every time the tool prints: ISO 8601 in UTC, to the second.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc(moment: datetime) -> str:
    """An instant as the tool prints every time."""
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


class ToolFormatter(logging.Formatter):
    """ISO 8601 UTC timestamps; the level is named from WARNING up, not for information."""

    def __init__(self) -> None:
        super().__init__(datefmt=TIME_FORMAT)
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        level = f"{record.levelname}: " if record.levelno >= logging.WARNING else ""
        return f"{self.formatTime(record, self.datefmt)}   {level}{record.getMessage()}"
