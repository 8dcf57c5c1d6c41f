"""The sqlite-vec table that mirrors `search_embedding` on SQLite for nearest-neighbour
queries: rowid = search_document.id, cosine distance. PostgreSQL keeps vectors only in
`search_embedding` (search/vectors.py explains why and how they are searched there).

sqlite-vec is loaded into every SQLite connection by search/connection_setup.py, which is
also true of the connection that runs this migration."""

from django.db import migrations

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_vec USING "
    "vec0(embedding float[512] distance_metric=cosine)"
)


def create_vector_table(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)
        # Vectors computed before this table existed (none in practice) are copied in.
        schema_editor.execute(
            "INSERT INTO search_vec(rowid, embedding) "
            "SELECT document_id, vector FROM search_embedding"
        )


def drop_vector_table(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_vec")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_index")]

    operations = [migrations.RunPython(create_vector_table, drop_vector_table, elidable=False)]
