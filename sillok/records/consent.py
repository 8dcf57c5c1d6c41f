"""The one consent rule for every share: exports, reports and packages ask it what may leave.

A share has a **purpose** (evidence.models.ConsentScope: internal analysis, UN reporting,
prosecution, publication) and, for prosecution, a **recipient**: the prosecutor or
jurisdiction it goes to. Internal analysis is a purpose like the others: a staff export for
internal use still needs consent to internal analysis.

- A **testimony** is shared only when consent was given, the purpose is in its consent
  scope and, for prosecution, the recipient is one of its named consent recipients
  (compared ignoring case and runs of spaces). Prosecution with no recipient named shares
  nothing: consent to prosecution always names who may receive it.
- Scopes are read the way people mean them (`IMPLIED`): consent to **publication** also
  covers UN reporting and internal analysis, since what may be published may be reported
  and analysed. Nothing covers prosecution but consent to prosecution, with its named
  recipients. The hierarchy is applied here, when a share is checked, so consent stored
  before it existed needs no rewriting.
- An **item** likewise by its own consent scope and recipients (an empty scope: no consent).
  Items that concern no one (satellite images) are shared only once marked with the
  purposes they may be shared for; public items (UN documents, anything public) get the
  publication scope at intake unless the submitter gives one (evidence/intake.py).
- A **person who is the witness** of any testimony (withdrawn or not, visible to the one
  sharing or not) is shared only when at least one of their testimonies that is not
  withdrawn is shared. Other ties (victim of an act, perpetrator) do not bring back a
  witness whose testimonies lack consent: being named elsewhere is no consent.
- Records that exist to connect a left-out record go with it: a **link** with a left-out
  end, an **involvement** whose perpetrator is left out, **information** reported in a
  left-out testimony or by a left-out source, a **source** who is a left-out person.
- Everything else (events, acts, organizations, other sources and information, persons who
  are no witness) carries no personal consent and is shared. References from a shared
  record to a left-out one are left empty (an act's victim), and item references dropped.
- Not done here: places of origin and other quasi-identifiers are not coarsened.

The rule only narrows: callers start from what the user may see (records.access, evidence
access), and what the user may not see is never named. `ConsentRule` reads the consent of
testimonies once per share and everything else in batches, so an export's cost still grows
with the number of records, not queries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from sillok.evidence.models import ConsentScope, Item
from sillok.records.kinds import kind_of, reference_of, title_of
from sillok.records.models import Information, Involvement, Person, Source, Testimony

NO_CONSENT = "no_consent"
NOT_IN_SCOPE = "not_in_scope"
RECIPIENT_NOT_NAMED = "recipient_not_named"
WITNESS_WITHOUT_CONSENT = "witness_without_consent"
TOUCHES_LEFT_OUT = "touches_left_out"
NOT_FOUND = "not_found"
MAX_RECIPIENT = 300


class ConsentError(ValueError):
    """A share that cannot be checked (no or unknown purpose, missing recipient)."""


@dataclass(frozen=True)
class Share:
    purpose: str
    recipient: str = ""

    @property
    def purpose_label(self) -> str:
        return str(ConsentScope(self.purpose).label)


def check_share(purpose: Any, recipient: Any = "") -> Share:
    """The share asked for, or ConsentError saying what is missing."""
    purpose = str(purpose or "").strip()
    recipient = " ".join(str(recipient or "").split())
    choices = ", ".join(ConsentScope.values)
    if not purpose:
        raise ConsentError(
            _("say what the export is for (purpose: %(choices)s)") % {"choices": choices}
        )
    if purpose not in ConsentScope.values:
        raise ConsentError(
            _("unknown purpose %(purpose)r; choose one of %(choices)s")
            % {"purpose": purpose, "choices": choices}
        )
    if purpose == ConsentScope.PROSECUTION and not recipient:
        raise ConsentError(
            _("sharing with prosecutors needs a recipient: the prosecutor or jurisdiction")
        )
    if purpose != ConsentScope.PROSECUTION and recipient:
        raise ConsentError(_("a recipient is named only when sharing with prosecutors"))
    if len(recipient) > MAX_RECIPIENT:
        raise ConsentError(_("the recipient is longer than %(n)d characters") % {"n": 300})
    return Share(purpose, recipient)


# Purposes a consent scope covers besides itself. Only wider-to-narrower steps that no
# witness would mean otherwise: prosecution is never implied, it names who receives it.
# Plain values: a TextChoices member hashes by its name, not its value.
IMPLIED: dict[str, frozenset[str]] = {
    ConsentScope.PUBLICATION.value: frozenset(
        {ConsentScope.UN_REPORTING.value, ConsentScope.INTERNAL.value}
    ),
}


def covered_purposes(scope: Iterable[str]) -> set[str]:
    """Every purpose a stored consent scope covers, the implied ones included."""
    covered = {str(purpose) for purpose in scope}
    for purpose in list(covered):
        covered |= IMPLIED.get(purpose, frozenset())
    return covered


def same_recipient(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def consent_problem(
    share: Share, *, given: bool, scope: Any, recipients: Any
) -> tuple[str, str] | None:
    """(reason code, message) when this consent does not cover `share`; None when it does."""
    scope = scope if isinstance(scope, list) else []
    recipients = [str(r) for r in recipients] if isinstance(recipients, list) else []
    if not given or not scope:
        return NO_CONSENT, _("no consent recorded")
    if str(share.purpose) not in covered_purposes(scope):
        return NOT_IN_SCOPE, _("consent does not cover %(purpose)s") % {
            "purpose": share.purpose_label
        }
    if share.purpose == ConsentScope.PROSECUTION:
        if not recipients:
            return RECIPIENT_NOT_NAMED, _("consent to prosecution names no prosecutor")
        if not any(same_recipient(r, share.recipient) for r in recipients):
            return RECIPIENT_NOT_NAMED, _(
                "consent to prosecution names %(named)s, not “%(recipient)s”"
            ) % {"named": ", ".join(recipients), "recipient": share.recipient}
    return None


@dataclass(frozen=True)
class LeftOut:
    """One thing left out of a share, for the user sharing it. `title` and `message` are for
    them only; what goes into a shared file is `as_note()`: reference and reason code."""

    kind: str
    id: int
    reference: str
    title: str
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "kind": self.kind,
            "title": self.title,
            "reason": self.reason,
            "message": self.message,
        }

    def as_note(self) -> dict[str, str]:
        return {"reference": self.reference, "kind": self.kind, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.reference} {self.title}: {self.message}"


@dataclass
class ConsentDecision:
    share: Share
    included: list[Any] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    def reasons(self) -> dict[str, int]:
        return dict(Counter(entry.reason for entry in self.left_out))


def _touches(what: str) -> tuple[str, str]:
    return TOUCHES_LEFT_OUT, what


class ConsentRule:
    """What `share` leaves out, read once per share (testimonies, witnesses, sources) and in
    batches per chunk (items, information, involvements, link ends)."""

    def __init__(self, share: Share) -> None:
        self.share = share
        self._loaded = False
        self.testimonies: dict[int, tuple[str, str]] = {}
        self.witnesses: set[int] = set()
        self.sources: set[int] = set()

    def _load(self) -> None:
        if self._loaded:
            return
        rows = Testimony.objects.values_list(
            "pk",
            "witness_id",
            "consent_given",
            "consent_scope",
            "consent_recipients",
            "withdrawn_at",
        )
        consenting: set[int] = set()
        for pk, witness, given, scope, recipients, withdrawn in rows.iterator(chunk_size=5000):
            self.witnesses.add(witness)
            problem = consent_problem(self.share, given=given, scope=scope, recipients=recipients)
            if problem:
                self.testimonies[pk] = problem
            elif withdrawn is None:
                consenting.add(witness)
        self.witnesses -= consenting
        if self.witnesses:
            # Read whole and filtered here: the witnesses may be more than a query holds.
            sources = Source.objects.filter(person_id__isnull=False).values_list("pk", "person_id")
            self.sources = {pk for pk, person in sources.iterator() if person in self.witnesses}
        self._loaded = True

    def _may_leave_out(self, kind: str) -> bool:
        """Whether any record of `kind` can be left out of this share: spares the reads of
        the kinds that cannot (no left-out witness, no left-out testimony)."""
        if kind in ("person", "source", "involvement"):
            return bool(self.witnesses)
        if kind == "testimony":
            return bool(self.testimonies)
        if kind == "information":
            return bool(self.testimonies or self.sources)
        return kind == "item"

    def problem(self, kind: str, record: Any) -> tuple[str, str] | None:
        """Why `record` (of `kind`, "item" for evidence items; not a link: see `problems`)
        is left out; None to share."""
        self._load()
        if kind == "item":
            return consent_problem(
                self.share,
                given=True,
                scope=record.consent_scope,
                recipients=record.consent_recipients,
            )
        if kind == "testimony":
            return self.testimonies.get(record.pk)
        if kind == "person" and record.pk in self.witnesses:
            return WITNESS_WITHOUT_CONSENT, _(
                "a witness, and none of their testimonies has consent to %(purpose)s"
            ) % {"purpose": self.share.purpose_label}
        if kind == "source" and record.pk in self.sources:
            return _touches(_("the source is a witness left out of this share"))
        if kind == "information":
            if record.testimony_id in self.testimonies:
                return _touches(_("reported in a testimony left out of this share"))
            if record.source_id in self.sources:
                return _touches(_("reported by a source left out of this share"))
        if kind == "involvement" and record.perpetrator_id in self.witnesses:
            return _touches(_("the perpetrator is a witness left out of this share"))
        return None

    def problems(self, kind: str, records: Iterable[Any]) -> dict[int, tuple[str, str]]:
        """{pk: problem} for the left-out ones among `records` of one kind."""
        records = list(records)
        if kind != "link":
            found = ((record.pk, self.problem(kind, record)) for record in records)
            return {pk: problem for pk, problem in found if problem}
        ends = [(link.from_kind, link.from_id) for link in records]
        ends += [(link.to_kind, link.to_id) for link in records]
        bad_ends = self.left_out_refs(ends)
        result = {}
        for link in records:
            if (link.from_kind, link.from_id) in bad_ends or (link.to_kind, link.to_id) in bad_ends:
                result[link.pk] = _touches(_("one end is left out of this share"))
        return result

    def left_out_refs(self, refs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], tuple]:
        """{(kind, id): (problem, object)} for the referenced records and items left out."""
        self._load()
        by_kind: dict[str, set[int]] = defaultdict(set)
        for kind, pk in refs:
            if kind in LOADERS and self._may_leave_out(kind):
                by_kind[kind].add(int(pk))
        found: dict[tuple[str, int], tuple] = {}
        for kind, ids in by_kind.items():
            for obj in LOADERS[kind](ids):
                problem = self.problem(kind, obj)
                if problem:
                    found[(kind, obj.pk)] = (problem, obj)
        return found


# Kinds a share may leave out, and how to read just enough of them to decide.
LOADERS = {
    "item": lambda ids: Item.objects.filter(pk__in=ids).only(
        "pk", "title", "consent_scope", "consent_recipients"
    ),
    "testimony": lambda ids: Testimony.objects.filter(pk__in=ids).only("pk", "title"),
    "person": lambda ids: Person.objects.filter(pk__in=ids).only("pk", "name"),
    "source": lambda ids: Source.objects.filter(pk__in=ids).only("pk", "name"),
    "information": lambda ids: Information.objects.filter(pk__in=ids),
    "involvement": lambda ids: Involvement.objects.filter(pk__in=ids).select_related("degree"),
}


def left_out_entry(kind: str, obj: Any, problem: tuple[str, str]) -> LeftOut:
    title = str(obj.title) if kind == "item" else title_of(obj)
    reason, message = problem
    return LeftOut(kind, obj.pk, reference_of(kind, obj.pk), title, reason, message)


def kind_name(obj: Model) -> str:
    return "item" if isinstance(obj, Item) else kind_of(obj).name


def consent_check(user: Any, share: Share, objects: Iterable[Model]) -> ConsentDecision:
    """Which of `objects` (records of any kind and evidence items, mixed) may go into
    `share`. Objects `user` may not see are left out as "not found", without a title: a
    report or package never holds more than its maker may see."""
    from sillok.records.access import visible_ids

    objects = list(objects)
    seen = visible_ids(user, [(kind_name(obj), obj.pk) for obj in objects])
    rule = ConsentRule(share)
    by_kind: dict[str, list[Model]] = defaultdict(list)
    decision = ConsentDecision(share)
    for obj in objects:
        kind = kind_name(obj)
        if (kind, obj.pk) in seen:
            by_kind[kind].append(obj)
        else:
            reference = reference_of(kind, obj.pk)
            message = _("not found, or not yours to share")
            decision.left_out.append(LeftOut(kind, obj.pk, reference, "", NOT_FOUND, message))
    problems = {kind: rule.problems(kind, objs) for kind, objs in by_kind.items()}
    for obj in objects:
        kind = kind_name(obj)
        if (kind, obj.pk) not in seen:
            continue
        problem = problems[kind].get(obj.pk)
        if problem:
            decision.left_out.append(left_out_entry(kind, obj, problem))
        else:
            decision.included.append(obj)
    return decision
