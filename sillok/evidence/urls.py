from django.urls import path

from sillok.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.item_list, name="items"),
    path("upload/", views.upload_page, name="upload"),
    path("<int:item_id>/", views.item_detail, name="item"),
    path("<int:item_id>/files/<int:file_id>/", views.file_content, name="file"),
]
