"""The history of item metadata (evidence/editing.py): one row per version, append-only.

A new table, so nothing of evidence_item is rebuilt (its triggers stay). The version table
refuses UPDATE and DELETE like the custody tables; the trigger names start with `custody_` so
the test runner's flush lifts them (custody/triggers.py).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


TABLE = "evidence_itemversion"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for operation in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER custody_{TABLE}_refuse_{operation.lower()} "
                f"BEFORE {operation} ON {TABLE} BEGIN "
                f"SELECT RAISE(ABORT, '{TABLE} is append-only: {operation} refused'); END",
                params=None,
            )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER custody_{TABLE}_refuse_change BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION custody_refuse_change()",
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER custody_{TABLE}_refuse_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION custody_refuse_change()",
            params=None,
        )
    else:
        raise RuntimeError(f"evidence triggers are written for sqlite and postgresql, not {vendor}")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for operation in ("update", "delete"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS custody_{TABLE}_refuse_{operation}", params=None
            )
    else:
        for suffix in ("change", "truncate"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS custody_{TABLE}_refuse_{suffix} ON {TABLE}", params=None
            )


class Migration(migrations.Migration):
    dependencies = [
        ("custody", "0004_append_only_triggers"),
        ("evidence", "0006_item_graphic_content"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ItemVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("baseline", "State before the first edit"),
                            ("edited", "Edited"),
                            ("restored", "Restored an earlier version"),
                        ],
                        max_length=16,
                    ),
                ),
                ("snapshot", models.JSONField()),
                ("reason", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("audit_seq", models.BigIntegerField()),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="evidence.item",
                    ),
                ),
            ],
            options={
                "ordering": ["item", "number"],
                "indexes": [models.Index(fields=["audit_seq"], name="evidence_version_audit_seq")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("item", "number"), name="evidence_version_number"
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
