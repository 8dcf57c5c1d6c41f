from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "sillok.vault"
    label = "vault"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from sillok.vault.disk import secure_delete_on_sqlite

        connection_created.connect(secure_delete_on_sqlite, dispatch_uid="vault-secure-delete")
