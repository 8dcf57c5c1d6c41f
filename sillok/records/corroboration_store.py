"""The stored corroboration of acts and events, for lists and search to filter and count on.

Which value a viewer gets must never depend on information they may not see. A summary row
is kept per record and per clearance tier (TIERS: the sensitivity levels a viewer may be
cleared for), counting only the uncompartmented information and links of those levels; a
viewer reads the row of their tier. Compartments cannot be enumerated per viewer, so a row
whose record rests on compartmented material is marked `live`: for a viewer who is a member
of any compartment, such records (and any record without a row yet) are computed from what
that viewer may see when a list is filtered. A viewer who is a member of none sees no
compartmented material at all, so their tier's row is exact.

Rows are rewritten in the transaction of every change they read from (records/services.py:
information, sources, testimonies, acts, events and links, created, edited, withdrawn,
reinstated or imported), found through `CorroborationInput`; `rebuild()` (`sillok
corroboration --rebuild`) recomputes them all. One more row per record (tier "index") holds
the value the search facet shows and the clearance it needs (`index_value`);
`corroboration_changed` is sent with the records whose index row changed (search drops and
re-indexes their facet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from sillok.accounts.clearance import cleared_compartment_ids
from sillok.core.bulk import insert_rows
from sillok.core.sensitivity import SENSITIVITY_ORDER, Sensitivity, cleared_levels
from sillok.records.corroboration import (
    BUCKETS,
    KINDS,
    Corroboration,
    evaluate_batch,
    viewer_predicate,
)
from sillok.records.corroboration_graph import Sees, sees_everything
from sillok.records.models import (
    Act,
    CorroborationInput,
    CorroborationSummary,
    Event,
    Information,
)

_BASE = (Sensitivity.PUBLIC, Sensitivity.INTERNAL)
# Every set of levels a viewer can be cleared for (core/sensitivity.py), by name.
TIERS: dict[str, frozenset[str]] = {
    "base": frozenset(_BASE),
    "restricted": frozenset((*_BASE, Sensitivity.RESTRICTED)),
    "confidential": frozenset((*_BASE, Sensitivity.STRICTLY_CONFIDENTIAL)),
    "full": frozenset((*_BASE, Sensitivity.RESTRICTED, Sensitivity.STRICTLY_CONFIDENTIAL)),
}
BATCH = 500
INDEX = "index"  # the row holding the search facet's value and clearance
SUMMARY_FIELDS = (
    "kind",
    "record_id",
    "tier",
    "bucket",
    "information",
    "independent_sources",
    "first_hand",
    "contradicted",
    "live",
    "sensitivity",
    "compartment_id",
    "updated_at",
)
# Sent (inside the writer's transaction) with `targets`: [(kind, id)] of acts and events.
corroboration_changed = Signal()


def tier_of(user: Any) -> str:
    levels = frozenset(cleared_levels(user))
    for name, tier in TIERS.items():
        if tier == levels:
            return name
    return "base"  # unreachable with the levels core/sensitivity.py defines


def _tier_predicate(levels: frozenset[str]) -> Sees:
    return lambda row: row.sensitivity in levels and row.compartment_id is None


PREDICATES: dict[str, Sees] = {name: _tier_predicate(levels) for name, levels in TIERS.items()}


# --- writing ---------------------------------------------------------------------------------


def refresh(kind: str, ids: Iterable[int], *, notify: bool = True) -> None:
    """Recompute the stored corroboration of the acts or events `ids` (call inside the
    transaction of the change)."""
    ids = sorted(set(ids))
    model = Act if kind == "act" else Event
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            # Two writers refreshing one record: the second waits here, then rewrites the rows
            # from what the first committed (instead of colliding on the unique rows).
            existing = list(
                model.objects.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True)
            )
            stored = CorroborationSummary.objects.filter(kind=kind, record_id__in=chunk)
            indexed_before = dict(
                (pk, (bucket, level, compartment))
                for pk, bucket, level, compartment in stored.filter(tier=INDEX).values_list(
                    "record_id", "bucket", "sensitivity", "compartment_id"
                )
            )
            stored.delete()
            CorroborationInput.objects.filter(kind=kind, record_id__in=chunk).delete()
            results = evaluate_batch(kind, existing, {**PREDICATES, "all": sees_everything})
            acts_of: dict[int, set[int]] = defaultdict(set)
            if kind == "event":
                rows = Act.objects.filter(event_id__in=existing).values_list("event_id", "pk")
                for event_id, act_id in rows:
                    acts_of[event_id].add(act_id)
            summaries, inputs, changed = [], [], []
            now = timezone.now()
            for record_id, by_tier in results.items():
                everything = by_tier.pop("all")
                live = any(getattr(row, "compartment_id", None) for row in everything.used)
                for tier, result in by_tier.items():
                    summaries.append(_summary(kind, record_id, tier, result, live, now))
                indexed = index_value(everything)
                summaries.append(_summary(kind, record_id, INDEX, everything, live, now))
                summaries[-1].bucket, summaries[-1].sensitivity = indexed[0], indexed[1]
                summaries[-1].compartment_id = indexed[2]
                if indexed_before.get(record_id) != indexed:
                    changed.append(record_id)
                inputs += [
                    CorroborationInput(kind=kind, record_id=record_id, input_kind=k, input_id=pk)
                    for k, pk in _inputs(kind, record_id, everything, acts_of[record_id])
                ]
            # executemany / COPY: the ORM's bulk_create spends longer building SQL than the
            # database spends storing these rows (five per record, rewritten on every change).
            insert_rows(
                CorroborationSummary,
                SUMMARY_FIELDS,
                ([getattr(row, name) for name in SUMMARY_FIELDS] for row in summaries),
            )
            insert_rows(
                CorroborationInput,
                ("kind", "record_id", "input_kind", "input_id"),
                ((row.kind, row.record_id, row.input_kind, row.input_id) for row in inputs),
            )
            # Search re-indexes only what its facet would show differently (value or clearance).
            if notify and changed:
                corroboration_changed.send(
                    sender=CorroborationSummary, targets=[(kind, pk) for pk in changed]
                )


def _summary(
    kind: str, record_id: int, tier: str, result: Corroboration, live: bool, now: Any
) -> CorroborationSummary:
    return CorroborationSummary(
        kind=kind,
        record_id=record_id,
        tier=tier,
        bucket=result.bucket,
        information=len(result.information),
        independent_sources=result.independent_sources,
        first_hand=result.first_hand,
        contradicted=result.contradicted,
        live=live,
        updated_at=now,
    )


def _inputs(
    kind: str, record_id: int, result: Corroboration, acts: set[int]
) -> set[tuple[str, int]]:
    names = {"Information": "information", "Source": "source", "Testimony": "testimony"}
    found = {(kind, record_id)}
    for row in result.used:
        name = names.get(type(row).__name__)
        if name:
            found.add((name, row.pk))
    for entry in result.information:
        found.add(("information", entry.pk))
        found.add(("source", entry.source_id))
        if entry.testimony_id:
            found.add(("testimony", entry.testimony_id))
    # An event counts its acts' information: moving or withdrawing an act changes it.
    return found | {("act", pk) for pk in acts}


def _dependents(nodes: set[tuple[str, int]]) -> dict[str, set[int]]:
    """The acts and events computed from any of `nodes`."""
    found: dict[str, set[int]] = defaultdict(set)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, pk in nodes:
        by_kind[kind].append(pk)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), BATCH):
            rows = CorroborationInput.objects.filter(
                input_kind=kind, input_id__in=ids[start : start + BATCH]
            ).values_list("kind", "record_id")
            for target_kind, pk in rows:
                found[target_kind].add(pk)
    return found


def refresh_after_change(kind: str, records: list[Any]) -> None:
    """Recompute what a change to `records` (all of `kind`, as saved) may have changed:
    the acts and events computed from them before, and those they now belong to."""
    if kind not in {"information", "source", "testimony", "act", "event", "link"} or not records:
        return
    nodes = {(kind, r.pk) for r in records}
    direct: dict[str, set[int]] = defaultdict(set)
    if kind == "link":
        ends = {(r.from_kind, int(r.from_id)) for r in records}
        ends |= {(r.to_kind, int(r.to_id)) for r in records}
        nodes = {end for end in ends if end[0] in {"information", "source", "testimony"}}
        infos = Information.objects.filter(pk__in=[pk for k, pk in nodes if k == "information"])
        records, kind = list(infos.only("pk", "act_id", "event_id")), "information"
    if kind == "information":
        for info in records:
            if info.event_id:
                direct["event"].add(info.event_id)
            if info.act_id:
                direct["act"].add(info.act_id)
        events = Act.objects.filter(pk__in=direct["act"]).values_list("event_id", flat=True)
        direct["event"] |= set(events)
    elif kind in KINDS:
        direct[kind] |= {r.pk for r in records}
        if kind == "act":
            direct["event"] |= {r.event_id for r in records}
    for target_kind, ids in _dependents(nodes).items():
        direct[target_kind] |= ids
    for target_kind in KINDS:
        if direct[target_kind]:
            refresh(target_kind, direct[target_kind])


def rebuild(*, kinds: Iterable[str] = KINDS) -> dict[str, int]:
    """Recompute the stored corroboration of every act and event: {kind: records}."""
    counts = {}
    for kind in kinds:
        model = Act if kind == "act" else Event
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        with transaction.atomic():
            refresh(kind, ids)
        counts[kind] = len(ids)
    return counts


# --- reading ---------------------------------------------------------------------------------


def filter_by_bucket(user: Any, kind: str, query: QuerySet, bucket: str) -> QuerySet:
    """The records of `query` (acts or events `user` may see) whose corroboration, counted
    from what `user` may see, is `bucket`."""
    if bucket not in BUCKETS:
        raise ValueError(bucket)
    rows = CorroborationSummary.objects.filter(
        kind=kind, tier=tier_of(user), record_id=OuterRef("pk")
    )
    member = bool(cleared_compartment_ids(user))
    stored = rows.filter(bucket=bucket, live=False) if member else rows.filter(bucket=bucket)
    unsettled = ~Exists(rows)
    if member:
        unsettled |= Exists(rows.filter(live=True))
    pending = list(query.filter(unsettled).values_list("pk", flat=True))
    matching = [pk for pk, found in live_buckets(user, kind, pending).items() if found == bucket]
    return query.filter(Q(Exists(stored)) | Q(pk__in=matching))


def live_buckets(user: Any, kind: str, ids: list[int]) -> dict[int, str]:
    """{record id: bucket} computed now from what `user` may see."""
    out: dict[int, str] = {}
    sees = viewer_predicate(user)
    for start in range(0, len(ids), BATCH):
        results = evaluate_batch(kind, ids[start : start + BATCH], {"viewer": sees})
        out.update((pk, by["viewer"].bucket) for pk, by in results.items())
    return out


def index_value(result: Corroboration) -> tuple[str, str, int | None]:
    """(bucket, sensitivity, compartment id) for the search index: the bucket counted from
    all active information, with the clearance of everything it was read from (the highest
    sensitivity and the one compartment). A record whose corroboration rests on two
    compartments gets no value (sensitivity ""): no single clearance check could show it."""
    levels = [row.sensitivity for row in result.used] or [Sensitivity.PUBLIC]
    compartments = {row.compartment_id for row in result.used if row.compartment_id}
    if len(compartments) > 1:
        return result.bucket, "", None
    level = max(levels, key=SENSITIVITY_ORDER.index)
    return result.bucket, level, compartments.pop() if compartments else None


def facet_values(kind: str, ids: Iterable[int]) -> dict[int, tuple[str, str, int | None]]:
    """{record id: (bucket, sensitivity, compartment id)} for the records of `ids` that have
    a value (index_value), read from the stored rows; a record without one is computed."""
    ids = sorted(set(ids))
    found = {
        pk: (bucket, level, compartment)
        for pk, bucket, level, compartment in CorroborationSummary.objects.filter(
            kind=kind, tier=INDEX, record_id__in=ids
        ).values_list("record_id", "bucket", "sensitivity", "compartment_id")
    }
    missing = [pk for pk in ids if pk not in found]
    for pk, by in evaluate_batch(kind, missing, {"all": sees_everything}).items():
        found[pk] = index_value(by["all"])
    return {pk: value for pk, value in found.items() if value[1]}
