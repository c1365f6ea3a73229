from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "vuoro.network"
    label = "network"
    verbose_name = _("Service network")

    def ready(self) -> None:
        from vuoro.network import state  # noqa: F401  (connects the version signals)
        from vuoro.network.roles import ensure_staff_groups

        post_migrate.connect(ensure_staff_groups, dispatch_uid="vuoro-staff-groups")
