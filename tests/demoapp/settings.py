"""The project's settings plus the demo versions, for tests that run rtx_migrate in a subprocess.

DEMO_MIGRATIONS_MODULE lets a test point the demo app at a copy of its migrations, to
edit one after it was applied.
"""

import os

from rtx.settings import *  # noqa: F403
from rtx.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.demoapp"]
RTX_VERSIONS = "tests.demoapp.versions.VERSIONS"
MIGRATION_MODULES = {
    "demoapp": os.environ.get("DEMO_MIGRATIONS_MODULE", "tests.demoapp.migrations")
}
