"""What a run is made of (steps: one version each, one direction) and what it reports."""

from dataclasses import dataclass

from django.db.migrations.migration import Migration

from rtx.migrator.events import Progress
from rtx.migrator.impact import Loss
from rtx.migrator.registry import Version

Plan = list[tuple[Migration, bool]]
# A step's action (its name in schema_migrations_history) and what is said once it is done.
DONE = {"apply": "applied", "revert": "reverted", "complete": "completed"}


@dataclass(frozen=True)
class Step:
    version: Version
    backwards: bool
    plan: Plan
    # A version recorded as applied whose objects a failed or killed run left missing or
    # INVALID: its migrations run again (they are made to be repeatable) without recording.
    completes: bool = False

    @property
    def atomic(self) -> bool:
        return all(migration.atomic for migration, _ in self.plan)

    @property
    def verb(self) -> str:
        if self.completes:
            return "Completing"
        return "Reverting" if self.backwards else "Applying"

    @property
    def action(self) -> str:
        """Its name in schema_migrations_history."""
        return "complete" if self.completes else "revert" if self.backwards else "apply"

    @property
    def done(self) -> str:
        """What it did, said of it once it is done."""
        return DONE[self.action]


@dataclass(frozen=True)
class StepStarted:
    step: Step
    losses: tuple[Loss, ...] = ()


@dataclass(frozen=True)
class MigrationStarted:
    migration: Migration
    backwards: bool

    @property
    def label(self) -> str:
        return f"{self.migration.app_label}.{self.migration.name}"


@dataclass(frozen=True)
class MigrationDone:
    migration: str
    backwards: bool
    seconds: float
    faked: bool = False


@dataclass(frozen=True)
class StepDone:
    step: Step
    seconds: float


Event = StepStarted | MigrationStarted | MigrationDone | StepDone | Progress
