"""What the case pages accept. Each form reads what a person typed or picked, in English or
Korean, and turns it into the arguments of one service call; a bad value gets an error that
names it, and nothing is changed (the views call a service only with a valid form).

Choices are accepted by code and by their English or Korean label (records/aliases.py, the
rule every Sillok form follows), so a Korean user may type "높음" for a high weight; dates also
in the Korean forms ("2026년 12월 7일", "2026. 12. 7.").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sillok.assessment.case_input import (
    CaseInputError,
    parse_assessment,
    parse_sensitivity,
    parse_task_status,
    parse_weight,
)
from sillok.assessment.models import (
    Assessment,
    CaseFile,
    Charge,
    Element,
    ElementKind,
    ElementStatus,
    Framework,
    Suspect,
    TaskStatus,
    Weight,
)
from sillok.core.sensitivity import Sensitivity
from sillok.records.access import visible_records
from sillok.records.aliases import accepted_text, choice_value, korean_date
from sillok.records.kinds import reference_of
from sillok.records.listing import text_search
from sillok.records.titles import safe_title, viewer_levels

MAX_TEXT = 20_000
MAX_CANDIDATES = 5  # named in the error when a suspect's name matches several records


class TypedChoiceField(forms.CharField):
    """A choice given by its code or its English or Korean label (a select posts the code,
    a script or a person may type either)."""

    def __init__(
        self, choices: type, parser: Callable[[Any], str] | None = None, **kwargs: Any
    ) -> None:
        self.choices_class = choices
        self.parser = parser  # case_input.py's words, shared with the API and the CLI
        kwargs.setdefault("max_length", 200)
        blank = [] if kwargs.get("required", True) else [("", "—")]
        kwargs.setdefault("widget", forms.Select(choices=[*blank, *choices.choices]))
        super().__init__(**kwargs)
        self.choices = choices.choices  # for the templates' <select>

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if text in self.empty_values:
            return ""
        cleaned = choice_value(self.choices_class, text)
        if cleaned is None and self.parser is not None:
            try:
                cleaned = self.parser(text)
            except CaseInputError:
                cleaned = None
        if cleaned is None:
            raise forms.ValidationError(
                gettext("%(value)s is not one of: %(accepted)s.")
                % {"value": text, "accepted": accepted_text(self.choices_class)}
            )
        return cleaned


class TypedDateField(forms.CharField):
    """A date as 2026-12-07 or as Korean documents write it (2026년 12월 7일, 2026. 12. 7.)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.date | None:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return dt.date.fromisoformat(korean_date(text))
        except ValueError:
            raise forms.ValidationError(
                gettext("%(value)s is not a date; write it like 2026-12-31 or 2026년 12월 31일.")
                % {"value": text}
            ) from None


def _element_label(element: Element) -> str:
    reference = f" ({element.reference})" if element.reference else ""
    return f"{element.label}{reference}"


class ElementChoiceField(forms.ModelChoiceField):
    """An element of a framework, picked from a list or typed by its code ("art7-1-f")."""

    def label_from_instance(self, obj: Element) -> str:
        return _element_label(obj)

    def to_python(self, value: Any) -> Element | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text.isdigit():
            code = text.split(":", 1)[-1]
            found = self.queryset.filter(code=code).first()
            if found is None:
                raise forms.ValidationError(
                    gettext("No %(what)s with the code %(code)s in this framework.")
                    % {"what": self.label, "code": code}
                )
            return found
        return super().to_python(text)


class CaseForm(forms.Form):
    """A new case file: its title, the law it is assessed against and the standard of proof."""

    title = forms.CharField(
        label=_("Title"), max_length=500, error_messages={"required": _("Give the case a title.")}
    )
    framework = forms.ModelChoiceField(
        label=_("Legal framework"), queryset=Framework.objects.all(), empty_label=None
    )
    standard = ElementChoiceField(
        label=_("Standard of proof"),
        queryset=Element.objects.filter(kind=ElementKind.STANDARD, active=True).select_related(
            "framework"
        ),
        empty_label=None,
    )
    sensitivity = TypedChoiceField(
        Sensitivity, parse_sensitivity, label=_("Sensitivity"), required=False
    )
    strategy = forms.CharField(
        label=_("Strategy notes"), required=False, max_length=MAX_TEXT, widget=forms.Textarea
    )

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(gettext("Give the case a title."))
        return title

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        framework, standard = data.get("framework"), data.get("standard")
        if framework and standard and standard.framework_id != framework.pk:
            self.add_error(
                "standard",
                gettext("This standard of proof belongs to another framework (%(code)s).")
                % {"code": standard.framework.code},
            )
        data["sensitivity"] = data.get("sensitivity") or Sensitivity.RESTRICTED
        return data


class CaseEditForm(forms.Form):
    """The title and strategy notes of a case; the revision catches concurrent edits."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("Title"), max_length=500, error_messages={"required": _("Give the case a title.")}
    )
    strategy = forms.CharField(
        label=_("Strategy notes"), required=False, max_length=MAX_TEXT, widget=forms.Textarea
    )
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=2000)

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(gettext("Give the case a title."))
        return title


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)

    def clean_username(self) -> Any:
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                gettext("There is no active user called %(name)s.") % {"name": name}
            )
        return user


class SuspectForm(forms.Form):
    """A person or a unit, by reference (P-12, O-3) or by a name that matches one record."""

    record = forms.CharField(label=_("Person or unit"), max_length=300)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=MAX_TEXT)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_record(self) -> tuple[str, Any]:
        text = self.cleaned_data["record"].strip()
        found: list[tuple[str, Any]] = []
        for kind in ("person", "organization"):
            query = visible_records(self.user, kind).filter(withdrawn_at__isnull=True)
            found += [(kind, r) for r in text_search(self.user, kind, query, text)[:10]]
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(
                gettext("No person or unit you may see matches %(text)s.") % {"text": text}
            )
        levels = viewer_levels(self.user)
        named = ", ".join(
            f"{reference_of(kind, r.pk)} {safe_title(r, levels)}"
            for kind, r in found[:MAX_CANDIDATES]
        )
        raise forms.ValidationError(
            gettext("Several match %(text)s (%(named)s): give the reference.")
            % {"text": text, "named": named}
        )


class ChargeForm(forms.Form):
    crime = ElementChoiceField(label=_("Crime"), queryset=Element.objects.none())
    suspect = forms.ModelChoiceField(label=_("Suspect"), queryset=Suspect.objects.none())
    mode = ElementChoiceField(label=_("Mode of liability"), queryset=Element.objects.none())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=MAX_TEXT)

    def __init__(
        self,
        *args: Any,
        case: CaseFile,
        suspects: QuerySet,
        suspect_labels: dict[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        elements = Element.objects.filter(framework_id=case.framework_id, active=True)
        self.fields["crime"].queryset = elements.filter(kind=ElementKind.CRIME)
        self.fields["mode"].queryset = elements.filter(kind=ElementKind.MODE)
        self.fields["suspect"].queryset = suspects
        # Named as the case page names them (a record the user may not see by reference only).
        self.fields["suspect"].label_from_instance = lambda s: suspect_labels.get(s.pk, str(s.pk))


def charge_label(charge: Charge) -> str:
    """A charge as a choice: crime · mode of liability (the suspect's name may be hidden)."""
    return f"{charge.crime.label} · {charge.mode.label} (#{charge.pk})"


def _elements_of_case(case: CaseFile) -> QuerySet:
    return Element.objects.filter(
        framework_id=case.framework_id,
        active=True,
        kind__in=[ElementKind.ELEMENT, ElementKind.CONTEXTUAL],
    )


class ElementsField(forms.ModelMultipleChoiceField):
    """Elements picked from a list, or typed as codes separated by commas."""

    def label_from_instance(self, obj: Element) -> str:
        return f"{obj.code} · {_element_label(obj)}"

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 1 and "," in str(value[0]):
            value = [v.strip() for v in str(value[0]).split(",") if v.strip()]
        if isinstance(value, list | tuple):
            value = [self._pk_of(v) for v in value if str(v).strip()]
        return super().clean(value)

    def _pk_of(self, value: Any) -> Any:
        text = str(value).strip()
        if text.isdigit():
            return text
        found = self.queryset.filter(code=text.split(":", 1)[-1]).first()
        if found is None:
            raise forms.ValidationError(
                gettext("No element with the code %(code)s in this framework.") % {"code": text}
            )
        return str(found.pk)


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("Task"), max_length=500, error_messages={"required": _("Say what the task is.")}
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=MAX_TEXT, widget=forms.Textarea
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = TypedDateField(label=_("Due date"), required=False)
    charge = forms.ModelChoiceField(
        label=_("Charge"), queryset=Charge.objects.none(), required=False
    )
    elements = ElementsField(
        label=_("Elements it serves"), queryset=Element.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, case: CaseFile, members: QuerySet, charges: QuerySet, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members
        self.fields["charge"].queryset = charges
        self.fields["charge"].label_from_instance = charge_label
        self.fields["elements"].queryset = _elements_of_case(case)

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(gettext("Say what the task is."))
        return title


class TaskUpdateForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    status = TypedChoiceField(TaskStatus, parse_task_status, label=_("Status"))
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = TypedDateField(label=_("Due date"), required=False)

    def __init__(self, *args: Any, members: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members


class EvidenceFields(forms.Form):
    """What a means of proof is: the evidence, a passage of it, and its assessment."""

    evidence = forms.CharField(label=_("Evidence"), max_length=300)
    passage = forms.CharField(label=_("Passage"), required=False, max_length=100)
    assessment = TypedChoiceField(
        Assessment, parse_assessment, label=_("Assessment"), required=False
    )
    weight = TypedChoiceField(Weight, parse_weight, label=_("Probative weight"), required=False)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_TEXT)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["assessment"] = data.get("assessment") or Assessment.SUPPORTS
        data["weight"] = data.get("weight") or Weight.MEDIUM
        data["passage"] = (data.get("passage") or "").strip()
        return data


class AddToCaseForm(EvidenceFields):
    """A means of proof for one element of one charge of a case the user may change: the
    target is posted as "<charge id>:<element id>" (one list of every charge's elements)."""

    target = forms.CharField(label=_("Charge and element"), max_length=50)

    def __init__(self, *args: Any, targets: dict[str, tuple[Charge, Element]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.targets = targets

    def clean_target(self) -> tuple[Charge, Element]:
        value = self.cleaned_data["target"].strip()
        if value not in self.targets:
            raise forms.ValidationError(gettext("Choose an element of a charge in your cases."))
        return self.targets[value]


class ReassessForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    assessment = TypedChoiceField(Assessment, parse_assessment, label=_("Assessment"))
    weight = TypedChoiceField(Weight, parse_weight, label=_("Probative weight"))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_TEXT)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Say why it is withdrawn."))
        return reason


class AssessElementForm(forms.Form):
    """An element's assessment: the rule's status stands unless an override (with its
    reason) says otherwise."""

    override_status = TypedChoiceField(ElementStatus, label=_("Override status"), required=False)
    override_reason = forms.CharField(
        label=_("Reason for the override"), required=False, max_length=MAX_TEXT
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_TEXT)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reason = (data.get("override_reason") or "").strip()
        data["override_reason"] = reason
        if data.get("override_status") and not reason:
            self.add_error(
                "override_reason", gettext("Say why you override the status the rule gives.")
            )
        return data


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_TEXT)
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("return", _("Return"))], widget=forms.HiddenInput
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["comment"] = (data.get("comment") or "").strip()
        if data.get("decision") == "return" and not data["comment"]:
            self.add_error("comment", gettext("Say what needs to change before it is returned."))
        return data


class GapTaskForm(forms.Form):
    gap = forms.CharField(max_length=300, widget=forms.HiddenInput)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = TypedDateField(label=_("Due date"), required=False)

    def __init__(self, *args: Any, members: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members
