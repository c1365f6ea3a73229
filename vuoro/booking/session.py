"""What the public pages keep in the session about a booking: never its reservation key or PIN in clear.

- The booking just made (for its confirmation page, which shows the PIN once): the booking's id
  and its PIN sealed with a pad only the server's secret makes (a stolen session store alone does
  not give it; vuoro.booking.keys.seal, opened with the current secret or a fallback), for
  HELD_SECONDS.
- The booking being managed: its id and the fingerprint of its state when the customer proved
  they may manage it (PIN or signed link). A change by someone else (staff, the agency) ends the
  hold; the customer's own changes through these pages renew it. Sliding, HELD_SECONDS unused.
"""
from __future__ import annotations

import secrets

from django.utils import timezone
from django.utils.crypto import salted_hmac

from vuoro.booking.keys import seal, unseal
from vuoro.booking.links import booking_fingerprint
from vuoro.booking.models import Booking

BOOKED = "booking.booked"  # session: the booking just made, for its confirmation page
MANAGED = "booking.managed"  # session: the booking the customer opened on the manage pages
# A hold lasts this long (for the manage pages: since last use), so a shared computer does not
# keep a booking open.
HELD_SECONDS = 30 * 60


def _pad(booking_id: int, nonce: str):
    def pad(secret: str) -> bytes:
        return salted_hmac("vuoro.booking.session.booked-pin", f"{booking_id}:{nonce}", secret=secret,
                           algorithm="sha256").digest()
    return pad


def _until() -> float:
    return timezone.now().timestamp() + HELD_SECONDS


def _booking(booking_id) -> Booking | None:
    if not isinstance(booking_id, int):
        return None
    return Booking.objects.select_related("service", "service_point", "desk").filter(pk=booking_id).first()


def booked_hold(request, booking: Booking, pin: str) -> None:
    nonce = secrets.token_hex(8)
    sealed = seal(pin, _pad(booking.pk, nonce))
    request.session[BOOKED] = {"booking": booking.pk, "nonce": nonce, "pin_sealed": sealed, "until": _until()}


def booked_get(request) -> tuple[Booking, str] | None:
    """The booking just made and its PIN, or None once the hold has expired."""
    held = request.session.get(BOOKED)
    if not held or held.get("until", 0) < timezone.now().timestamp():
        request.session.pop(BOOKED, None)
        return None
    booking = _booking(held.get("booking"))
    if booking is None:
        return None
    pin = unseal(held.get("pin_sealed", ""), _pad(booking.pk, held.get("nonce", "")))
    if pin is None:  # sealed with a secret no longer accepted
        request.session.pop(BOOKED, None)
        return None
    return booking, pin


def managed_hold(request, booking: Booking) -> None:
    """Let this session manage the booking in its present state (after a PIN or a valid link,
    or after the customer's own change)."""
    request.session[MANAGED] = {"booking": booking.pk, "state": booking_fingerprint(booking), "until": _until()}


def managed_booking(request) -> Booking | None:
    """The booking this session may manage, or None: none held, the hold expired, or the
    booking changed by other hands since."""
    held = request.session.get(MANAGED)
    if not held or held.get("until", 0) < timezone.now().timestamp():
        request.session.pop(MANAGED, None)
        return None
    booking = _booking(held.get("booking"))
    if booking is None or booking_fingerprint(booking) != held.get("state"):
        request.session.pop(MANAGED, None)
        return None
    held["until"] = _until()
    request.session.modified = True
    return booking


def managed_forget(request) -> None:
    request.session.pop(MANAGED, None)
