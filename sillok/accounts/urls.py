from django.contrib.auth import views as auth_views
from django.urls import path

from sillok.accounts import alert_views, reauth_views, token_views, views, webauthn_views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.LoginView.as_view(), name="login"),
    # POST only (Django's LogoutView refuses GET): a link or image cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    # Re-authentication before sensitive actions, and security keys (WebAuthn).
    path("reauth/", reauth_views.reauth, name="reauth"),
    path("security-keys/add/", webauthn_views.security_key_add, name="security_key_add"),
    path(
        "security-keys/add/options/",
        webauthn_views.webauthn_register_options,
        name="webauthn_register_options",
    ),
    path("security-keys/challenge/", webauthn_views.webauthn_challenge, name="webauthn_challenge"),
    path("devices/remove/", webauthn_views.device_remove, name="device_remove"),
    # API token pages (accounts/tokens.py) are added below by the API work.
    path("tokens/", token_views.token_list, name="tokens"),
    # Refused access and other security events from the audit log (view_audit).
    path("alerts/", alert_views.alerts, name="alerts"),
    path("tokens/<int:token_id>/revoke/", token_views.token_revoke, name="token_revoke"),
]
