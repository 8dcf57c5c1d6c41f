"""Database triggers that keep record history append-only and records undeletable.

A record version is a fact about the past: it refuses UPDATE and DELETE. Records may be
edited but never deleted (they are withdrawn). Trigger names start with `custody_` so the
test runner's flush lifts them like the custody ones (custody/triggers.py); the PostgreSQL
function comes from custody's migration 0004. The SQL repeats evidence's on purpose:
migrations must not import app code.
"""

from django.db import migrations

APPEND_ONLY = ["records_recordversion"]
NO_DELETE = [
    "records_person",
    "records_organization",
    "records_event",
    "records_act",
    "records_involvement",
    "records_testimony",
    "records_source",
    "records_information",
    "records_link",
]


def _sqlite_statements():
    for table in APPEND_ONLY + NO_DELETE:
        operations = ["DELETE"] if table in NO_DELETE else ["UPDATE", "DELETE"]
        for operation in operations:
            yield (
                f"CREATE TRIGGER custody_{table}_refuse_{operation.lower()} "
                f"BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def _postgres_statements():
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
        raise RuntimeError(f"records triggers are written for sqlite and postgresql, not {vendor}")
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


class Migration(migrations.Migration):

    dependencies = [
        ("custody", "0004_append_only_triggers"),
        ("records", "0001_documentation_records"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
