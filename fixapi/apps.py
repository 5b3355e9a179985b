from django.apps import AppConfig


class FixApiConfig(AppConfig):
    name = "fixapi"
    default_auto_field = "django.db.models.BigAutoField"
