from django.apps import AppConfig


class DemoAppConfig(AppConfig):
    """Versions 2-4 on top of the real version 1, for the multi-version tests of rtx_migrate."""

    name = "tests.demoapp"
    label = "demoapp"
