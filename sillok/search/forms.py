"""What the search page and the saved-search forms accept: the search box, the semantic
switch, the page number and the facet selections (GET), and a saved search's name (POST)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from sillok.search.facets import FACET_KEYS
from sillok.search.models import SavedSearch

MAX_QUERY = 1000
MAX_VALUES = 20  # per facet: a crafted URL must not make a thousand-way filter


def query_text(params: QueryDict) -> str:
    return params.get("q", "").strip()[:MAX_QUERY]


def wants_semantic(params: QueryDict) -> bool:
    return params.get("semantic", "") in {"1", "on", "true"}


def selected_filters(params: QueryDict) -> dict[str, list[str]]:
    """{facet key: [values]} from the parameters, unknown keys and empty values dropped."""
    filters: dict[str, list[str]] = {}
    for key in FACET_KEYS:
        values = []
        for value in params.getlist(key):
            value = value.strip()[:100]
            if value and value not in values:
                values.append(value)
        if values:
            filters[key] = values[:MAX_VALUES]
    return filters


def page_number(params: QueryDict) -> int:
    try:
        return min(max(int(params.get("page", "1")), 1), 10_000)
    except ValueError:
        return 1


class SaveSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    alert = forms.BooleanField(label=_("Alert me to new matches"), required=False, initial=True)

    def __init__(self, *args, owner=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the search a name."))
        if SavedSearch.objects.filter(owner=self.owner, name=name).exists():
            raise forms.ValidationError(_("You already have a saved search with this name."))
        return name
