from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The top of the stack: the home page with the work waiting for each user,
    initialisation (`sillok init`) and the long-running processes (`sillok serve`, `sillok
    worker`). It may import every other app; no other app imports it (tests/test_layering.py)."""

    name = "sillok.workspace"
    label = "workspace"
    verbose_name = "Sillok workspace"
    default_auto_field = "django.db.models.BigAutoField"
