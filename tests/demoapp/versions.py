"""The project's versions, then demo versions 100-103. Version 103 cannot be rolled back.

The demo numbers start far above the project's, so adding project versions never
collides with them.
"""

from rtx.migrator.registry import Version
from rtx.versions import VERSIONS as PROJECT_VERSIONS

DEMO_VERSIONS = (
    Version(100, "demo_ledger", ("demoapp.0001_ledger",)),
    Version(101, "demo_ledger_amount", ("demoapp.0002_ledger_amount",)),
    Version(102, "demo_ledger_index", ("demoapp.0003_ledger_index",)),
    Version(103, "demo_irreversible_cleanup", ("demoapp.0004_irreversible_cleanup",)),
)
VERSIONS = (*PROJECT_VERSIONS, *DEMO_VERSIONS)
