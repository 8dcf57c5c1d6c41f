"""Values people type into a case file, checked once for the services, the API and the CLI.

Choices are accepted as stored ("supports"), in English words ("Supports") and in Korean
("지지", "높음"): whoever types a choice may type it in either language. Bad input raises
CaseInputError naming the field, and nothing is changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from sillok.assessment.models import Assessment, TaskStatus, Weight
from sillok.core.sensitivity import Sensitivity


class CaseInputError(ValueError):
    """Bad input to a case operation; `field` names what to fix, the message says how."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# Korean (and a few English) words people type for each stored value.
ASSESSMENT_WORDS = {
    Assessment.SUPPORTS: ("supports", "support", "지지", "뒷받침", "입증"),
    Assessment.CONTRADICTS: ("contradicts", "contradict", "상충", "반박", "모순"),
    Assessment.CONTEXT: ("context", "맥락", "배경"),
}
WEIGHT_WORDS = {
    Weight.LOW: ("low", "낮음", "낮은", "하"),
    Weight.MEDIUM: ("medium", "보통", "중간", "중"),
    Weight.HIGH: ("high", "높음", "높은", "상"),
}
TASK_STATUS_WORDS = {
    TaskStatus.OPEN: ("open", "열림", "미결", "대기"),
    TaskStatus.IN_PROGRESS: ("in_progress", "in progress", "진행", "진행중", "진행 중"),
    TaskStatus.DONE: ("done", "완료"),
    TaskStatus.CANCELLED: ("cancelled", "canceled", "취소"),
}
SENSITIVITY_WORDS = {
    Sensitivity.PUBLIC: ("public", "공개"),
    Sensitivity.INTERNAL: ("internal", "내부"),
    Sensitivity.RESTRICTED: ("restricted", "제한"),
    Sensitivity.STRICTLY_CONFIDENTIAL: ("strictly_confidential", "strictly confidential", "극비"),
}
GAP_KINDS = ("no_evidence", "single_source", "hearsay_only", "contradicted_only")


def _choice(field: str, value: Any, words: dict) -> str:
    typed = str(value or "").strip().lower().replace("-", "_")
    for stored, accepted in words.items():
        if typed == str(stored) or typed in accepted or typed == str(stored.label).lower():
            return str(stored)
    allowed = ", ".join(f"{stored} ({accepted[-1] if len(accepted) > 1 else stored})"
                        for stored, accepted in words.items())  # fmt: skip
    raise CaseInputError(field, _("%(value)r is not one of: %(allowed)s") % {
        "value": value, "allowed": allowed})  # fmt: skip


def parse_assessment(value: Any) -> str:
    return _choice("assessment", value, ASSESSMENT_WORDS)


def parse_weight(value: Any) -> str:
    return _choice("weight", value, WEIGHT_WORDS)


def parse_task_status(value: Any) -> str:
    return _choice("status", value, TASK_STATUS_WORDS)


def parse_sensitivity(value: Any) -> str:
    return _choice("sensitivity", value, SENSITIVITY_WORDS)


def clean_text(field: str, value: Any, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value)
    text = text.strip()
    if "\x00" in text:
        raise CaseInputError(field, _("must not contain NUL characters"))
    if required and not text:
        raise CaseInputError(field, _("is empty"))
    if len(text) > max_length:
        raise CaseInputError(field, _("is longer than %(max)d characters") % {"max": max_length})
    return text


def parse_date(field: str, value: Any) -> dt.date | None:
    """A date from a date or "2026-12-31"; None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CaseInputError(
            field, _("%(value)r is not a date (write 2026-12-31)") % {"value": value}
        ) from None


def parse_gap(value: Any) -> str:
    gap = str(value or "").strip()
    if gap and gap not in GAP_KINDS:
        raise CaseInputError(
            "gap",
            _("%(value)r is not one of: %(allowed)s")
            % {"value": value, "allowed": ", ".join(GAP_KINDS)},
        )
    return gap
