"""Messages to customers, sent by the background worker after the change has committed."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from vuoro.booking.messages import booking_email, booking_text
from vuoro.notify.models import Notice
from vuoro.notify.services import notices_send
from vuoro.notify.sms import send_sms

SWEEP_EVERY = dt.timedelta(minutes=1)


@task(queue_name="default")
def send_notices() -> int:
    """Send the queued messages (vuoro.notify.services), then linger a moment for more."""
    return notices_send(now=timezone.now, send=notice_deliver, linger_seconds=settings.NOTIFY_LINGER_SECONDS,
                        max_seconds=settings.NOTIFY_RUN_SECONDS)


@task(queue_name="default")
def notices_sweep_task() -> int:
    """Send whatever is still queued (a wake-up lost, a failed try), then schedule the next sweep."""
    sent = notices_send(now=timezone.now, send=notice_deliver)
    notices_sweep_task.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()
    return sent


def notice_deliver(notice: Notice) -> None:
    """Render the notice's messages (the booking app says what they hold) and send them."""
    now = timezone.now()
    mail = booking_email(booking_id=notice.booking_id, event=notice.event, now=now)
    if mail is not None:
        mail.send()
    text = booking_text(booking_id=notice.booking_id, event=notice.event, now=now)
    if text is not None:
        send_sms(to=text[0], text=text[1])
