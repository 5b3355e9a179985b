"""The project's settings plus the deliberately bad migrations of tests/lintapp."""

import os

from rtx.settings import *  # noqa: F403
from rtx.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.lintapp"]
RTX_VERSIONS = "tests.lintapp.versions.VERSIONS"
RTX_VERSIONS_LOCK = os.environ.get("RTX_VERSIONS_LOCK", "")
