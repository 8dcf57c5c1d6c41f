"""Pages of the vocabularies and the gazetteer: the list of vocabularies, each one's term tree
(codes, English and Korean labels, legal mappings of violation types, reverse labels of
relation types, retired terms), a term's page, and the gazetteer with place search (Hangul or
any romanization) and its tree by province. Administrators add terms at any depth, correct
labels, retire terms and add places; the services check and audit every change.

Everyone who may see documentation records may read these pages; nobody else sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sillok.vocab.access import can_read_vocabularies
from sillok.vocab.models import Place, PlaceKind, Term, Vocabulary
from sillok.vocab.queries import UnknownVocabulary, get_vocabulary, search_places
from sillok.vocab.services import (
    VocabularyChangeRefused,
    do_add_place,
    do_add_term,
    do_change_term,
)

INDENT = "\u2003"  # <option> text cannot be styled: an em space per level of the tree
NOT_ALLOWED = gettext_lazy("The vocabularies are shown to those who may see documentation records.")


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "vocab/refused.html", {"message": message}, status=403)


def _readable(view: Any) -> Any:
    """Signed in and allowed to see records (vocabularies describe them)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_read_vocabularies(request.user):
            return _refused(request, str(NOT_ALLOWED))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


@dataclass
class Node:
    obj: Any
    children: list[Node] = field(default_factory=list)


def tree_of(objects: list[Any]) -> list[Node]:
    """Nested nodes from objects in path order (parents first)."""
    nodes = {obj.pk: Node(obj) for obj in objects}
    roots = []
    for obj in objects:
        parent = nodes.get(obj.parent_id) if obj.parent_id else None
        (parent.children if parent else roots).append(nodes[obj.pk])
    return roots


def _vocabulary_or_404(slug: str) -> Vocabulary:
    try:
        return get_vocabulary(slug)
    except UnknownVocabulary:
        raise Http404("No such vocabulary.") from None


@require_GET
@_readable
def index(request: HttpRequest) -> HttpResponse:
    vocabularies = Vocabulary.objects.annotate(
        active=Count("terms", filter=Q(terms__active=True)),
        retired=Count("terms", filter=Q(terms__active=False)),
    ).order_by("slug")
    return render(
        request,
        "vocab/index.html",
        {"vocabularies": vocabularies, "places": Place.objects.filter(active=True).count()},
    )


def _term_form(vocabulary: Vocabulary, raw: dict | None = None, errors: dict | None = None) -> dict:
    return {"raw": raw or {}, "errors": errors or {}, "slug": vocabulary.slug}


def render_vocabulary(
    request: HttpRequest, vocabulary: Vocabulary, *, form: dict | None = None, status: int = 200
) -> HttpResponse:
    terms = list(
        Term.objects.filter(vocabulary=vocabulary).order_by("path").select_related("parent")
    )
    return render(
        request,
        "vocab/vocabulary.html",
        {
            "vocabulary": vocabulary,
            "tree": tree_of(terms),
            "parents": [
                (t.code, f"{INDENT * t.depth}{t.label} · {t.code}") for t in terms if t.active
            ],
            "count": len(terms),
            "form": form or _term_form(vocabulary),
            "can_add": request.user.has_perm("vocab.add_term"),
            "can_change": request.user.has_perm("vocab.change_term"),
        },
        status=status,
    )


@require_GET
@_readable
def vocabulary(request: HttpRequest, slug: str) -> HttpResponse:
    return render_vocabulary(request, _vocabulary_or_404(slug))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _term_data(vocabulary: Vocabulary, post: Any) -> dict:
    """The vocabulary-specific facts a new term carries (what its tree page shows)."""
    data: dict[str, Any] = {}
    if vocabulary.slug == "violations":
        for key in ("rights", "rome_statute"):
            if _split(post.get(key, "")):
                data[key] = _split(post.get(key, ""))
    if vocabulary.slug == "relation_types":
        reverse = {lang: post.get(f"reverse_{lang}", "").strip() for lang in ("en", "ko")}
        if any(reverse.values()):
            data["reverse"] = {k: v for k, v in reverse.items() if v}
    return data


@_readable
@require_POST
def term_add(request: HttpRequest, slug: str) -> HttpResponse:
    vocabulary = _vocabulary_or_404(slug)
    if not request.user.has_perm("vocab.add_term"):
        return _refused(request, _("Adding terms needs the vocab.add_term permission."))
    raw = {k: request.POST.get(k, "") for k in ("code", "label_en", "label_ko", "parent")}
    parent = None
    if raw["parent"]:
        parent = Term.objects.filter(vocabulary=vocabulary, code=raw["parent"]).first()
        if parent is None:
            errors = {"parent": _("No such term in this vocabulary.")}
            return render_vocabulary(
                request, vocabulary, form=_term_form(vocabulary, raw, errors), status=400
            )
    try:
        term = do_add_term(
            request.user,
            vocabulary,
            code=raw["code"],
            label_en=raw["label_en"],
            label_ko=raw["label_ko"],
            parent=parent,
            data=_term_data(vocabulary, request.POST),
        )
    except VocabularyChangeRefused as exc:
        errors = {exc.field or "code": str(exc)}
        return render_vocabulary(
            request, vocabulary, form=_term_form(vocabulary, raw, errors), status=400
        )
    messages.success(request, _("The term %(code)s was added.") % {"code": term.code})
    return redirect("vocab:vocabulary", vocabulary.slug)


@require_http_methods(["GET", "POST"])
@_readable
def term(request: HttpRequest, slug: str, term_id: int) -> HttpResponse:
    """A term's page; administrators correct its labels or retire it here."""
    vocabulary = _vocabulary_or_404(slug)
    found = Term.objects.filter(vocabulary=vocabulary, pk=term_id).select_related("parent").first()
    if found is None:
        raise Http404("No such term.")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("vocab.change_term"):
            return _refused(request, _("Changing terms needs the vocab.change_term permission."))
        try:
            do_change_term(
                request.user,
                found,
                label_en=request.POST.get("label_en", ""),
                label_ko=request.POST.get("label_ko", ""),
                active=request.POST.get("active") == "1",
            )
        except VocabularyChangeRefused as exc:
            errors = {exc.field or "label_en": str(exc)}
            status = 400
        else:
            messages.success(request, _("The term was changed."))
            return redirect("vocab:term", vocabulary.slug, found.pk)
    return render(
        request,
        "vocab/term.html",
        {
            "vocabulary": vocabulary,
            "term": found,
            "children": found.children.order_by("path"),
            "errors": errors,
            "raw": request.POST if request.method == "POST" else None,
            "can_change": request.user.has_perm("vocab.change_term"),
        },
        status=status,
    )


def render_places(
    request: HttpRequest, *, form: dict | None = None, status: int = 200
) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    places = list(
        Place.objects.filter(active=True)
        .order_by("path")
        .only("pk", "code", "kind", "parent_id", "label_en", "label_ko", "facility_status")
    )
    return render(
        request,
        "vocab/places.html",
        {
            "q": text,
            "results": search_places(text, limit=50) if text else [],
            "tree": tree_of(places),
            "count": len(places),
            "kinds": PlaceKind.choices,
            "form": form or {"raw": {}, "errors": {}},
            "can_add": request.user.has_perm("vocab.add_place"),
        },
        status=status,
    )


@require_GET
@_readable
def places(request: HttpRequest) -> HttpResponse:
    return render_places(request)


def _coordinate(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    return float(text)


@_readable
@require_POST
def place_add(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("vocab.add_place"):
        return _refused(request, _("Adding places needs the vocab.add_place permission."))
    names = ("label_en", "label_ko", "kind", "parent", "aliases", "latitude", "longitude")
    raw = {name: request.POST.get(name, "") for name in names}

    def failed(name: str, message: str) -> HttpResponse:
        return render_places(request, form={"raw": raw, "errors": {name: message}}, status=400)

    parent = None
    if raw["parent"].strip():
        parent = Place.objects.filter(code=raw["parent"].strip()).first()
        if parent is None:
            return failed("parent", _("No such place in the gazetteer (choose one from the list)."))
    try:
        latitude, longitude = _coordinate(raw["latitude"]), _coordinate(raw["longitude"])
    except ValueError:
        return failed("latitude", _("Coordinates are decimal degrees, like 42.45."))
    try:
        place = do_add_place(
            request.user,
            label_en=raw["label_en"],
            label_ko=raw["label_ko"],
            kind=raw["kind"],
            parent=parent,
            aliases=[a.strip() for a in raw["aliases"].split(";")],
            latitude=latitude,
            longitude=longitude,
        )
    except VocabularyChangeRefused as exc:
        return failed(exc.field or "label_en", str(exc))
    messages.success(request, _("%(name)s was added to the gazetteer.") % {"name": place.label})
    return redirect(f"{reverse('vocab:places')}?{urlencode({'q': place.label_en})}")
