"""The corroboration panel of act and event pages: independent and first-hand sources, a
"single source" flag, hearsay chains and contradicting information side by side, counted
from what the viewer may see (records/corroboration.py). Sources and information are named
through RecordRefs, so a source the viewer may not see shows by its reference only."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from sillok.records.access import visible_records
from sillok.records.corroboration import KINDS, corroboration_of
from sillok.records.models import Credibility, Reliability, SourceConnection
from sillok.records.views_display import RecordRefs, Shown

NODE_KINDS = {"I": "information", "S": "source"}


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _node(refs: RecordRefs, ref: str) -> Shown:
    prefix, pk = ref.split("-", 1)
    shown = refs.shown(NODE_KINDS[prefix], int(pk))
    return shown if not shown.hidden else Shown(ref, ref=ref, hidden=True)


def corroboration_panel(user: Any, kind: str, record: models.Model) -> dict | None:
    """What the panel shows, or None for kinds that are not corroborated."""
    if kind not in KINDS:
        return None
    result = corroboration_of(user, kind, record)
    data = result.as_dict()
    refs = RecordRefs(user)
    for entry in data["information"]:
        refs.want("information", int(entry["ref"][2:]))
        refs.want("source", int(entry["source"][2:]))
    for chain in data["hearsay_chains"]:
        for ref in chain:
            refs.want(NODE_KINDS[ref[0]], int(ref[2:]))
    refs.load()
    rows = {}
    for entry in data["information"]:
        rows[entry["ref"]] = {
            **entry,
            "shown": _node(refs, entry["ref"]),
            "source_shown": _node(refs, entry["source"]),
            "connection_label": _label(SourceConnection, entry["connection"]),
            "credibility_label": _label(Credibility, entry["credibility"]),
            "reliability_label": _label(Reliability, entry["reliability"])
            if entry["reliability"]
            else "",
        }
    first_hand = [row for row in rows.values() if row["first_hand"]]
    return {
        "data": data,
        "rows": list(rows.values()),
        "first_hand_rows": first_hand,
        "chains": [[_node(refs, ref) for ref in chain] for chain in data["hearsay_chains"]],
        "contradictions": _side_by_side(user, rows, result.contradiction_pairs()),
        "status": _status(data),
    }


def _side_by_side(user: Any, rows: dict[str, dict], pairs: list) -> list[list[dict]]:
    """Each pair of contradicting information, with what each reported."""
    ids = {entry.pk for pair in pairs for entry in pair}
    reported = dict(
        visible_records(user, "information").filter(pk__in=ids).values_list("pk", "description")
    )
    for pk in ids:
        rows[f"I-{pk}"]["description"] = reported.get(pk, "")
    return [[rows[f"I-{a.pk}"], rows[f"I-{b.pk}"]] for a, b in pairs]


def _status(data: dict) -> str:
    if not data["information"]:
        return _("No information about it that you may see")
    if data["single_source"]:
        return _("Rests on a single independent source")
    return _("Corroborated by %(n)d independent sources") % {"n": data["independent_sources"]}
