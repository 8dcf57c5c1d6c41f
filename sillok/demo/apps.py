from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo dataset and its loader (`sillok demo`). No models: it writes through the
    services of the apps below it and is the top of the layer order."""

    name = "sillok.demo"
    label = "demo"
    verbose_name = "Sillok demo"
