"""What a booking's messages say: booking renders its own e-mails and texts, the outbox sends them.

`booking_email` and `booking_text` are the seam between the booking and the outbox
(`vuoro.notify`): the notify app asks for a rendered message by booking id, event and channel,
and knows nothing else of bookings. Either returns None when there is nothing to send (the
booking is gone, or it has no phone number).
"""
from __future__ import annotations

import datetime as dt

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vuoro.booking.ics import booking_calendar
from vuoro.booking.models import Booking

SUBJECTS = {
    "confirmed": gettext_noop("Your appointment is booked"),
    "rescheduled": gettext_noop("Your appointment was moved"),
    "cancelled": gettext_noop("Your appointment was cancelled"),
    "agency_moved": gettext_noop("Your appointment was moved"),  # placeholder: h2 writes the agency's messages
    "agency_cancelled": gettext_noop("Your appointment was cancelled"),  # placeholder, as above
}


def _booking(booking_id: int) -> Booking | None:
    return Booking.objects.select_related("service", "service_point").filter(pk=booking_id).first()


def _context(booking: Booking, event: str) -> dict:
    return {"booking": booking, "event": event,
            "start": timezone.localtime(booking.start_at, booking.service_point_zone),
            "checklist": booking.service.checklist(booking.language)}


def booking_email(*, booking_id: int, event: str, now: dt.datetime) -> EmailMultiAlternatives | None:
    """The e-mail (text, HTML, calendar file) about a booking, in its language."""
    booking = _booking(booking_id)
    if booking is None:
        return None
    with translation.override(booking.language):
        context = _context(booking, event)
        mail = EmailMultiAlternatives(subject=_(SUBJECTS[event]),
                                      body=render_to_string("booking/messages/booking.txt", context),
                                      to=[booking.customer_email])
        mail.attach_alternative(render_to_string("booking/messages/booking.html", context), "text/html")
        mail.attach(f"{booking.reservation_key}.ics", booking_calendar(booking, now=now), "text/calendar")
        return mail


def booking_text(*, booking_id: int, event: str, now: dt.datetime) -> tuple[str, str] | None:
    """The text message about a booking as (phone number, text), or None without a number."""
    booking = _booking(booking_id)
    if booking is None or not booking.customer_phone:
        return None
    with translation.override(booking.language):
        text = render_to_string("booking/messages/booking_sms.txt", _context(booking, event)).strip()
    return booking.customer_phone, text
