"""Which changes re-index what: signal receivers that queue objects (indexing.queue) in the
transaction of the change.

A record is queued with the objects whose documents read from it: a person's sex and birth
years give the victim facets of the acts they suffered, a unit's institution the institution
facet of its involvements, their acts and the acts' events, an act the violation facet of its
event, a source's type the facet of its information. When a record's sensitivity or
compartment changes, its documents take the new clearance at once and the facet rows read
from it are dropped (both in the same transaction); re-indexing writes them again. A
withdrawn or deleted record's documents go at once.

The corroboration of acts and events (a facet) reads from information, sources and links
along hearsay chains: records/corroboration_store.py names the acts and events it recomputed
(`corroboration_changed`, in the writer's transaction); their corroboration facet rows are
dropped at once (their clearance may no longer hold) and they are queued.

Bulk inserts do not send model signals: `core.bulk.insert_instances` sends `rows_inserted`
(records imports), and evidence intake sends it for the items it creates.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from sillok.core.bulk import rows_inserted
from sillok.records import models as records
from sillok.records.corroboration_store import corroboration_changed
from sillok.search import indexing, store

MODEL_KINDS: dict[type, str] = {
    records.Testimony: "testimony",
    records.Event: "event",
    records.Act: "act",
    records.Involvement: "involvement",
    records.Person: "person",
    records.Organization: "organization",
    records.Source: "source",
    records.Information: "information",
}
# The facets of other objects read from a record of each kind.
FACETS_READ_FROM: dict[str, tuple[str, ...]] = {
    "person": ("victim_sex", "victim_age"),
    "organization": ("institution",),
    "involvement": ("institution",),
    "act": ("violation", "institution"),
    "source": ("source_type",),
}
# Foreign keys whose old value names an object to re-index when the record moves.
MOVABLE: dict[str, tuple[str, ...]] = {"act": ("event_id",), "involvement": ("act_id",)}


def dependents(kind: str, ids: list[int]) -> set[indexing.Target]:
    """The objects whose documents read from the records `ids` of `kind`."""
    found: set[indexing.Target] = set()
    if not ids:
        return found
    act_ids: set[int] = set()
    if kind == "person":
        act_ids |= set(records.Act.objects.filter(victim_id__in=ids).values_list("pk", flat=True))
    elif kind == "organization":
        rows = records.Involvement.objects.filter(organization_id__in=ids).values_list(
            "pk", "act_id"
        )
        for involvement_id, act_id in rows:
            found.add(("involvement", involvement_id))
            act_ids.add(act_id)
    elif kind == "involvement":
        act_ids |= set(
            records.Involvement.objects.filter(pk__in=ids).values_list("act_id", flat=True)
        )
    elif kind == "act":
        found |= {
            ("event", pk)
            for pk in records.Act.objects.filter(pk__in=ids).values_list("event_id", flat=True)
        }
    elif kind == "source":
        found |= {
            ("information", pk)
            for pk in records.Information.objects.filter(source_id__in=ids).values_list(
                "pk", flat=True
            )
        }
    if act_ids:
        found |= {("act", pk) for pk in act_ids}
        found |= dependents("act", sorted(act_ids))
    return found


def _remember_old_values(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    kind = MODEL_KINDS.get(sender)
    if kind not in MOVABLE or instance.pk is None:
        return
    instance._search_old = sender.objects.filter(pk=instance.pk).values(*MOVABLE[kind]).first()


def _record_saved(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    kind = MODEL_KINDS.get(sender)
    if kind is None:
        return
    targets = {(kind, instance.pk)}
    others = dependents(kind, [instance.pk])
    old = getattr(instance, "_search_old", None) or {}
    for field, old_id in old.items():
        if old_id is not None and old_id != getattr(instance, field):
            moved_from = "event" if field == "event_id" else "act"
            others.add((moved_from, old_id))
            others |= dependents(moved_from, [old_id])
    if not created:
        if instance.withdrawn_at is not None:
            store.delete_objects([(kind, instance.pk)])
            changed = True
        else:
            changed = indexing.mark_clearance(
                kind, instance.pk, instance.sensitivity, instance.compartment_id
            )
        if changed and kind in FACETS_READ_FROM:
            indexing.drop_facets(others, FACETS_READ_FROM[kind])
    indexing.queue(targets | others)


def _record_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    kind = MODEL_KINDS.get(sender)
    if kind is None:
        return
    store.delete_objects([(kind, instance.pk)])
    targets = {(kind, instance.pk)}
    if kind == "act":
        targets.add(("event", instance.event_id))
    elif kind == "involvement":
        targets.add(("act", instance.act_id))
        targets |= dependents("act", [instance.act_id])
    indexing.queue(targets)


def _item_saved(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created:
        indexing.mark_clearance("item", instance.pk, instance.sensitivity, instance.compartment_id)
    indexing.queue([("item", instance.pk)])


def _item_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    store.delete_objects([("item", instance.pk)])
    indexing.queue([("item", instance.pk)])


def _item_file_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    from sillok.evidence.derive.base import TEXT_KINDS

    if instance.role == "derivative" and instance.kind in TEXT_KINDS:
        indexing.queue([("item", instance.item_id)])


def _rows_inserted(sender: type, instances: list[Any], **kwargs: Any) -> None:
    from sillok.evidence.models import Item

    if sender is Item:
        indexing.queue(("item", item.pk) for item in instances)
        return
    kind = MODEL_KINDS.get(sender)
    if kind is None:
        return
    targets = {(kind, record.pk) for record in instances}
    # New records have no dependents yet, but they are dependents of what they point at.
    if kind == "act":
        targets |= {("event", act.event_id) for act in instances}
    elif kind == "involvement":
        act_ids = sorted({involvement.act_id for involvement in instances})
        targets |= {("act", pk) for pk in act_ids} | dependents("act", act_ids)
    indexing.queue(targets)


def _corroboration_changed(sender: type, targets: list[indexing.Target], **kwargs: Any) -> None:
    indexing.drop_facets(targets, ("corroboration",))
    indexing.queue(targets)


def connect() -> None:
    from sillok.evidence.models import Item, ItemFile

    for model in MODEL_KINDS:
        uid = f"sillok.search.{model.__name__}"
        pre_save.connect(_remember_old_values, sender=model, dispatch_uid=uid)
        post_save.connect(_record_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_record_deleted, sender=model, dispatch_uid=uid)
    post_save.connect(_item_saved, sender=Item, dispatch_uid="sillok.search.Item")
    post_delete.connect(_item_deleted, sender=Item, dispatch_uid="sillok.search.Item")
    post_save.connect(_item_file_changed, sender=ItemFile, dispatch_uid="sillok.search.ItemFile")
    post_delete.connect(_item_file_changed, sender=ItemFile, dispatch_uid="sillok.search.ItemFile")
    rows_inserted.connect(_rows_inserted, dispatch_uid="sillok.search.rows_inserted")
    corroboration_changed.connect(
        _corroboration_changed, dispatch_uid="sillok.search.corroboration_changed"
    )
