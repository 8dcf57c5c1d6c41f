"""Items may be marked as graphic content, so reviewers see their photos and video blurred.

On SQLite the column is added with ALTER TABLE ADD COLUMN rather than Django's table rebuild:
a rebuild drops the table's triggers. Migration 0004's rebuild of `evidence_item` did exactly
that and took away migration 0002's refusal to delete items on SQLite; it is put back here.
"""

from django.db import migrations, models


def add_column(apps, schema_editor):
    table = schema_editor.quote_name("evidence_item")
    column = schema_editor.quote_name("graphic")
    false = "0" if schema_editor.connection.vendor == "sqlite" else "false"
    schema_editor.execute(
        f"ALTER TABLE {table} ADD COLUMN {column} boolean NOT NULL DEFAULT {false}"
    )


NO_DELETE_TRIGGER = "custody_evidence_item_refuse_delete"


def restore_no_delete_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL keeps triggers through ALTER TABLE; 0002's are still in place
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {NO_DELETE_TRIGGER}")
    schema_editor.execute(
        f"CREATE TRIGGER {NO_DELETE_TRIGGER} BEFORE DELETE ON evidence_item BEGIN "
        "SELECT RAISE(ABORT, 'evidence_item is append-only: DELETE refused'); END"
    )


def drop_column(apps, schema_editor):
    table = schema_editor.quote_name("evidence_item")
    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {schema_editor.quote_name('graphic')}")


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0005_original_copies_of_hidden_items"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="item",
                    name="graphic",
                    field=models.BooleanField(default=False, verbose_name="graphic content"),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
        migrations.RunPython(restore_no_delete_trigger, migrations.RunPython.noop),
    ]
