"""What every record page shares: the kind in the URL, fetch-and-authorise and refusals."""

from __future__ import annotations

from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sillok.records.access import RecordNotFound, access_record
from sillok.records.kinds import KINDS, KINDS_BY_PLURAL, RecordKind


class KindConverter:
    """A record kind's plural in a URL ("persons"); nothing else matches, so /records/lookup/
    and the import pages can never be read as a kind."""

    regex = "|".join(kind.plural for kind in KINDS)

    def to_python(self, value: str) -> RecordKind:
        return KINDS_BY_PLURAL[value]

    def to_url(self, value: RecordKind | str) -> str:
        return value.plural if isinstance(value, RecordKind) else str(value)


def refused(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    """The page that says why an action is not allowed (the user may see the record)."""
    return render(request, "records/refused.html", {"message": message}, status=status)


def record_or_404(request: HttpRequest, kind: RecordKind, record_id: int) -> Model:
    """The record if the user may see it (a link: and both of its ends, as access_record
    decides); 404 for missing and forbidden alike."""
    try:
        return access_record(request.user, kind.name, record_id)
    except RecordNotFound:
        raise Http404("No such record.") from None


def posted_revision(request: HttpRequest) -> int | None:
    """The revision the form was made from (None when absent or garbled: no stale check
    is possible, and the service then changes the current revision)."""
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None
