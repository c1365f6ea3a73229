from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vuoro.audit"
    verbose_name = _("audit log")

    def ready(self):
        from vuoro.audit import signins

        signins.connect()
