from django.urls import path

from sillok.search import views

app_name = "search"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("save/", views.save_search, name="save"),
    path("saved/", views.saved_list, name="saved"),
    path("saved/<int:saved_id>/", views.saved_detail, name="saved_detail"),
    path("saved/<int:saved_id>/seen/", views.saved_seen, name="saved_seen"),
    path("saved/<int:saved_id>/delete/", views.saved_delete, name="saved_delete"),
]
