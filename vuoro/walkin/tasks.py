"""Background work of the day: the no-show sweep (texts to ticket holders go through the outbox)."""
from __future__ import annotations

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from vuoro.walkin.messages import turn_text_queue
from vuoro.walkin.models import Ticket


@task()
def ticket_notify(ticket_id: int) -> None:
    """Texts queued as tasks before they went through the outbox (vuoro.walkin.messages): queued
    there now, still only while the ticket waits. Nothing queues this task any more."""
    ticket = Ticket.objects.filter(pk=ticket_id, status=Ticket.Status.WAITING).exclude(phone="").first()
    if ticket is not None:
        with transaction.atomic():
            turn_text_queue(ticket=ticket, now=timezone.now())


@task()
def noshow_sweep_task() -> int:
    """Mark missed appointments as no-shows. `vuoro worker` runs it every minute (settings.PERIODIC_TASKS)."""
    from vuoro.walkin.services import noshow_sweep

    return noshow_sweep(now=timezone.now())
