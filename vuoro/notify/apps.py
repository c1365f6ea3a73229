from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "vuoro.notify"
    label = "notify"

    def ready(self) -> None:
        from vuoro.notify import checks  # noqa: F401 - registers the deployment checks
