"""The real version 1, then demo versions 2-5. Version 5 cannot be rolled back."""

from rtx.migrator.registry import Version
from rtx.versions import VERSIONS as PROJECT_VERSIONS

VERSIONS = (
    *PROJECT_VERSIONS,
    Version(2, "demo_ledger", ("demoapp.0001_ledger",)),
    Version(3, "demo_ledger_amount", ("demoapp.0002_ledger_amount",)),
    Version(4, "demo_ledger_index", ("demoapp.0003_ledger_index",)),
    Version(5, "demo_irreversible_cleanup", ("demoapp.0004_irreversible_cleanup",)),
)
