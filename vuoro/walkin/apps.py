from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalkinConfig(AppConfig):
    name = "vuoro.walkin"
    label = "walkin"
    verbose_name = _("The day at a service point")

    def ready(self) -> None:
        from vuoro.notify.renderers import renderer_register
        from vuoro.walkin.messages import TICKET, ticket_message

        renderer_register(kind=TICKET, render=ticket_message)  # texts to ticket holders go through the outbox
