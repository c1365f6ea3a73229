from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "vuoro.notify"
    label = "notify"
    verbose_name = _("Messages to customers")

    def ready(self) -> None:
        from vuoro.notify import checks  # noqa: F401 - registers the deployment checks
