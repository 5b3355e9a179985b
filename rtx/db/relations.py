"""Whether a table or view is there: the catalog lookup behind every "if it exists" step."""

from typing import Any


def relation_exists(cursor: Any, name: str) -> bool:
    """``name`` read as SQL reads it (quote a name that needs quoting), in the search path."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return bool(cursor.fetchone()[0])
