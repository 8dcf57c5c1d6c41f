"""Reading a loaded framework: its crimes, modes of liability and standards of proof, the
elements a charge must prove, and lookups of an element by the spellings people type
("rome-statute:art7-1-f", "art7-1-f", or an id). Read-only; loading is frameworks.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sillok.assessment.framework_files import RULE_DEFAULTS
from sillok.assessment.models import Element, ElementKind, Framework

SECTIONS = ("contextual", "crime", "mode")


class ElementNotFound(LookupError):
    """No active element matches what was asked for; the message says what was looked up."""


@dataclass(frozen=True)
class ChargeElement:
    """One element a charge must prove, and the part of the charge it belongs to."""

    section: str  # "contextual" | "crime" | "mode"
    element: Element


def _active(framework: Framework) -> QuerySet[Element]:
    return Element.objects.filter(framework=framework, active=True).order_by("sort_order", "pk")


def crimes(framework: Framework) -> QuerySet[Element]:
    return _active(framework).filter(kind=ElementKind.CRIME)


def modes(framework: Framework) -> QuerySet[Element]:
    return _active(framework).filter(kind=ElementKind.MODE)


def standards(framework: Framework) -> QuerySet[Element]:
    """Standards of proof in file order (the shipped files list them weakest first; each
    one's strength is its data.rank)."""
    return _active(framework).filter(kind=ElementKind.STANDARD)


def standard_rule(standard: Element) -> dict[str, Any]:
    """The rule of a standard of proof with every key present (defaults filled in)."""
    if standard.kind != ElementKind.STANDARD:
        raise ValueError(f"{standard} is a {standard.kind}, not a standard of proof")
    rule = (standard.data or {}).get("rule") or {}
    return {**RULE_DEFAULTS, **rule}


def _children(parent: Element | None, kind: str) -> list[Element]:
    if parent is None:
        return []
    return list(
        Element.objects.filter(parent=parent, kind=kind, active=True).order_by("sort_order", "pk")
    )


def elements_for_charge(crime: Element, mode: Element) -> list[ChargeElement]:
    """What a charge of `crime` under `mode` must prove, in order: the crime's contextual
    elements, then its own elements, then those of the mode of liability."""
    if crime.kind != ElementKind.CRIME:
        raise ValueError(f"{crime} is a {crime.kind}, not a crime")
    if mode.kind != ElementKind.MODE:
        raise ValueError(f"{mode} is a {mode.kind}, not a mode of liability")
    context = crime.context if crime.context_id else None
    return (
        [ChargeElement("contextual", e) for e in _children(context, ElementKind.CONTEXTUAL)]
        + [ChargeElement("crime", e) for e in _children(crime, ElementKind.ELEMENT)]
        + [ChargeElement("mode", e) for e in _children(mode, ElementKind.ELEMENT)]
    )


def find_element(spec: str, framework: Framework | None = None) -> Element:
    """The active element named by `spec`: "FRAMEWORK:CODE", a bare CODE (within
    `framework`, or unique across frameworks) or a numeric id."""
    text = str(spec or "").strip()
    if not text:
        raise ElementNotFound("no element given")
    found = Element.objects.filter(active=True).select_related("framework")
    if framework is not None:
        found = found.filter(framework=framework)
    if text.isdigit():
        match = list(found.filter(pk=int(text)))
    elif ":" in text:
        framework_code, _, code = text.partition(":")
        match = list(found.filter(framework__code=framework_code.strip(), code=code.strip()))
    else:
        match = list(found.filter(code=text))
    where = f" in {framework.code}" if framework is not None else ""
    if not match:
        raise ElementNotFound(f"no element {text!r}{where}")
    if len(match) > 1:
        names = ", ".join(f"{e.framework.code}:{e.code}" for e in match)
        raise ElementNotFound(f"{text!r} names several elements ({names}); give the framework")
    return match[0]
