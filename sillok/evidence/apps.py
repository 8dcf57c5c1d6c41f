from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "sillok.evidence"
    label = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.custody.audited_rows import register_audited_rows
        from sillok.custody.fixity_hooks import register_fixity_observer
        from sillok.evidence.custody_verify import CUSTODY_EVENTS, ITEM_FILES
        from sillok.evidence.fixity import EvidenceFixityObserver
        from sillok.evidence.item_version_audit import ITEM_VERSIONS

        register_fixity_observer(EvidenceFixityObserver)
        register_audited_rows(CUSTODY_EVENTS)
        register_audited_rows(ITEM_FILES)
        register_audited_rows(ITEM_VERSIONS)
