"""The database itself refuses to delete items and to change their files or custody events.

On SQLite a migration that rebuilds a table drops its triggers; these tests catch that, since
nothing else would notice an item that can be deleted.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from sillok.evidence.models import CustodyEvent, Item, ItemFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(ingest, files, documentation_officer):
    (result,) = ingest(documentation_officer, files / "photo.png")
    return Item.objects.get(pk=result.item)


def _execute(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_delete_an_item(item):
    with pytest.raises(IntegrityError):
        _execute(f"DELETE FROM {Item._meta.db_table} WHERE id = %s", [item.pk])
    assert Item.objects.filter(pk=item.pk).exists()


def test_an_items_metadata_may_still_be_changed_in_the_database(item):
    _execute(f"UPDATE {Item._meta.db_table} SET graphic = %s WHERE id = %s", [True, item.pk])
    assert Item.objects.get(pk=item.pk).graphic is True


def test_the_database_refuses_to_change_or_delete_an_item_file(item):
    table = ItemFile._meta.db_table
    with pytest.raises(IntegrityError):
        _execute(f"UPDATE {table} SET size = size + 1 WHERE item_id = %s", [item.pk])
    with pytest.raises(IntegrityError):
        _execute(f"DELETE FROM {table} WHERE item_id = %s", [item.pk])


def test_the_database_refuses_to_change_or_delete_a_custody_event(item):
    table = CustodyEvent._meta.db_table
    with pytest.raises(IntegrityError):
        _execute(f"UPDATE {table} SET reason = 'rewritten' WHERE item_id = %s", [item.pk])
    with pytest.raises(IntegrityError):
        _execute(f"DELETE FROM {table} WHERE item_id = %s", [item.pk])
