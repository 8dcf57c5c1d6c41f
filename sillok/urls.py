from django.urls import include, path

from sillok.api import api

urlpatterns = [
    path("", include("sillok.workspace.urls")),
    path("accounts/", include("sillok.accounts.urls")),
    path("items/", include("sillok.evidence.urls")),
    path("records/", include("sillok.records.urls")),
    path("redaction/", include("sillok.redaction.urls")),
    path("vocab/", include("sillok.vocab.urls")),
    path("vault/", include("sillok.vault.urls")),
    path("search/", include("sillok.search.urls")),
    path("cases/", include("sillok.assessment.urls")),
    path("witness/", include("sillok.custody.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
