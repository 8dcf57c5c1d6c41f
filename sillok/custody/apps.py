from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def ensure_audit_head(sender, *, using: str, apps=None, **kwargs) -> None:  # noqa: ANN001
    """Recreate the genesis audit head after a flush (tests) emptied the tables.

    Only when the log is empty: if entries exist and the head is gone, that is a problem for
    `sillok verify` to report, not something to paper over.
    """
    if apps is None:  # flush sends post_migrate without the migration state
        from django.apps import apps
    try:
        AuditHead = apps.get_model("custody", "AuditHead")
        AuditEntry = apps.get_model("custody", "AuditEntry")
    except LookupError:  # migrating backwards past 0001
        return
    connection = connections[using]
    if AuditHead._meta.db_table not in connection.introspection.table_names():
        return
    if AuditHead.objects.using(using).exists() or AuditEntry.objects.using(using).exists():
        return
    AuditHead.objects.using(using).create(id=1, seq=0, entry_hash="0" * 64)


class CustodyConfig(AppConfig):
    name = "sillok.custody"
    label = "custody"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.custody.witness import configured_witnesses

        post_migrate.connect(ensure_audit_head, sender=self)
        configured_witnesses()  # a mistyped witness fails at start-up, not at the checkpoint
