"""What the migrator reports while it works; the command turns these into lines."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """A step worth a line of its own: a table converted, a leftover index dropped."""

    message: str
