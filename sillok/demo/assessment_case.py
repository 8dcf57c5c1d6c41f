"""The demo's legal case file: a proof matrix with real gaps for a newcomer to open.

`do_load_demo_assessment_case` reads data/assessment/kyohwaso-99.json (all fictional: the
facility Kyo-hwa-so No. 99, its units, the warden and the witnesses do not exist) and, through
the services a legal expert would use:

1. takes in the two fictional interview notes and makes their text at once, so evidence
   links can cite a passage of it (characters of the text derivative);
2. creates the documentation records the case rests on, as the demo documentation officer:
   a unit hierarchy (bureau → provincial office → facility administration → guard detail),
   the warden, four witnesses, events, acts, involvements, testimonies, sources and
   information, among them two sources behind the same person (not independent), a hearsay
   chain ("heard from") and a state-media report that contradicts the victim;
3. opens the case as the demo legal expert against the facility's administration (a unit)
   and the warden, with charges of imprisonment, torture and persecution, the second demo
   legal expert and the manager as members, and links evidence to elements;
4. assesses three elements: one confirmed by the second legal expert, one submitted and
   waiting for review, one a draft whose status the expert overrode with a reason;
5. turns two gaps into tasks and attaches a pattern query to "widespread or systematic".

Steps 2-5 run in one transaction, after the audit head lock, and the case is the mark: it
exists exactly when everything else does, so a second run (or a concurrent one, which waits
on the lock) finds it and adds nothing. Items are found again by their hash (step 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from sillok.accounts.models import User
from sillok.custody.audit import lock_head
from sillok.demo.casework import CaseworkError

ASSESSMENT_DIR = Path(__file__).resolve().parent / "data" / "assessment"
ASSESSMENT_CASE = ASSESSMENT_DIR / "kyohwaso-99.json"
OFFICER = "demo-documentation-officer"
LEGAL_EXPERT, SECOND_LEGAL_EXPERT = "demo-legal-expert", "demo-legal-expert-2"
TEXT_DERIVER = "text"  # sillok/evidence/derive/text.py
TEXT_PASSAGE = "text:"  # a passage given as a sentence of the item's text, found at load time


@dataclass
class DemoAssessmentCase:
    case_id: int | None = None
    title: str = ""
    items_stored: int = 0
    records_created: int = 0
    evidence_links: int = 0
    assessments: int = 0
    tasks: int = 0

    @property
    def loaded_now(self) -> bool:
        return bool(self.items_stored or self.records_created)


def read_assessment_case() -> dict[str, Any]:
    """The case data, with every file it names present (checked before anything is stored)."""
    try:
        data = json.loads(ASSESSMENT_CASE.read_text(encoding="utf-8"))
        files = [ASSESSMENT_DIR / spec["file"] for spec in data["items"]]
        if not isinstance(data["case"]["title"], str):
            raise TypeError("the case has no title")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaseworkError(f"cannot read the demo case {ASSESSMENT_CASE}: {exc}") from None
    for path in files:
        if not path.is_file():
            raise CaseworkError(f"demo case file {path} is missing")
    return data


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CaseworkError(f"the demo user {username} is missing (run `sillok demo`)")
    return user


# --- 1. the interview notes -------------------------------------------------------------------


def _ensure_note(officer: User, spec: dict[str, Any], result: DemoAssessmentCase) -> Any:
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.derivation import run_derivation_job
    from sillok.evidence.intake import NEW, do_ingest_file
    from sillok.evidence.metadata import check_metadata
    from sillok.evidence.models import DerivationJob, JobStatus

    path = ASSESSMENT_DIR / spec["file"]
    original = _original_of(path)
    if original is None:  # asked first: intake would record a duplicate's arrival again
        outcome = do_ingest_file(
            officer,
            path,
            filename=spec["file"],
            metadata=check_metadata(spec["metadata"]),
            context=HandlingContext.for_cli(reason="demo case file"),
        )
        if outcome.status == "rejected":
            raise CaseworkError(f"demo case file {path} was refused: {outcome.reason}")
        result.items_stored += outcome.status == NEW
        original = _original_of(path)
    if original is None:  # neither stored now nor by a concurrent run: cannot happen
        raise CaseworkError(f"demo case file {path} was not stored")
    # Its text now, not when the worker gets to it: the evidence links cite passages of it.
    for job in DerivationJob.objects.filter(
        source=original, deriver=TEXT_DERIVER, status=JobStatus.QUEUED
    ):
        run_derivation_job(job.pk)
    return original.item


def _original_of(path: Path) -> Any:
    from sillok.custody.blobstore.base import hash_stream
    from sillok.evidence.models import FileRole, ItemFile

    with path.open("rb") as stream:
        sha256 = hash_stream(stream).sha256
    found = ItemFile.objects.select_related("item").filter(role=FileRole.ORIGINAL, sha256=sha256)
    return found.first()


def _passage_of(item: Any, sentence: str) -> str:
    """The character range ("c120-146") of `sentence` in the item's text derivative."""
    from sillok.evidence.derive.base import TEXT_KINDS
    from sillok.evidence.queries import read_text

    for file in item.files.filter(kind__in=TEXT_KINDS).order_by("pk"):
        text, _truncated = read_text(file, limit=file.size)
        start = text.find(sentence)
        if start >= 0:
            return f"c{file.pk}:{start}-{start + len(sentence)}"
    raise CaseworkError(f"demo case: item {item.pk} has no text containing {sentence!r}")


# --- 2. the records ---------------------------------------------------------------------------


def _resolved(value: Any, made: dict[str, str]) -> Any:
    """The raw value with each "@key" replaced by the reference of what that key made."""
    if isinstance(value, list):
        return [_resolved(v, made) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        try:
            return made[value[1:]]
        except KeyError:
            raise CaseworkError(f"demo case refers to {value} before it exists") from None
    return value


def _create_records(data: dict[str, Any], made: dict[str, str], result: DemoAssessmentCase) -> None:
    from sillok.records.fields import RecordValuesError, clean_values
    from sillok.records.kinds import get_kind
    from sillok.records.resolve import Resolver
    from sillok.records.services import do_create_record

    officer = _user(OFFICER)
    resolver = Resolver(officer)
    specs = [*data["records"], *({"kind": "link", "values": v} for v in data["links"])]
    for number, spec in enumerate(specs):
        kind = get_kind(spec["kind"])
        raw = {name: _resolved(value, made) for name, value in spec["values"].items()}
        try:
            values = clean_values(kind.name, raw, resolver)
        except RecordValuesError as exc:
            raise CaseworkError(f"demo case record {spec.get('key', number)}: {exc}") from None
        record = do_create_record(officer, kind.name, values)
        made[spec.get("key", f"link-{number}")] = f"{kind.prefix}-{record.pk}"
        result.records_created += 1


# --- 3.-5. the case ---------------------------------------------------------------------------


def _open_case(spec: dict[str, Any], made: dict[str, str]) -> tuple[Any, dict, dict]:
    """The case with its members, suspects and charges; ({key: Suspect}, {key: Charge})."""
    from sillok.assessment.elements import find_element
    from sillok.assessment.models import Framework
    from sillok.assessment.services import (
        do_add_charge,
        do_add_member,
        do_add_suspect,
        do_create_case,
    )
    from sillok.records.fields import parse_reference
    from sillok.records.models import Organization, Person

    expert = _user(LEGAL_EXPERT)
    framework = Framework.objects.filter(code=spec["framework"]).first()
    if framework is None:
        raise CaseworkError(f"the legal framework {spec['framework']} is missing (`sillok init`)")
    case = do_create_case(
        expert,
        spec["title"],
        framework=framework,
        standard=find_element(spec["standard"], framework),
        strategy=spec["strategy"],
        sensitivity=spec["sensitivity"],
    )
    for username in spec["members"]:
        do_add_member(expert, case, _user(username))
    suspects = {}
    for suspect in spec["suspects"]:
        kind, pk = parse_reference(_resolved(suspect["record"], made))
        target = {"person": Person, "organization": Organization}[kind].objects.get(pk=pk)
        suspects[suspect["key"]] = do_add_suspect(
            expert, case, **{kind: target}, notes=suspect["notes"]
        )
    charges = {
        charge["key"]: do_add_charge(
            expert,
            case,
            crime=find_element(charge["crime"], framework),
            suspect=suspects[charge["suspect"]],
            mode=find_element(charge["mode"], framework),
        )
        for charge in spec["charges"]
    }
    return case, suspects, charges


def _link_evidence(
    spec: dict[str, Any], charges: dict, made: dict[str, str], notes: dict[str, Any]
) -> int:
    from sillok.assessment.elements import find_element
    from sillok.assessment.evidence_refs import parse_evidence_ref
    from sillok.assessment.services import do_link_evidence

    expert = _user(LEGAL_EXPERT)
    for link in spec["links"]:
        charge = charges[link["charge"]]
        evidence = link["evidence"]
        passage = link.get("passage", "")
        if evidence.startswith("@item:"):
            item = notes[evidence.removeprefix("@item:")]
            kind, pk = "item", item.pk
            if passage.startswith(TEXT_PASSAGE):
                passage = _passage_of(item, passage.removeprefix(TEXT_PASSAGE))
        else:
            kind, pk = parse_evidence_ref(_resolved(evidence, made))
        do_link_evidence(
            expert,
            charge,
            find_element(link["element"], charge.case.framework),
            evidence_kind=kind,
            evidence_id=pk,
            passage=passage or None,
            assessment=link.get("assessment", "supports"),
            weight=link["weight"],
            comment=link["comment"],
        )
    return len(spec["links"])


def _assess(spec: dict[str, Any], charges: dict) -> int:
    from sillok.assessment.elements import find_element
    from sillok.assessment.review import (
        do_assess_element,
        do_confirm_assessment,
        do_submit_assessment,
    )

    expert, colleague = _user(LEGAL_EXPERT), _user(SECOND_LEGAL_EXPERT)
    for entry in spec["assessments"]:
        charge = charges[entry["charge"]]
        assessment = do_assess_element(
            expert,
            charge,
            find_element(entry["element"], charge.case.framework),
            override_status=entry.get("override_status", ""),
            override_reason=entry.get("override_reason", ""),
            comment=entry["comment"],
        )
        if entry["submit"]:
            do_submit_assessment(expert, assessment)
        if entry["confirm"]:
            do_confirm_assessment(colleague, assessment, comment=entry["review_comment"])
    return len(spec["assessments"])


def _tasks_from_gaps(spec: dict[str, Any], case: Any, charges: dict) -> int:
    from sillok.assessment.gaps import do_task_from_gap, gaps_of

    expert = _user(LEGAL_EXPERT)
    gaps = gaps_of(expert, case)
    today = timezone.localdate()
    for wanted in spec["tasks_from_gaps"]:
        charge = charges[wanted["charge"]]
        gap = next(
            (g for g in gaps if g.charge.pk == charge.pk and g.element.code == wanted["element"]),
            None,
        )
        if gap is None:
            raise CaseworkError(f"demo case: no gap at {wanted['element']} of {wanted['charge']}")
        do_task_from_gap(
            expert,
            case,
            gap.key,
            assignee=_user(wanted["assignee"]) if wanted["assignee"] else None,
            due_date=today + timedelta(days=wanted["due_in_days"]),
        )
    return len(spec["tasks_from_gaps"])


def _attach_pattern(spec: dict[str, Any], case: Any) -> None:
    from sillok.assessment.elements import find_element
    from sillok.assessment.patterns import do_run_pattern

    pattern = spec["pattern"]
    do_run_pattern(
        _user(LEGAL_EXPERT),
        case,
        find_element(pattern["element"], case.framework),
        title=pattern["title"],
        query=pattern["query"],
    )


def do_load_demo_assessment_case(data: dict[str, Any] | None = None) -> DemoAssessmentCase:
    """Load the demo case file once (after the demo users, the vocabularies and the legal
    frameworks); `data` is what read_assessment_case() returned, read again when not given."""
    data = data if data is not None else read_assessment_case()
    spec = data["case"]
    result = DemoAssessmentCase(title=spec["title"])
    officer = _user(OFFICER)
    for username in (LEGAL_EXPERT, SECOND_LEGAL_EXPERT, *spec["members"]):
        _user(username)  # every user it needs, before anything is stored
    notes = {note["key"]: _ensure_note(officer, note, result) for note in data["items"]}
    try:
        _load_case(data, spec, notes, result)
    except (LookupError, ValueError, PermissionError) as exc:
        # A refusal by a service (a missing element, a passage beyond the text): the data and
        # the code disagree; nothing of steps 2-5 was stored.
        raise CaseworkError(f"demo case: {type(exc).__name__}: {exc}") from exc
    return result


def _load_case(
    data: dict[str, Any], spec: dict[str, Any], notes: dict[str, Any], result: DemoAssessmentCase
) -> None:
    from sillok.assessment.models import CaseFile

    with transaction.atomic():
        # Two `sillok demo` at once: the second waits here, then finds the first one's case.
        lock_head()
        existing = CaseFile.objects.filter(title=spec["title"]).order_by("pk").first()
        if existing is not None:
            result.case_id = existing.pk
            return
        made = {f"item:{key}": f"X-{item.pk}" for key, item in notes.items()}
        _create_records(data, made, result)
        case, _suspects, charges = _open_case(spec, made)
        result.case_id = case.pk
        result.evidence_links = _link_evidence(spec, charges, made, notes)
        result.assessments = _assess(spec, charges)
        result.tasks = _tasks_from_gaps(spec, case, charges)
        _attach_pattern(spec, case)
