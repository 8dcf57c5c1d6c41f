from django.apps import AppConfig


class RedactionConfig(AppConfig):
    name = "sillok.redaction"
    label = "redaction"
    default_auto_field = "django.db.models.BigAutoField"
