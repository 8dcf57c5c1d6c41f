from django.apps import AppConfig


class RedactionConfig(AppConfig):
    name = "sillok.redaction"
    label = "redaction"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.core.waiting import register_waiting_provider
        from sillok.redaction import waiting

        register_waiting_provider(waiting.waiting_for)
