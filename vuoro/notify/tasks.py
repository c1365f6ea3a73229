"""Messages to customers, sent by the background worker after the change has committed."""
from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vuoro.booking.ics import booking_calendar
from vuoro.booking.models import Booking
from vuoro.notify.sms import send_sms

SUBJECTS = {
    "confirmed": gettext_noop("Your appointment is booked"),
    "rescheduled": gettext_noop("Your appointment was moved"),
    "cancelled": gettext_noop("Your appointment was cancelled"),
}


@task(queue_name="default")
def booking_notify(booking_id: int, event: str) -> None:
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
