from django.urls import path

from sillok.custody import witness_views

app_name = "custody"
urlpatterns = [
    path("checkpoints", witness_views.receive_checkpoint, name="witness_receive"),
]
