from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "sillok.evidence"
    label = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.custody.fixity_hooks import register_fixity_observer
        from sillok.evidence.fixity import EvidenceFixityObserver

        register_fixity_observer(EvidenceFixityObserver)
