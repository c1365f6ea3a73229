"""A lost PIN: send the booking's own address (and phone) a link to manage it, on request.

Whoever asks gets the same answer, found or not; the link goes only where the booking says.
Per booking at most RECOVERY_PER_BOOKING links an hour, counted from the outbox itself, so no
one can flood a customer with messages (the per-client request limit is the caller's).
"""
from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import Count

from vuoro.booking.models import Booking
from vuoro.contact import ContactError, email_normalise
from vuoro.contact import email_key as person_email_key
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_queue

RECOVERY_PER_BOOKING = 3
RECOVERY_WINDOW = dt.timedelta(hours=1)
MOST_BOOKINGS = 20  # an address with more live bookings than this is not a customer's
# Only a look-up key here (bookings hold checked addresses): anything shaped like one will do.
_EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


def looks_like_email(text: str) -> bool:
    return bool(_EMAIL_SHAPE.fullmatch(text.strip()))


def email_key(text: str) -> str:
    """The look-up key of an address as bookings store it: normalised as at booking (vuoro.contact,
    e.g. an IDNA domain in ASCII), then its person key (vuoro.contact.email_key: lower case, no
    +tag, Gmail's dots ignored); text no booking could hold stays as typed, in lower case. Each
    link goes to the booking's own address, so one mailbox's variants reach only that mailbox."""
    try:
        return person_email_key(email_normalise(text))
    except ContactError:
        return text.strip().lower()


def booking_links_send(*, reservation_key: str = "", email: str = "", now: dt.datetime) -> int:
    """Queue a `recovery` message for the live future booking with this reservation key, or for
    every one of this e-mail address (any letter case). Returns how many were queued: for tests
    and logs, never for the one who asked."""
    if reservation_key:
        wanted = Booking.objects.filter(reservation_key=reservation_key)
    elif email:
        wanted = Booking.objects.filter(email_key=email_key(email))
    else:
        return 0
    wanted = wanted.filter(status=Booking.Status.CONFIRMED, start_at__gt=now)
    with transaction.atomic():
        # Locked, so two requests at once cannot both pass the per-booking count.
        ids = list(wanted.select_for_update().order_by("start_at").values_list("pk", flat=True)[:MOST_BOOKINGS])
        recent = dict(Notice.objects.filter(booking_id__in=ids, event=Notice.Event.RECOVERY,
                                            channel=Notice.Channel.EMAIL,  # one row per message
                                            created_at__gt=now - RECOVERY_WINDOW)
                      .values("booking_id").annotate(sent=Count("id")).values_list("booking_id", "sent"))
        queued = 0
        for booking_id in ids:
            if recent.get(booking_id, 0) < RECOVERY_PER_BOOKING:
                notice_queue(booking_id=booking_id, event=Notice.Event.RECOVERY, now=now)
                queued += 1
    return queued
