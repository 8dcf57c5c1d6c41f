from django.contrib.auth import views as auth_views
from django.urls import path

from sillok.accounts import token_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.LoginView.as_view(), name="login"),
    # POST only (Django's LogoutView refuses GET): a link or image cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    # API token pages (accounts/tokens.py) are added below by the API work.
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", token_views.token_revoke, name="token_revoke"),
]
