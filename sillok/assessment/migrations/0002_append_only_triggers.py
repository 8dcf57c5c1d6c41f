"""Database triggers that keep case history append-only and case rows undeletable.

An assessment version is a fact about the past: it refuses UPDATE and DELETE. Case files and
their rows may be edited but never deleted (rows are withdrawn, cases closed). Trigger names
start with `custody_` so the test runner's flush lifts them like the custody ones
(custody/triggers.py); the PostgreSQL function comes from custody's migration 0004. The SQL
repeats records' on purpose: migrations must not import app code.
"""

from django.db import migrations

APPEND_ONLY = ["assessment_assessmentversion"]
NO_DELETE = [
    "assessment_casefile",
    "assessment_suspect",
    "assessment_charge",
    "assessment_casetask",
    "assessment_evidencelink",
    "assessment_elementassessment",
    "assessment_patternquery",
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
        raise RuntimeError(
            f"assessment triggers are written for sqlite and postgresql, not {vendor}"
        )
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
        ("assessment", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
