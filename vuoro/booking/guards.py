"""Limits on guessing PINs (never lifted) and on requests per client (lifted by VUORO_RATE_LIMITS=off)."""
from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from vuoro.apierrors import ApiError
from vuoro.booking.models import PinGuard, RateCounter

PIN_FAILURES_ALLOWED = 5
PIN_WINDOW = dt.timedelta(minutes=15)

# requests a client may make per minute, by kind of request
RATE_LIMITS_PER_MINUTE = {"availability": 240, "booking": 30, "manage": 60, "ticket": 5, "recover": 5,
                          "guidance": 30, "kiosk_device": 60}


def _too_many(retry_after_seconds: float, detail: str) -> ApiError:
    seconds = max(1, math.ceil(retry_after_seconds))
    return ApiError(429, "too_many_requests", detail, headers={"Retry-After": str(seconds)})


def pin_guard_check(*, reservation_key: str, now: dt.datetime) -> None:
    """Refuse with 429 while a key is locked by too many wrong PINs, whatever the client address."""
    guard = PinGuard.objects.filter(reservation_key=reservation_key).first()
    if guard and guard.failures >= PIN_FAILURES_ALLOWED and now < guard.window_start_at + PIN_WINDOW:
        raise _too_many((guard.window_start_at + PIN_WINDOW - now).total_seconds(),
                        "Too many wrong PINs for this reservation key; try again later.")


def pin_guard_fail(*, reservation_key: str, now: dt.datetime) -> None:
    """Count a wrong PIN; committed even though the request itself fails."""
    with transaction.atomic():
        guard = PinGuard.objects.select_for_update().filter(reservation_key=reservation_key).first()
        if guard is None:
            try:
                with transaction.atomic():
                    PinGuard.objects.create(reservation_key=reservation_key, failures=1, window_start_at=now)
                return
            except IntegrityError:
                guard = PinGuard.objects.select_for_update().get(reservation_key=reservation_key)
        if now >= guard.window_start_at + PIN_WINDOW:
            guard.failures, guard.window_start_at = 1, now
            guard.save(update_fields=["failures", "window_start_at"])
        else:
            PinGuard.objects.filter(pk=guard.pk).update(failures=F("failures") + 1)


def pin_guard_clear(*, reservation_key: str) -> None:
    PinGuard.objects.filter(reservation_key=reservation_key).delete()


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def rate_limit(request, *, kind: str, now: dt.datetime) -> None:
    """Refuse with 429 when this client has made too many requests of this kind this minute."""
    if not settings.RATE_LIMITS:
        return
    limit = RATE_LIMITS_PER_MINUTE[kind]
    window = now.replace(second=0, microsecond=0)
    key = f"{kind}:{client_address(request)}"
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window_start_at=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start_at=window, count=1)
            except IntegrityError:
                RateCounter.objects.filter(key=key, window_start_at=window).update(count=F("count") + 1)
        count = RateCounter.objects.filter(key=key, window_start_at=window).values_list("count", flat=True).first()
    if count and count > limit:
        raise _too_many((window + dt.timedelta(minutes=1) - now).total_seconds(),
                        "Too many requests from this address; try again in a moment.")


# Requests a client may make per hour, on top of the minute's limit, by kind of request.
RATE_LIMITS_PER_HOUR = {"ticket": 10, "guidance": 300}
RATE_WINDOW_LONGEST = dt.timedelta(hours=1)  # the purge keeps counters this long
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def rate_limit_hourly(request, *, kind: str, now: dt.datetime) -> None:
    """Refuse with 429 when this client has made too many requests of this kind this clock hour."""
    rate_limit_key(key=f"{kind}/hour:{client_address(request)}", limit=RATE_LIMITS_PER_HOUR[kind],
                   window=dt.timedelta(hours=1), now=now)


def rate_limit_key(*, key: str, limit: int, window: dt.timedelta, now: dt.datetime) -> None:
    """Refuse with 429 when `key` has been counted more than `limit` times in this window (fixed
    windows from the epoch); for limits that are not per client address, such as a kiosk device's."""
    if not settings.RATE_LIMITS:
        return
    start = _EPOCH + ((now - _EPOCH) // window) * window
    with transaction.atomic():
        if not RateCounter.objects.filter(key=key, window_start_at=start).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start_at=start, count=1)
            except IntegrityError:
                RateCounter.objects.filter(key=key, window_start_at=start).update(count=F("count") + 1)
        count = RateCounter.objects.filter(key=key, window_start_at=start).values_list("count", flat=True).first()
    if count and count > limit:
        raise _too_many((start + window - now).total_seconds(),
                        "Too many requests from this client; try again later.")
