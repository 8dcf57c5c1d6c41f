"""Create the single audit head row, so that appenders only ever lock it, never create it.

A database that already has entries (made before this migration) gets a head that names its
last entry; an empty one gets the genesis head.
"""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    AuditHead = apps.get_model("custody", "AuditHead")
    AuditEntry = apps.get_model("custody", "AuditEntry")
    db = schema_editor.connection.alias
    if AuditHead.objects.using(db).filter(id=1).exists():
        return
    last = AuditEntry.objects.using(db).order_by("-seq").first()
    AuditHead.objects.using(db).create(
        id=1,
        seq=last.seq if last else 0,
        entry_hash=last.entry_hash if last else GENESIS_HASH,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("custody", "0002_blob_auditcheckpoint"),
    ]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
