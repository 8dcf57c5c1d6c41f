"""Record pages (records/views*.py). `<kind:kind>` matches only a record kind's plural
(views_common.KindConverter), so these never shadow the import and lookup pages."""

from django.urls import path, register_converter

from sillok.records import (
    views,
    views_edit,
    views_history,
    views_links,
    views_lookup,
    views_review,
)
from sillok.records.views_common import KindConverter

register_converter(KindConverter, "kind")

urlpatterns = [
    path("", views.home, name="home"),
    path("lookup/places/", views_lookup.lookup_places, name="lookup_places"),
    path("lookup/terms/<slug:slug>/", views_lookup.lookup_terms, name="lookup_terms"),
    path("lookup/<str:kind>/", views_lookup.lookup_records, name="lookup"),
    path("<kind:kind>/", views.record_list, name="list"),
    path("<kind:kind>/new/", views_edit.create, name="create"),
    path("<kind:kind>/<int:record_id>/", views.record_page, name="record"),
    path("<kind:kind>/<int:record_id>/edit/", views_edit.edit, name="edit"),
    path("<kind:kind>/<int:record_id>/history/", views_history.history, name="history"),
    path(
        "<kind:kind>/<int:record_id>/versions/<int:number>/",
        views_history.version,
        name="version",
    ),
    path(
        "<kind:kind>/<int:record_id>/versions/<int:number>/restore/",
        views_history.restore,
        name="restore",
    ),
    path("<kind:kind>/<int:record_id>/links/add/", views_links.link_add, name="link_add"),
    path("<kind:kind>/<int:record_id>/review/send/", views_review.submit_for_review, name="submit"),
    path(
        "<kind:kind>/<int:record_id>/review/complete/",
        views_review.complete_review,
        name="complete_review",
    ),
    path(
        "<kind:kind>/<int:record_id>/review/return/",
        views_review.return_for_changes,
        name="return_review",
    ),
    path("<kind:kind>/<int:record_id>/withdraw/", views_review.withdraw, name="withdraw"),
    path("<kind:kind>/<int:record_id>/reinstate/", views_review.reinstate, name="reinstate"),
]
