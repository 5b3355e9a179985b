from django.apps import AppConfig


class LintAppConfig(AppConfig):
    """Deliberately bad migrations: each breaks a rule of `rtx_migrate -lint`."""

    name = "tests.lintapp"
    label = "lintapp"
