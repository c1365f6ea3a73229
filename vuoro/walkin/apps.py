from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalkinConfig(AppConfig):
    name = "vuoro.walkin"
    label = "walkin"
    verbose_name = _("The day at a service point")
