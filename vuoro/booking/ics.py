"""A booking as an RFC 5545 calendar file (one VEVENT), made with icalendar."""
from __future__ import annotations

import datetime as dt

from django.utils import translation
from icalendar import Calendar, Event

from vuoro.booking.models import Booking


def booking_calendar(booking: Booking, *, now: dt.datetime) -> bytes:
    with translation.override(booking.language):
        calendar = Calendar()
        calendar.add("prodid", "-//vuoro//booking//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        event = Event()
        event.add("uid", f"{booking.reservation_key}@vuoro")
        event.add("dtstamp", now)
        event.add("dtstart", booking.start_at)
        event.add("dtend", booking.end_at)
        event.add("summary", f"{booking.service.name} – {booking.service_point.name}")
        event.add("location", booking.service_point.address)
        event.add("description", f"{translation.gettext('Reservation key')}: {booking.reservation_key}")
        event.add("sequence", booking.rescheduled_count)
        event.add("status", "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
