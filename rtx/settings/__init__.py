"""Project settings: ``base`` for every environment, then the overlay the environment names.

``ENVIRONMENT=production`` adds the checks of :mod:`rtx.settings.production`; the test
run uses ``rtx.settings.test`` (set in pyproject.toml).
"""

from rtx.settings.base import *  # noqa: F403
from rtx.settings.base import ENVIRONMENT

if ENVIRONMENT == "production":
    from rtx.settings.production import *  # noqa: F403
