"""Spreadsheet import and export pages (records/import_views.py), under /records/."""

from django.urls import path

from sillok.records import import_views

urlpatterns = [
    path("import/", import_views.import_upload, name="import"),
    path("import/<slug:key>/", import_views.import_mapping, name="import_mapping"),
    path("import/<slug:key>/run/", import_views.import_run, name="import_run"),
    path("import/<slug:key>/done/", import_views.import_done, name="import_done"),
    path("export/", import_views.export_page, name="export"),
]
