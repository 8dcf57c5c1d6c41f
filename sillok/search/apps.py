from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "sillok.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.search import connection_setup, signals

        connection_setup.connect()
        # Changes to records and items queue their re-indexing (search/indexing.py).
        signals.connect()
