"""A newly used e-mail address confirms by link, or its booking's time returns (README, "No hoarding").

When the network sets `confirm_new_email_minutes`, a public booking (pages and API) whose e-mail
key was never confirmed is made `held` with hold_reason `confirm_email` until `held_until`
(vuoro.booking.services.booking_create): it occupies its desk and counts against the caps per
person, but is no visit yet. The `confirm_email` message carries a one-click link to the address
alone; opening it shows the booking (GET changes nothing, as mail scanners open links), and its
button (POST) confirms: the booking becomes `confirmed`, the address is recorded as confirmed
(vuoro.booking.confirmed_emails) and the usual confirmation follows. The sweep
(`email_holds_lapse`, run by the waitlist's sweep) cancels holds past `held_until`
(cancelled_because `unconfirmed`): the time goes to the waitlist first, as any freed time, and
the customer is told it was released and how to book again.

The link holds the booking's id, signed with its own salt over what the booking was booked as
(key, point, start, e-mail key): it stays readable after the hold ends, so a second click says
"already confirmed" or "released" instead of a bare error. Nothing is stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from vuoro.booking.confirmed_emails import emails_confirmed_record
from vuoro.booking.models import HOLD_CONFIRM_EMAIL, Booking
from vuoro.booking.services import BookingError, SlotUnavailable, booking_still_open, booking_time_free
from vuoro.network.state import NetworkState, network_state
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_queue, sender_wake

logger = logging.getLogger(__name__)

SALT = "vuoro.booking.confirm-email"
UNCONFIRMED = "unconfirmed"  # Booking.cancelled_because of a hold that lapsed
_TOKEN = re.compile(r"([0-9]{1,18}):[A-Za-z0-9_-]{20,100}")


class HoldLapsed(BookingError):
    """The hold ended before the address was confirmed (lapsed, or the booking was cancelled)."""

    code = "hold_lapsed"


class InvalidToken(BookingError):
    code = "invalid_token"


# -- the link --------------------------------------------------------------------------------------

def _signer(booking: Booking) -> signing.Signer:
    text = (f"{booking.pk}|{booking.reservation_key}|{int(booking.start_at.timestamp())}|"
            f"{booking.service_point_id}|{booking.email_key}")
    return signing.Signer(salt=f"{SALT}:{hashlib.blake2b(text.encode(), digest_size=12).hexdigest()}")


def confirm_token(booking: Booking) -> str:
    """"<booking id>:<signature over the id and what the booking was booked as>"."""
    return _signer(booking).sign(str(booking.pk))


def confirm_token_booking(token: str) -> Booking | None:
    """The booking a token was made for, whatever its state now, or None (malformed, tampered
    with, or the booking has changed: moved, or its contact details purged)."""
    match = _TOKEN.fullmatch(token or "")
    if match is None:
        return None
    booking = Booking.objects.select_related("service", "service_point").filter(pk=int(match.group(1))).first()
    if booking is None:
        return None
    try:
        _signer(booking).unsign(token)
    except signing.BadSignature:
        return None
    return booking


def confirm_url(booking: Booking) -> str:
    """The absolute one-click link (VUORO_PUBLIC_URL), as the message carries it."""
    return settings.PUBLIC_URL + reverse("booking:confirm_email", args=[confirm_token(booking)])


# -- confirming ------------------------------------------------------------------------------------

def released(booking: Booking) -> bool:
    """Whether a booking once held for its new address no longer awaits it and was never confirmed:
    cancelled, or still marked with its hold's reason (a confirmed booking's is cleared)."""
    return not booking.awaits_email_confirmation and (
        booking.status == Booking.Status.CANCELLED or bool(booking.hold_reason))


@dataclass(frozen=True)
class Confirmed:
    booking: Booking
    already: bool  # confirmed before this request (a second click): nothing was changed


def booking_email_confirm(*, booking: Booking, now: dt.datetime, state: NetworkState | None = None) -> Confirmed:
    """Confirm the e-mail address of a booking held for it: the booking becomes confirmed, the
    address is recorded as confirmed and the confirmation (with the calendar file) is queued, in
    one transaction. A booking confirmed already is answered as it is. Raises HoldLapsed when the
    hold has ended (lapsed, cancelled, or its time has come: a hold past its end that the sweep has
    not reached yet is released here) and SlotUnavailable when the point closed at that time
    meanwhile (the hold is released and the customer told, as for a lapse)."""
    state = state or network_state()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if not booking.awaits_email_confirmation:
            if released(booking):
                raise HoldLapsed("The time was released: the e-mail address was not confirmed in time, or the "
                                 "booking was cancelled.")
            return Confirmed(booking=booking, already=True)
        lapsed = booking.held_until <= now or booking.start_at <= now
        if not lapsed and booking_still_open(booking, state):
            booking.status, booking.held_until, booking.hold_reason = Booking.Status.CONFIRMED, None, ""
            booking.save(update_fields=["status", "held_until", "hold_reason"])
            emails_confirmed_record(email_keys=[booking.email_key], now=now)
            notice_queue(booking_id=booking.pk, event=Notice.Event.CONFIRMED, now=now)
            return Confirmed(booking=booking, already=False)
        _release(booking, state=state, now=now)
    sender_wake()
    if lapsed:
        raise HoldLapsed("The time was held for a while only, and that while has passed.")
    raise SlotUnavailable("The service point closed at that time since the booking was made.")


# -- lapsing ---------------------------------------------------------------------------------------

def _release(booking: Booking, *, state: NetworkState, now: dt.datetime) -> None:
    """Cancel a held booking (locked) as unconfirmed, tell its customer (e-mail only) and hand its
    time to the waitlist."""
    notice_queue(booking_id=booking.pk, event=Notice.Event.UNCONFIRMED, now=now)  # e-mail only, while held
    booking_time_free(booking=booking, state=state, now=now, because=UNCONFIRMED)


def email_holds_lapse(*, now: dt.datetime, state: NetworkState | None = None) -> int:
    """Cancel every booking still waiting for its e-mail address past `held_until`: each in its own
    transaction, its time offered again at once (the waitlist first). Returns how many."""
    state = state or network_state()
    due = Booking.objects.filter(status=Booking.Status.HELD, hold_reason=HOLD_CONFIRM_EMAIL, held_until__lte=now)
    lapsed = 0
    for pk in due.order_by("held_until", "id").values_list("pk", flat=True):
        try:
            with transaction.atomic():
                booking = Booking.objects.select_for_update().filter(pk=pk).first()
                if booking is None or not booking.awaits_email_confirmation or booking.held_until > now:
                    continue  # confirmed or cancelled meanwhile
                _release(booking, state=state, now=now)
                lapsed += 1
        except Exception:  # noqa: BLE001 - one booking's fault must not hold the others past their time
            logger.exception("Booking %s: releasing its unconfirmed hold failed; the next sweep tries again.", pk)
    if lapsed:
        sender_wake()
    return lapsed
