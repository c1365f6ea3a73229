"""Messages to customers, sent by the background worker after the change has committed."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vuoro.booking.ics import booking_calendar
from vuoro.booking.models import Booking
from vuoro.notify.models import Notice
from vuoro.notify.services import notices_send
from vuoro.notify.sms import send_sms

SWEEP_EVERY = dt.timedelta(minutes=1)

SUBJECTS = {
    "confirmed": gettext_noop("Your appointment is booked"),
    "rescheduled": gettext_noop("Your appointment was moved"),
    "cancelled": gettext_noop("Your appointment was cancelled"),
}


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
    booking_message_send(notice.booking_id, notice.event)


def booking_message_send(booking_id: int, event: str) -> None:
    """E-mail (text, HTML, calendar file) and a text message about a booking, in its language."""
    booking = Booking.objects.select_related("service", "service_point").filter(pk=booking_id).first()
    if booking is None:
        return
    with translation.override(booking.language):
        local_start = timezone.localtime(booking.start_at, booking.service_point_zone)
        context = {"booking": booking, "event": event, "start": local_start,
                   "checklist": booking.service.checklist(booking.language)}
        subject = _(SUBJECTS[event])
        text = render_to_string("notify/booking.txt", context)
        html = render_to_string("notify/booking.html", context)
        mail = EmailMultiAlternatives(subject=subject, body=text, to=[booking.customer_email])
        mail.attach_alternative(html, "text/html")
        mail.attach(f"{booking.reservation_key}.ics", booking_calendar(booking, now=timezone.now()), "text/calendar")
        mail.send()
        send_sms(to=booking.customer_phone, text=render_to_string("notify/booking_sms.txt", context).strip())
