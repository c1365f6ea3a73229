"""Kiosk devices: staff register a kiosk in their point's hall; its browser then holds a signed
cookie naming the point and the device.

A kiosk is one address for many people, the same form reached from the internet is one person:
a registered kiosk takes queue numbers under its own, generous limit per device, anyone else
under strict limits per client address (per minute and per hour). The kiosk page and the API's
ticket endpoint share these limits (`ticket_rate_limit`).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpResponse

from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.booking.guards import RATE_LIMITS_PER_MINUTE, rate_limit, rate_limit_key
from vuoro.walkin.models import KioskDevice, Ticket

KIOSK_COOKIE = "vuoro_kiosk"
_COOKIE_SALT = "vuoro.walkin.kiosk-device"
# Browsers keep a cookie 400 days at most; a kiosk in use renews it with every queue number.
KIOSK_COOKIE_MAX_AGE = dt.timedelta(days=400)


def kiosk_device_register(*, point_id: str, name: str, actor, now: dt.datetime) -> KioskDevice:
    """Register a kiosk device of `point_id`; `actor` is the staff member doing it (audited)."""
    with transaction.atomic():
        device = KioskDevice.objects.create(service_point_id=point_id, name=name.strip(), registered_at=now,
                                            registered_by=actor if actor is not None and actor.is_authenticated
                                            else None)
        audit_record(actor=actor, action=AuditEntry.Action.KIOSK_REGISTER, object_type="walkin.kioskdevice",
                     object_id=device.pk, now=now, service_point_id=point_id, after={"name": device.name})
        return device


def kiosk_device_revoke(*, device: KioskDevice, actor, now: dt.datetime) -> bool:
    """Revoke a device: its cookie no longer counts, it takes numbers as anyone else. False if already revoked."""
    with transaction.atomic():
        return bool(KioskDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor if actor is not None and actor.is_authenticated else None))


def kiosk_cookie_set(response: HttpResponse, device: KioskDevice) -> None:
    response.set_signed_cookie(
        KIOSK_COOKIE, f"{device.service_point_id}:{device.pk}", salt=_COOKIE_SALT,
        max_age=int(KIOSK_COOKIE_MAX_AGE.total_seconds()), path="/", httponly=True, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE)


def kiosk_device_of(request, *, point_id: str) -> KioskDevice | None:
    """The registered, unrevoked kiosk device of `point_id` this browser is, if any (the signed cookie)."""
    try:
        value = request.get_signed_cookie(KIOSK_COOKIE, salt=_COOKIE_SALT)
    except (KeyError, signing.BadSignature):
        return None
    cookie_point, _sep, device_id = value.rpartition(":")
    if cookie_point != point_id or not device_id.isdigit():
        return None
    return KioskDevice.objects.filter(pk=int(device_id), service_point_id=point_id, revoked_at__isnull=True).first()


def ticket_rate_limit(request, *, point_id: str, now: dt.datetime) -> KioskDevice | None:
    """Count a request for a queue number, or refuse it with a 429 ApiError: a registered kiosk of
    this point has its own limit per device; anyone else the strict limits per client address."""
    if "ticket" in getattr(request, "limits_counted", ()):  # counted by vuoro.limits before the view
        return getattr(request, "kiosk_device", None)
    device = request.kiosk_device = kiosk_device_of(request, point_id=point_id)
    if device is None:
        rate_limit(request, kind="ticket", now=now)  # per minute and per hour
        return None
    rate_limit_key(key=f"kiosk_device:{device.pk}", limit=RATE_LIMITS_PER_MINUTE["kiosk_device"],
                   window=dt.timedelta(minutes=1), now=now)
    KioskDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    return device


# The live ticket page ---------------------------------------------------------------------------
# A queue number's own address, for the customer's phone (the QR code on the screen and on the
# printed ticket): the number's id signed with the server's key. It names no person, and a number
# that is not ours (another id, a changed signature) is no address at all.
_TICKET_SALT = "vuoro.walkin.live-ticket"


def ticket_token(ticket: Ticket) -> str:
    """The unguessable, unforgeable token of the live page of `ticket` (its id, signed)."""
    return signing.Signer(salt=_TICKET_SALT).sign(signing.b62_encode(ticket.pk))


def ticket_of_token(token: str) -> Ticket | None:
    """The queue number a token names, or None for a forged, changed or unknown one."""
    try:
        value = signing.Signer(salt=_TICKET_SALT).unsign(token)
        ticket_id = signing.b62_decode(value)
    except (signing.BadSignature, ValueError):
        return None
    return (Ticket.objects.select_related("service", "desk", "service_point").filter(pk=ticket_id).first()
            if ticket_id > 0 else None)
