from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sillok.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connect the audit receivers for sign-in and sign-out, and the receiver that binds
        # each new session to its browser.
        from sillok.accounts import sessions, signals  # noqa: F401
