from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sillok.records"
    label = "records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.custody.audited_rows import register_audited_rows
        from sillok.records.version_audit import RECORD_VERSIONS

        register_audited_rows(RECORD_VERSIONS)
