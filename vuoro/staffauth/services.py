"""Writes of staff sign-in: enrolling a second factor, resetting it."""
from __future__ import annotations

from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator app"


def totp_device_pending(*, user) -> TOTPDevice:
    """The TOTP device `user` is enrolling: the one begun earlier (so reloading the page shows the
    same QR code), or a new one with a fresh random secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment with the first code the app shows; wrong codes count towards
    django-otp's throttle like any other."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Whatever was begun beside it goes: one authenticator app per person.
        TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    return True


def second_factor_reset(*, user) -> int:
    """Remove every second-factor device of `user` (a lost phone): they enrol again at their next
    sign-in. Sessions verified with a removed device are no longer verified. Returns how many."""
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
    return len(devices)
