"""Pages of the identity vault under /vault/ (namespace "vault")."""

from django.urls import path

from sillok.vault import views

app_name = "vault"
urlpatterns = [
    path("", views.entries, name="entries"),
    path("add/", views.add, name="add"),
    path("<int:entry_id>/", views.entry, name="entry"),
    path("<int:entry_id>/reveal/", views.reveal, name="reveal"),
    path("<int:entry_id>/shred/", views.shred, name="shred"),
]
