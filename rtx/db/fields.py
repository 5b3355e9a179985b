"""The legacy schema's recurring column shapes: money DECIMAL(20,5), prices DECIMAL(20,10),
statuses VARCHAR(50) with a database default."""

from typing import Any

from django.db import models


def money_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=5, **options)


def price_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=10, **options)


def status_field(values: type[models.TextChoices], default: models.TextChoices) -> models.CharField:
    """A nullable VARCHAR(50) status, one of ``values``, ``default`` by the database's default."""
    return models.CharField(
        max_length=50, choices=values, null=True, blank=True, db_default=default
    )
