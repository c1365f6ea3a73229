"""Limits on guessing PINs (never lifted) and on requests per client (lifted by VUORO_RATE_LIMITS=off).

A PIN is checked only after an attempt has been taken from the key's allowance, in one
conditional UPDATE, so wrong PINs sent at the same instant never get more checks than allowed.
Per-client limits count by client_address(): the single place that decides who the client is;
the counters are shared by every server (vuoro.booking.counters: Redis when configured, else the database).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import math
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from vuoro.apierrors import ApiError
from vuoro.booking.counters import Window, windows_count
from vuoro.booking.keys import hash_pin, pin_match_secret
from vuoro.booking.models import Booking, PinGuard
from vuoro.booking.selectors import booking_get

PIN_ATTEMPTS_ALLOWED = 5  # PIN checks per reservation key and window; a right PIN starts afresh
PIN_WINDOW = dt.timedelta(minutes=15)

# Requests a client may make per minute, and per hour where a minute's allowance kept up for an
# hour would let one client do too much, by kind of request (vuoro.limits.LIMITED_ROUTES).
RATE_LIMITS_PER_MINUTE = {"availability": 240, "booking": 30, "manage": 60, "ticket": 5, "recover": 5,
                          "guidance": 30, "kiosk_device": 60, "priority_code": 10, "rush": 10}
RATE_LIMITS_PER_HOUR = {"booking": 120, "manage": 600, "recover": 20, "ticket": 10, "guidance": 300,
                        "priority_code": 60, "rush": 30}
RATE_WINDOW_LONGEST = dt.timedelta(hours=1)  # counters older than this are done with (vuoro.retention)
IPV6_CLIENT_PREFIX = 64  # one IPv6 customer holds a whole /64: limits count the network
FORWARDED_HOPS_READ = 20  # X-Forwarded-For entries looked at, from the right, at most

_PIN_LOCKED = "Too many wrong PINs for this reservation key; try again later."


def _too_many(retry_after_seconds: float, detail: str) -> ApiError:
    seconds = max(1, math.ceil(retry_after_seconds))
    return ApiError(429, "too_many_requests", detail, headers={"Retry-After": str(seconds)})


def pin_attempt_take(*, reservation_key: str, now: dt.datetime) -> None:
    """Take one PIN check from the key's allowance, or refuse with 429 when the window's attempts
    are used up, whatever the client address. Each step is one statement whose condition the
    database re-checks under the row's lock, so parallel attempts never take more than allowed."""
    guards = PinGuard.objects.filter(reservation_key=reservation_key)
    fresh_after = now - PIN_WINDOW
    for _ in range(4):
        if guards.filter(window_start_at__gt=fresh_after, attempts__lt=PIN_ATTEMPTS_ALLOWED).update(
                attempts=F("attempts") + 1):
            return
        if guards.filter(window_start_at__lte=fresh_after).update(attempts=1, window_start_at=now):
            return  # the last window has passed: this attempt opens a new one
        guard = guards.first()
        if guard is None:
            try:
                with transaction.atomic():
                    PinGuard.objects.create(reservation_key=reservation_key, attempts=1, window_start_at=now)
                return
            except IntegrityError:
                continue  # another attempt made the row a moment ago: take from it
        if guard.attempts >= PIN_ATTEMPTS_ALLOWED and guard.window_start_at > fresh_after:
            raise _too_many((guard.window_start_at + PIN_WINDOW - now).total_seconds(), _PIN_LOCKED)
    raise _too_many(PIN_WINDOW.total_seconds(), _PIN_LOCKED)  # the row kept changing under us: refuse


def pin_attempt_clear(*, reservation_key: str) -> None:
    """A right PIN: the key's allowance starts afresh."""
    PinGuard.objects.filter(reservation_key=reservation_key).delete()


def booking_authorise(*, reservation_key: str, pin: str | None, now: dt.datetime) -> Booking | None:
    """The booking a reservation key and PIN open, or None for any mismatch; raises ApiError 429
    while the key's PIN attempts are used up. Every check of a customer's PIN goes through here.
    A PIN hashed with an earlier secret (VUORO_SECRET_KEY_FALLBACKS) is hashed anew with the current one."""
    key = reservation_key[:32]
    if "\x00" in key:  # never a key (and PostgreSQL text cannot hold it): nothing to guard or find
        return None
    pin_attempt_take(reservation_key=key, now=now)
    booking = booking_get(reservation_key=key) if len(key) == 10 else None
    matched = pin_match_secret(key, pin.strip(), booking.pin_hash) if booking is not None and pin else None
    if matched is None:
        return None
    pin_attempt_clear(reservation_key=key)
    if matched > 0:
        booking.pin_hash = hash_pin(key, pin.strip())
        Booking.objects.filter(pk=booking.pk).update(pin_hash=booking.pin_hash)
    return booking


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header entry: plain, "[v6]:port", "v4:port"; None when it is none."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _client_ip(request) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    remote = _ip(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if remote is None or not networks:
        return remote

    def trusted(address) -> bool:
        return any(address.version == network.version and address in network for network in networks)

    if not trusted(remote):
        return remote
    # The right-most entry our own proxies did not add: entries to its left are the client's word.
    client = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-FORWARDED_HOPS_READ:]):
        address = _ip(entry)
        if address is None:
            return client  # malformed: the last hop we can trust stands for the client
        client = address
        if not trusted(address):
            return address
    return client


def client_address(request) -> str:
    """Who a request comes from, for per-client limits: REMOTE_ADDR, or behind a proxy named in
    VUORO_TRUSTED_PROXIES the right-most X-Forwarded-For entry that is not itself a trusted proxy.
    An IPv6 client is its /64 network (one customer's line holds a whole /64). Worked out once
    per request (the limits and the booking's client key both ask)."""
    known = getattr(request, "_vuoro_client_address", None)
    if known is not None:
        return known
    address = _client_ip(request)
    if address is None:
        found = "unknown"
    elif address.version == 6:
        found = str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    else:
        found = str(address)
    request._vuoro_client_address = found
    return found


def client_key(request) -> str:
    """The client a booking came from (client_address: an IPv6 client is its /64), as a keyed hash
    (HMAC-SHA-256 with the secret key, 32 hex digits): bookings from one client can be grouped for
    staff without the address itself ever being stored."""
    return hmac.new(settings.SECRET_KEY.encode(), f"client:{client_address(request)}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def rate_limit_count(request, *, kind: str, now: dt.datetime) -> None:
    """Count one request of this kind from this client in its minute, then (if the minute allows
    it) in its hour; refuse with 429 (Retry-After: the end of the window that is full) when one
    holds too many."""
    if kind not in RATE_LIMITS_PER_MINUTE and kind not in RATE_LIMITS_PER_HOUR:
        raise KeyError(f"no per-client limit for {kind!r}")  # a misspelt kind must not mean no limit
    if not settings.RATE_LIMITS:
        return
    client = client_address(request)
    windows = [Window(f"{kind}{suffix}:{client}", start_at, length, limit) for limit, start_at, length, suffix in (
        (RATE_LIMITS_PER_MINUTE.get(kind), now.replace(second=0, microsecond=0), dt.timedelta(minutes=1), ""),
        (RATE_LIMITS_PER_HOUR.get(kind), now.replace(minute=0, second=0, microsecond=0), dt.timedelta(hours=1), "/h"),
    ) if limit is not None]
    # The minute's window first: a request it refuses does not use up the hour's allowance. One
    # round trip to Redis for both.
    for window, count in zip(windows, windows_count(windows, now=now), strict=False):
        if count > window.limit:
            raise _too_many((window.start_at + window.length - now).total_seconds(),
                            "Too many requests from this address; try again in a moment.")


def rate_limit(request, *, kind: str, now: dt.datetime) -> None:
    """Refuse with 429 when this client has made too many requests of this kind (per minute, and
    per hour for some kinds). A request vuoro.limits.RequestLimitMiddleware already counted under
    this kind is not counted twice."""
    if kind in getattr(request, "limits_counted", ()):
        return
    rate_limit_count(request, kind=kind, now=now)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def rate_limit_key(*, key: str, limit: int, window: dt.timedelta, now: dt.datetime) -> None:
    """Refuse with 429 when `key` has been counted more than `limit` times in this window (fixed
    windows from the epoch); for limits that are not per client address, such as a kiosk device's."""
    if not settings.RATE_LIMITS:
        return
    start = _EPOCH + ((now - _EPOCH) // window) * window
    if windows_count([Window(key, start, window, limit)], now=now)[-1] > limit:
        raise _too_many((start + window - now).total_seconds(), "Too many requests from this client; try again later.")
