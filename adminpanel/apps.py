from django.apps import AppConfig


class AdminPanelConfig(AppConfig):
    name = "adminpanel"
    default_auto_field = "django.db.models.BigAutoField"
