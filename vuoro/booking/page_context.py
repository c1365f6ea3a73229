"""What the public pages about one booking show of it: shared by the booking, manage, link,
waitlist and e-mail confirmation pages."""
from __future__ import annotations

import datetime as dt
import math

from django.utils import timezone

from vuoro.booking.forms import SERVICE_LANGUAGES
from vuoro.booking.models import Booking


def booking_changeable(booking: Booking, now: dt.datetime) -> bool:
    """A customer may cancel or move a confirmed booking until its start."""
    return booking.status == Booking.Status.CONFIRMED and booking.start_at > now


def awaiting_confirmation(booking: Booking, now: dt.datetime) -> dict:
    """For a booking held until its new e-mail address is confirmed: when the hold ends, and the
    whole minutes left (the pages say so plainly); empty for any other booking."""
    if not booking.awaits_email_confirmation or booking.held_until <= now:
        return {}
    return {"awaiting": True, "held_until": timezone.localtime(booking.held_until, booking.service_point_zone),
            "minutes_left": max(1, math.ceil((booking.held_until - now).total_seconds() / 60))}


def booking_summary(booking: Booking) -> dict:
    """The booking with its start and end in its point's local time and its language's name."""
    return {"booking": booking, "start": timezone.localtime(booking.start_at, booking.service_point_zone),
            "end": timezone.localtime(booking.end_at, booking.service_point_zone),
            "language_name": dict(SERVICE_LANGUAGES).get(booking.language, booking.language)}
