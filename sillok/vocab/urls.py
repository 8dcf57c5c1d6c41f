"""Pages of the vocabularies and the gazetteer under /vocab/ (namespace "vocab")."""

from django.urls import path

from sillok.vocab import views

app_name = "vocab"
urlpatterns = [
    path("", views.index, name="index"),
    # Before <slug>/: "places" is the gazetteer, not a vocabulary.
    path("places/", views.places, name="places"),
    path("places/add/", views.place_add, name="place_add"),
    path("<slug:slug>/", views.vocabulary, name="vocabulary"),
    path("<slug:slug>/terms/add/", views.term_add, name="term_add"),
    path("<slug:slug>/terms/<int:term_id>/", views.term, name="term"),
]
