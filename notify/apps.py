from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (registers checks, connects receivers)
