from django.urls import path

from sillok.evidence import views, views_editing

app_name = "evidence"
urlpatterns = [
    path("", views.item_list, name="items"),
    path("upload/", views.upload_page, name="upload"),
    path("<int:item_id>/", views.item_detail, name="item"),
    path("<int:item_id>/files/<int:file_id>/", views.file_content, name="file"),
    path("<int:item_id>/edit/", views_editing.item_edit, name="item_edit"),
    path("<int:item_id>/history/", views_editing.item_history, name="item_history"),
    path(
        "<int:item_id>/versions/<int:number>/restore/",
        views_editing.item_restore,
        name="item_restore",
    ),
]
