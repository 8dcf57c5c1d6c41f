"""What an evidence link points at, as people type it and as the rules decide who sees it.

Evidence is an item ("X-5", "item:5") or a record that can prove something: a testimony
("T-3"), information ("I-4"), an act ("A-12"), an event ("E-2"), an involvement ("V-7"), a
source ("S-1") or a link between records ("L-9"). Persons and organizations are who the case
is about (suspects), not means of proof. Whether a user sees a piece of evidence is decided by
evidence/access.py and records/access.py, nothing else: hidden evidence answers exactly like
missing evidence, and a matrix leaves out the links whose evidence its viewer may not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from sillok.assessment.models import EvidenceLink
from sillok.evidence.access import ItemNotFound, access_item
from sillok.records.access import RecordNotFound, access_record, visible_ids
from sillok.records.fields import FieldError, parse_reference
from sillok.records.kinds import reference_of

EVIDENCE_KINDS = (
    "item",
    "testimony",
    "information",
    "act",
    "event",
    "involvement",
    "source",
    "link",
)


class EvidenceNotFound(LookupError):
    """No such evidence, or none this user may see (the same message for both)."""

    field = "evidence"

    def __init__(self, ref: str) -> None:
        super().__init__(_("no evidence %(ref)s") % {"ref": ref})
        self.ref = ref


class EvidenceRefError(ValueError):
    """A reference that names no kind of evidence; the message says what to write."""

    field = "evidence"


def parse_evidence_ref(ref: str) -> tuple[str, int]:
    """("act", 12) from "A-12" or "act:12"; ("item", 5) from "X-5" or "item:5"."""
    try:
        kind, pk = parse_reference(str(ref or "").strip())
    except FieldError as exc:
        raise EvidenceRefError(
            _("%(ref)s is not an evidence reference (like X-5 for an item, T-3, I-4 or A-12)")
            % {"ref": ref}
        ) from exc
    if kind not in EVIDENCE_KINDS:
        raise EvidenceRefError(
            _(
                "%(ref)s is a %(kind)s, which is not evidence; cite a testimony, "
                "information, an act or an item"
            )
            % {"ref": ref, "kind": kind}
        )
    return kind, pk


def resolve_evidence(user: Any, ref: str) -> tuple[str, Model]:
    """(kind, object) for a reference `user` typed; EvidenceNotFound for missing and hidden
    alike (a refused existing object is audited by the access module that refused it)."""
    kind, pk = parse_evidence_ref(ref)
    return kind, fetch_evidence(user, kind, pk, ref=ref)


def fetch_evidence(user: Any, kind: str, pk: int, *, ref: str = "") -> Model:
    """The evidence (kind, pk) if `user` may see it; EvidenceNotFound otherwise."""
    if kind not in EVIDENCE_KINDS:
        raise EvidenceRefError(_("%(kind)s is not a kind of evidence") % {"kind": kind})
    try:
        if kind == "item":
            return access_item(user, pk)
        return access_record(user, kind, pk)
    except (ItemNotFound, RecordNotFound):
        raise EvidenceNotFound(ref or reference_of(kind, pk)) from None


def evidence_ref(kind: str, obj: Model | int) -> str:
    """The reference people quote: "X-5" for an item, "A-12" for an act."""
    pk = obj if isinstance(obj, int) else obj.pk
    return reference_of(kind, pk)


def evidence_visible(user: Any, links: Iterable[EvidenceLink]) -> set[int]:
    """Ids of the links whose evidence `user` may see (one query per evidence kind)."""
    links = list(links)
    seen = visible_ids(user, {(link.evidence_kind, link.evidence_id) for link in links})
    return {link.pk for link in links if (link.evidence_kind, link.evidence_id) in seen}
