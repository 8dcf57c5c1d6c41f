"""The words and rows of a matrix export, shared by the XLSX and PDF writers.

Everything here reads the shared matrix (exports.apply_consent) and is called inside
`translation.override(language)`: labels come out in the export's language, the English and
Korean names of crimes and elements are picked from the matrix by the same language.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sillok.assessment.models import Assessment, ElementKind, ElementStatus, ReviewState, Weight
from sillok.evidence.models import ConsentScope
from sillok.records.consent import (
    NO_CONSENT,
    NOT_FOUND,
    NOT_IN_SCOPE,
    RECIPIENT_NOT_NAMED,
    TOUCHES_LEFT_OUT,
    WITNESS_WITHOUT_CONSENT,
)

SECTIONS = {
    "contextual": ElementKind.CONTEXTUAL.label,
    "crime": ElementKind.CRIME.label,
    "mode": ElementKind.MODE.label,
}
GAPS = {
    "no_evidence": gettext_lazy("no evidence"),
    "single_source": gettext_lazy("a single source"),
    "hearsay_only": gettext_lazy("hearsay only"),
    "contradicted_only": gettext_lazy("only contradicted evidence"),
}
# Reasons as the file states them: readable, and never naming who consented to what.
REASON_LABELS = {
    NO_CONSENT: gettext_lazy("no consent recorded"),
    NOT_IN_SCOPE: gettext_lazy("consent does not cover this purpose"),
    RECIPIENT_NOT_NAMED: gettext_lazy("consent does not name this recipient"),
    WITNESS_WITHOUT_CONSENT: gettext_lazy("a witness without consent to this purpose"),
    TOUCHES_LEFT_OUT: gettext_lazy("connected to evidence left out of this share"),
    NOT_FOUND: gettext_lazy("not found, or not yours to share"),
}


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


def pick(labels: dict | None, language: str) -> str:
    """The Korean or English name from a matrix dict with label_en / label_ko."""
    labels = labels or {}
    if language == "ko" and labels.get("label_ko"):
        return str(labels["label_ko"])
    return str(labels.get("label_en") or labels.get("label") or labels.get("code") or "")


def _choice(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def status_label(status: str) -> str:
    return _choice(ElementStatus, status)


def review_label(state: str) -> str:
    if not state or state == "none":
        return _("Not assessed")
    return _choice(ReviewState, state)


def assessment_label(value: str) -> str:
    return _choice(Assessment, value)


def weight_label(value: str) -> str:
    return _choice(Weight, value)


def section_label(section: str) -> str:
    return str(SECTIONS.get(section, section))


def purpose_label(purpose: str) -> str:
    return _choice(ConsentScope, purpose)


def gap_label(gap: Any) -> str:
    kind = gap.get("kind", "") if isinstance(gap, dict) else str(gap)
    return str(GAPS.get(kind, kind))


def grading_text(grading: dict | None) -> str:
    """The grading an evidence link inherits: source reliability (A–F) and information
    credibility (1–6), "B2"; "" when it has none."""
    grading = grading or {}
    return f"{grading.get('reliability') or ''}{grading.get('credibility') or ''}"


def standard_text(case: dict, language: str) -> tuple[str, str]:
    """(the standard of proof's name, its rule in words)."""
    standard = case.get("standard") or {}
    rule = standard.get("rule_ko") if language == "ko" else standard.get("rule_en")
    return pick(standard, language), str(rule or standard.get("rule_en") or "")


def charge_title(charge: dict, language: str) -> str:
    suspect = (charge.get("suspect") or {}).get("label", "")
    crime, mode = pick(charge.get("crime"), language), pick(charge.get("mode"), language)
    return _("%(crime)s — %(suspect)s — %(mode)s") % {
        "crime": crime,
        "suspect": suspect,
        "mode": mode,
    }


def matrix_columns() -> list[str]:
    """Headings of the matrix rows (one row per piece of evidence, or per element without)."""
    return [
        _("Charge"),
        _("Element code"),
        _("Element"),
        _("Section"),
        _("Status"),
        _("Review state"),
        _("Evidence"),
        _("Evidence title"),
        _("Passage"),
        _("Assessment"),
        _("Weight"),
        _("Grading"),
        _("Assessor"),
        _("Date"),
        _("Comment"),
        _("Redacted copy approved"),
    ]


def evidence_cells(entry: dict) -> list[Any]:
    redacted = entry.get("redacted_copy")
    return [
        entry.get("ref", ""),
        entry.get("title", ""),
        entry.get("passage_label", ""),
        assessment_label(entry.get("assessment", "")),
        weight_label(entry.get("weight", "")),
        grading_text(entry.get("grading")),
        entry.get("assessor", ""),
        str(entry.get("assessed_at") or "")[:10],
        entry.get("comment", ""),
        "" if redacted is None else (_("yes") if redacted else _("no")),
    ]


def matrix_rows(shared: dict, language: str) -> Iterator[list[Any]]:
    for charge in shared["charges"]:
        title = charge_title(charge, language)
        for element in charge["elements"]:
            head = [
                title,
                element.get("code", ""),
                pick(element, language),
                section_label(element.get("section", "")),
                status_label(element.get("status", "")),
                review_label(element.get("review_state", "")),
            ]
            if not element["evidence"]:
                yield head + [""] * 10
            for entry in element["evidence"]:
                yield head + evidence_cells(entry)


def withheld_columns() -> list[str]:
    return [_("Reference"), _("Kind"), _("Reason"), _("Reason code"), _("Charge"), _("Element")]


def withheld_rows(shared: dict) -> Iterator[list[Any]]:
    for entry in shared["withheld"]:
        yield [
            entry.get("reference", ""),
            entry.get("kind", ""),
            reason_label(entry.get("reason", "")),
            entry.get("reason", ""),
            entry.get("charge", ""),
            entry.get("element", ""),
        ]


def status_counts(charge: dict) -> dict[str, int]:
    counts = dict.fromkeys(ElementStatus.values, 0)
    for element in charge["elements"]:
        status = element.get("status", "")
        counts[status] = counts.get(status, 0) + 1
    return counts
