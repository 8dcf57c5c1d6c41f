from django.urls import path

from sillok.redaction import views

app_name = "redaction"
urlpatterns = [
    path("", views.review_list, name="reviews"),
    path("<int:review_id>/", views.review_detail, name="review"),
    path("<int:review_id>/decide/", views.decide, name="decide"),
    path("items/<int:item_id>/request/", views.request_redaction, name="request"),
]
