"""Database triggers that make the custody tables append-only.

Audit entries, checkpoints and blob records refuse UPDATE, DELETE (and TRUNCATE on
PostgreSQL); the audit head may move forward but not disappear. This stops application bugs
and casual edits; someone who can drop triggers is caught by the hash chain and the signed
checkpoints instead (`sillok verify`). Trigger names start with `custody_` (see triggers.py).
"""

from django.db import migrations

APPEND_ONLY = ["custody_auditentry", "custody_auditcheckpoint", "custody_blob"]
NO_DELETE = ["custody_audithead"]


def _sqlite_statements():
    for table in APPEND_ONLY + NO_DELETE:
        operations = ["DELETE"] if table in NO_DELETE else ["UPDATE", "DELETE"]
        for operation in operations:
            yield (
                f"CREATE TRIGGER custody_{table}_refuse_{operation.lower()} "
                f"BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION custody_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def _postgres_statements():
    yield POSTGRES_FUNCTION
    for table in APPEND_ONLY + NO_DELETE:
        row_ops = "DELETE" if table in NO_DELETE else "UPDATE OR DELETE"
        yield (
            f"CREATE TRIGGER custody_{table}_refuse_change BEFORE {row_ops} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION custody_refuse_change()"
        )
        yield (
            f"CREATE TRIGGER custody_{table}_refuse_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION custody_refuse_change()"
        )


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = _sqlite_statements()
    elif vendor == "postgresql":
        statements = _postgres_statements()
    else:
        raise RuntimeError(f"custody triggers are written for sqlite and postgresql, not {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in APPEND_ONLY + NO_DELETE:
        if vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS custody_{table}_refuse_{operation}", params=None
                )
        else:
            for suffix in ("change", "truncate"):
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS custody_{table}_refuse_{suffix} ON {table}",
                    params=None,
                )
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS custody_refuse_change()", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("custody", "0003_create_audit_head"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
