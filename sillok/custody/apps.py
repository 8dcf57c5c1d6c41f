from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "sillok.custody"
    label = "custody"
    default_auto_field = "django.db.models.BigAutoField"
