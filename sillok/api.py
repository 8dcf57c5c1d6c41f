"""The `/api/v1/` NinjaAPI. Each app contributes a router from its own api.py."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Sillok API",
    version="1",
    urls_namespace="api",
    docs_url=None,
)
