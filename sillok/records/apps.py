from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sillok.records"
    label = "records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.core.waiting import register_waiting_provider
        from sillok.custody.audited_rows import register_audited_rows
        from sillok.records import waiting
        from sillok.records.version_audit import RECORD_VERSIONS

        register_audited_rows(RECORD_VERSIONS)
        register_waiting_provider(waiting.waiting_for)
