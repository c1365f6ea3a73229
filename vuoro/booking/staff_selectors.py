"""Reads for staff: find bookings of one's own points."""
from __future__ import annotations

import datetime as dt
import re

from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from vuoro.booking.keys import normalise_key
from vuoro.booking.models import Booking

SEARCH_LIMIT = 50
DEFAULT_REGION_PREFIX = "+358"  # a national number (0…) is also looked for in its international form


def _text_filter(text: str) -> Q:
    """Bookings whose reservation key, name, e-mail or phone matches what the clerk typed."""
    found = (Q(customer_name__icontains=text) | Q(email_key__contains=text.lower())
             | Q(customer_email__icontains=text.strip()))
    key = normalise_key(text)
    if len(key) == 10:
        found |= Q(reservation_key=key)
    compact = re.sub(r"[\s()-]", "", text)
    if re.fullmatch(r"\+?\d{5,}", compact):
        found |= Q(customer_phone__contains=compact)
        if compact.startswith("0"):
            found |= Q(customer_phone__contains=DEFAULT_REGION_PREFIX + compact[1:])
        found |= Q(customer_phone__contains=text.strip())
    return found


def booking_list_order(*, now: dt.datetime) -> list:
    """The order staff look for bookings in: today's and upcoming ones first, soonest first; then
    past ones, latest first. "Today" begins at midnight in the agency's time zone (TIME_ZONE)."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    past = Case(When(start_at__gte=today, then=Value(0)), default=Value(1), output_field=IntegerField())
    soonest = Case(When(start_at__gte=today, then=F("start_at")), default=None, output_field=DateTimeField())
    return [past.asc(), soonest.asc(nulls_last=True), F("start_at").desc(), F("id").desc()]


def booking_search(*, point_ids: set[str] | None, text: str = "", on_date: dt.date | None = None,
                   now: dt.datetime, limit: int = SEARCH_LIMIT) -> QuerySet[Booking]:
    """Bookings of the given points (None: every point) matching `text` (key, name, e-mail or
    phone) and/or `on_date` (the local date of the visit), today's and upcoming first
    (booking_list_order). Without either, none."""
    text = text.strip()
    if not text and on_date is None:
        return Booking.objects.none()
    bookings = Booking.objects.select_related("service", "service_point")
    if point_ids is not None:
        bookings = bookings.filter(service_point_id__in=point_ids)
    if on_date is not None:
        bookings = bookings.filter(local_date=on_date)
    if text:
        bookings = bookings.filter(_text_filter(text))
    return bookings.order_by(*booking_list_order(now=now))[:limit]


def staff_booking_get(*, booking_id: int, point_ids: set[str] | None) -> Booking | None:
    """One booking, if it is at one of the given points (None: every point)."""
    bookings = Booking.objects.select_related("service", "service_point", "desk")
    if point_ids is not None:
        bookings = bookings.filter(service_point_id__in=point_ids)
    return bookings.filter(pk=booking_id).first()
