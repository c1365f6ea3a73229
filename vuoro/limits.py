"""Per-client request limits, counted before anything about the request is parsed.

RequestLimitMiddleware looks up the request's method and path in LIMITED_ROUTES and counts it
under that kind of request for its client (vuoro.booking.guards: per minute, and per hour for
some kinds) before the view, the API's body parsing or the CSRF check run: a malformed body, a
failed form or a forged POST counts like any other. Over the limit: 429 with Retry-After, in the
API's error shape under /api/ and as a short page in the visitor's language elsewhere.
VUORO_RATE_LIMITS=off lifts these limits (never the limit on guessing a booking's PIN).
"""
from __future__ import annotations

import logging
import math
import re

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from vuoro.apierrors import API_PREFIX, ApiError, error_response
from vuoro.booking.guards import rate_limit_count
from vuoro.unavailable import DATABASE_ERRORS, unavailable_response
from vuoro.walkin.kiosks import ticket_rate_limit

logger = logging.getLogger("vuoro.limits")

# (methods, path without its trailing slash, kind of request): the first that matches counts.
# Every public page or API call that writes, or that reads availability, is here; the staff
# console is not (staff sign in). A kind's numbers: RATE_LIMITS_PER_MINUTE and _PER_HOUR.
LIMITED_ROUTES: list[tuple[frozenset[str], str, str]] = [
    (frozenset({"GET"}), r"/api/v1/availability", "availability"),
    (frozenset({"GET"}), r"/api/v1/lead-times", "availability"),  # reads availability at every point
    (frozenset({"POST"}), r"/api/v1/bookings", "booking"),
    (frozenset({"POST"}), r"/api/v1/bookings/recover", "recover"),
    (frozenset({"POST"}), r"/api/v1/waitlist", "booking"),
    (frozenset({"GET", "POST"}), r"/api/v1/waitlist/[^/]+(?:/cancel|/accept)?", "manage"),
    (frozenset({"GET", "POST"}), r"/api/v1/bookings/[^/]+(?:/cancel|/reschedule|/calendar\.ics|/confirm-email)?",
     "manage"),
    # queue numbers: per device for a registered kiosk, else per client (vuoro.walkin.kiosks); the
    # kiosk page counts in its view, to answer with the kiosk's own page
    (frozenset({"POST"}), r"/api/v1/service-points/(?P<point>[^/]+)/tickets", "ticket"),
    (frozenset({"POST"}), r"/api/v1/guidance", "guidance"),  # the guidance page counts in its view
    # joining a release's queue (polling is one indexed read and not counted: the answer says when)
    (frozenset({"POST"}), r"/api/v1/releases/[^/]+/queue", "rush"),
    (frozenset({"POST"}), r"/releases/[^/]+/queue", "rush"),
    # the pages: booking, and moving a booking, step by step
    (frozenset({"GET"}), r"/book/(?:point|month|day)", "availability"),
    (frozenset({"GET"}), r"/manage/move(?:/month|/day)?", "availability"),
    (frozenset({"POST"}), r"/book/details", "booking"),
    (frozenset({"POST"}), r"/book/priority-code", "priority_code"),  # codes are unguessable; still counted
    (frozenset({"POST"}), r"/manage(?:/cancel|/move/confirm|/calendar|/sign-out)?", "manage"),
    (frozenset({"GET", "POST"}), r"/manage/(?:link|cannot-come)/[^/]+", "manage"),
    (frozenset({"GET", "POST"}), r"/book/confirm/[^/]+", "manage"),  # the link that confirms a new address
    (frozenset({"POST"}), r"/manage/lost-pin", "recover"),
    (frozenset({"GET", "POST"}), r"/waitlist/offer/[^/]+", "manage"),
    (frozenset({"POST"}), r"/waitlist/join", "booking"),
    (frozenset({"POST"}), r"/waitlist(?:/entry)?", "manage"),
    (frozenset({"POST"}), r"/manage/earlier", "manage"),
]
_COMPILED = [(methods, re.compile(pattern), kind) for methods, pattern, kind in LIMITED_ROUTES]


def _limited(method: str, path: str) -> tuple[str, re.Match] | None:
    method = "GET" if method == "HEAD" else method
    path = path.rstrip("/")
    for methods, pattern, kind in _COMPILED:
        if method in methods and (match := pattern.fullmatch(path)):
            return kind, match
    return None


def limited_kind(method: str, path: str) -> str | None:
    """The kind of request a method and path count as, or None when no per-client limit applies."""
    found = _limited(method, path)
    return found[0] if found else None


def _count(request, kind: str, match: re.Match) -> None:
    now = timezone.now()
    if kind == "ticket":
        ticket_rate_limit(request, point_id=match["point"], now=now)
    else:
        rate_limit_count(request, kind=kind, now=now)


def too_many_response(request, error: ApiError):
    """429 with Retry-After: the API's error body, or the page in the visitor's language."""
    if request.path.startswith(API_PREFIX):
        return error_response(request, 429, error.code, error.detail, headers=error.headers)
    seconds = int((error.headers or {}).get("Retry-After", "60"))
    response = render(request, "booking/too_many.html",
                      {"pin_locked": False, "minutes": max(1, math.ceil(seconds / 60))}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class RequestLimitMiddleware:
    """Counts a limited request for its client before anything else is done with it.

    In settings.MIDDLEWARE after the security headers, sessions and LocaleMiddleware (its answers
    get the headers; its page the visitor's language), just before DatabaseUnavailableMiddleware.
    A database lost while counting answers 503 here (DatabaseUnavailableMiddleware catches only
    what views raise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = _limited(request.method, request.path_info) if settings.RATE_LIMITS else None
        if found is not None:
            kind, match = found
            try:
                _count(request, kind, match)
            except ApiError as error:
                return too_many_response(request, error)
            except DATABASE_ERRORS as error:
                logger.warning("database unavailable for %s %s: %s", request.method, request.path, error)
                return unavailable_response(request)
            request.limits_counted = {kind}  # guards.rate_limit in a view does not count it again
        return self.get_response(request)
