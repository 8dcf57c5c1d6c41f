from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sillok.core"
    label = "core"
    verbose_name = "Sillok core"
    default_auto_field = "django.db.models.BigAutoField"
