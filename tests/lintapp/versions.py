from rtx.migrator.registry import Version
from rtx.versions import VERSIONS as PROJECT_VERSIONS

VERSIONS = (
    *PROJECT_VERSIONS,
    Version(
        200,
        "lint_examples",
        (
            "lintapp.0001_gadget",
            "lintapp.0002_auto_20260101_1200",
            "lintapp.0003_mixed",
            "lintapp.0004_locks",
            "lintapp.0005_raw_sql",
            "lintapp.0006_reviewed",
        ),
    ),
)
