"""Background work of the day: texts to online ticket holders, and the no-show sweep."""
from __future__ import annotations

from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vuoro.notify.sms import send_sms
from vuoro.walkin.models import Ticket


@task()
def ticket_notify(ticket_id: int) -> None:
    """Tell an online ticket holder that their turn is near."""
    ticket = Ticket.objects.select_related("service_point").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Ticket.Status.WAITING:
        return
    with translation.override(ticket.language):
        send_sms(to=ticket.phone, text=_("Your turn at %(point)s is near: number %(number)s. Please come in now.")
                 % {"point": ticket.service_point.name, "number": ticket.label})


@task()
def noshow_sweep_task() -> int:
    """Mark missed appointments as no-shows. `vuoro worker` runs it every minute (settings.PERIODIC_TASKS)."""
    from vuoro.walkin.services import noshow_sweep

    return noshow_sweep(now=timezone.now())
