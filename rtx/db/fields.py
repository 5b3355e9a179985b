"""The legacy schema's numeric shapes: money DECIMAL(20,5), prices DECIMAL(20,10)."""

from typing import Any

from django.db import models


def money_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=5, **options)


def price_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=10, **options)
