"""Background work of the day: texts to online ticket holders, and the no-show sweep."""
from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vuoro.notify.sms import send_sms
from vuoro.walkin.models import Ticket

SWEEP_EVERY = dt.timedelta(minutes=1)


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
    """Mark missed appointments as no-shows, then schedule the next sweep."""
    from vuoro.walkin.services import noshow_sweep

    marked = noshow_sweep(now=timezone.now())
    noshow_sweep_task.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()
    return marked
