"""Signed links that open a booking without its PIN: the manage link every message carries.

A link holds the booking's id, signed (django.core.signing, its own salt) together with a
fingerprint of the booking's current state: start, point, status, number of moves and e-mail
address. Any change to the booking changes the fingerprint, so every link sent before it stops
working; so does the end of the visit. Nothing is stored: the booking itself is the record.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.conf import settings
from django.core import signing
from django.urls import reverse

from vuoro.booking.models import Booking

SALT = "vuoro.booking.manage-link"
_TOKEN = re.compile(r"([0-9]{1,18}):[A-Za-z0-9_-]{20,100}")


def booking_fingerprint(booking: Booking) -> str:
    """A short digest of what the customer was told about the booking; any change alters it."""
    text = (f"{booking.pk}|{booking.reservation_key}|{int(booking.start_at.timestamp())}|"
            f"{booking.service_point_id}|{booking.status}|{booking.rescheduled_count}|{booking.email_key}")
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _signer(fingerprint: str) -> signing.Signer:
    return signing.Signer(salt=f"{SALT}:{fingerprint}")


def manage_token(booking: Booking) -> str:
    """"<booking id>:<signature over the id and the booking's fingerprint>"."""
    return _signer(booking_fingerprint(booking)).sign(str(booking.pk))


def manage_token_booking(token: str, *, now: dt.datetime) -> Booking | None:
    """The booking a token opens, or None when the token is malformed, tampered with, or dead
    (the booking changed since the link was made, or its visit has ended)."""
    match = _TOKEN.fullmatch(token or "")
    if match is None:
        return None
    booking = (Booking.objects.select_related("service", "service_point")
               .filter(pk=int(match.group(1))).first())
    if booking is None or booking.end_at <= now:
        return None
    try:
        _signer(booking_fingerprint(booking)).unsign(token)
    except signing.BadSignature:
        return None
    return booking


def manage_url(booking: Booking) -> str:
    """The absolute manage link (VUORO_PUBLIC_URL), as messages carry it."""
    return settings.PUBLIC_URL + reverse("booking:manage_link", args=[manage_token(booking)])


def cannot_come_url(booking: Booking) -> str:
    """The absolute "I cannot come" link: a page that asks once, then cancels."""
    return settings.PUBLIC_URL + reverse("booking:cannot_come", args=[manage_token(booking)])


def book_again_url(booking: Booking) -> str:
    """The absolute link to book the same service anew."""
    return f"{settings.PUBLIC_URL}{reverse('booking:service')}?service={booking.service.code}"
