from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sillok.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the audit receivers for sign-in and sign-out.
        from sillok.accounts import signals  # noqa: F401
