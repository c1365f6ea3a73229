"""What a queue number's text says: walkin renders its own messages, the outbox sends them.

An online ticket holder gets one text when their turn is near (vuoro.walkin.services). It is
queued in the outbox (`vuoro.notify`) in the transaction that moved the queue, as a notice about
a subject of kind "ticket"; `ticket_message` is the renderer this app registers for that kind
(vuoro.walkin.apps). A text that would come too late is of no use: it is not sent once the
ticket has been called (or is otherwise no longer waiting), nor after `TURN_TEXT_USEFUL_FOR`.
"""
from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _

from vuoro.notify.models import Notice
from vuoro.notify.services import NoticeSkipped, notice_subject_queue
from vuoro.walkin.models import Ticket

TICKET = "ticket"  # the kind of subject in the outbox
TURN_TEXT_USEFUL_FOR = dt.timedelta(minutes=15)


def turn_text_queue(*, ticket: Ticket, now: dt.datetime) -> None:
    """Queue the "your turn is near" text of an online ticket holder; call inside the change's transaction."""
    notice_subject_queue(kind=TICKET, subject_id=ticket.pk, point_id=ticket.service_point_id,
                         label=f"{ticket.label} {ticket.local_date:%Y-%m-%d}", event=Notice.Event.TURN_NEAR,
                         channels=(Notice.Channel.SMS,), now=now, expires_at=now + TURN_TEXT_USEFUL_FOR)


def ticket_message(*, notice: Notice, now: dt.datetime) -> tuple[str, str] | None:
    """The text of a notice about a ticket: (phone, text), or None when there is nothing to send.
    Raises NoticeSkipped when the ticket holder no longer waits."""
    ticket = Ticket.objects.select_related("service_point").filter(pk=notice.subject_id).first()
    if ticket is None:
        raise NoticeSkipped("the queue number is gone")
    if ticket.status != Ticket.Status.WAITING:
        raise NoticeSkipped(f"the queue number is {ticket.status}")
    if notice.channel != Notice.Channel.SMS or not ticket.phone:
        return None
    with translation.override(ticket.language):
        return ticket.phone, _("Your turn at %(point)s is near: number %(number)s. Please come in now.") % {
            "point": ticket.service_point.name, "number": ticket.label}
