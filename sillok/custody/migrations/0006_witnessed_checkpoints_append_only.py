"""Checkpoints kept for other repositories are append-only, like this repository's own.

The same triggers as 0004 (names start with `custody_`, so the test flush and
`lifted_triggers` handle them): UPDATE, DELETE and TRUNCATE refused.
"""

from django.db import migrations

TABLE = "custody_witnessedcheckpoint"


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
        # custody_refuse_change() was created by 0004.
        schema_editor.execute(
            f"CREATE TRIGGER custody_{TABLE}_refuse_change BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION custody_refuse_change()",
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER custody_{TABLE}_refuse_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION custody_refuse_change()",
            params=None,
        )
    else:
        raise RuntimeError(f"custody triggers are written for sqlite and postgresql, not {vendor}")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for operation in ("update", "delete"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS custody_{TABLE}_refuse_{operation}", params=None
            )
    elif vendor == "postgresql":
        for suffix in ("change", "truncate"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS custody_{TABLE}_refuse_{suffix} ON {TABLE}", params=None
            )


class Migration(migrations.Migration):
    dependencies = [("custody", "0005_checkpoint_witnesses")]

    operations = [migrations.RunPython(install, remove)]
