"""Who must show a second factor, which pages are staff pages, and when a staff session has ended.

Nothing here reads the clock: the middleware passes `now`.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.conf import settings

from vuoro.apierrors import API_PREFIX
from vuoro.network.roles import ADMINISTRATOR, MANAGER

# Pages and endpoints for staff only: a second factor is asked before any of them.
STAFF_PATH_PREFIXES = ("/admin/", "/console/", "/staff/", "/api/v1/staff/")
# ...except the steps of signing in (and out) themselves.
SIGN_IN_PATHS = ("/admin/login/", "/admin/logout/", "/staff/two-factor/")

# Session keys: when this sign-in began and when the staff member was last seen (ISO 8601, UTC).
SIGNED_IN_AT = "staffauth.signed_in_at"
SEEN_AT = "staffauth.seen_at"
# The last-seen stamp is written at most this often: not a session write on every request.
SEEN_RESOLUTION = dt.timedelta(minutes=1)


class Expiry(StrEnum):
    ABSOLUTE = "absolute"
    IDLE = "idle"


def is_staff_path(path: str) -> bool:
    return path.startswith(STAFF_PATH_PREFIXES) and not path.startswith(SIGN_IN_PATHS)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def must_verify(user, *, has_device: bool) -> bool:
    """True when `user` must show a code after the password: with VUORO_REQUIRE_2FA on, superusers,
    administrators and service point managers always; anyone else once they have enrolled."""
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    if has_device or user.is_superuser:
        return True
    return user.groups.filter(name__in=[ADMINISTRATOR, MANAGER]).exists()


def session_expiry(*, signed_in_at: dt.datetime, seen_at: dt.datetime, now: dt.datetime) -> Expiry | None:
    """Whether a staff session begun at `signed_in_at` and last used at `seen_at` has ended at `now`:
    VUORO_STAFF_SESSION_HOURS after it began, or VUORO_STAFF_IDLE_MINUTES after its last use."""
    if now - signed_in_at >= dt.timedelta(hours=settings.STAFF_SESSION_HOURS):
        return Expiry.ABSOLUTE
    if now - seen_at >= dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES):
        return Expiry.IDLE
    return None


def stamp_read(session, key: str) -> dt.datetime | None:
    value = session.get(key)
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def stamp_write(session, key: str, at: dt.datetime) -> None:
    session[key] = at.astimezone(dt.UTC).isoformat()


def session_stamps_clear(sender, request, user, **kwargs) -> None:
    """user_logged_in: a new sign-in (even of the same person, whose session Django keeps) starts
    both clocks again; the middleware stamps them on the next request."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SIGNED_IN_AT, None)
        session.pop(SEEN_AT, None)
