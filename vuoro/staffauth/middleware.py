"""The edge of staff sign-in: sessions that end, and the second factor before any staff page.

Both come after AuthenticationMiddleware, django-otp's OTPMiddleware, MessageMiddleware and
HtmxMiddleware. Only signed-in users are concerned: a customer's booking session is anonymous.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import user_has_device

from vuoro.apierrors import error_response
from vuoro.staffauth.policy import (
    SEEN_AT,
    SEEN_RESOLUTION,
    SIGNED_IN_AT,
    Expiry,
    is_api_path,
    is_staff_path,
    must_verify,
    session_expiry,
    stamp_read,
    stamp_write,
)

BACKGROUND_POLL_HEADER = "X-Vuoro-Poll"


def return_path(request) -> str:
    """Where the staff member was: the page an htmx request came from, the page a form was posted
    from (posting it again after signing in would be a GET to a POST-only address), or this page."""
    htmx = getattr(request, "htmx", None)
    candidates = []
    if htmx:
        candidates.append(htmx.current_url_abs_path)
    if request.method not in ("GET", "HEAD"):
        candidates.append(request.META.get("HTTP_REFERER"))
    for candidate in candidates:
        if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
            return _path_only(candidate)
    return request.get_full_path()


def _path_only(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _go(request, url: str):
    if getattr(request, "htmx", None):
        return HttpResponseClientRedirect(url)
    return redirect(url)


class StaffSessionMiddleware:
    """Ends a signed-in session VUORO_STAFF_SESSION_HOURS after it began, or after
    VUORO_STAFF_IDLE_MINUTES unused; the staff member lands on the sign-in page, told why, and
    comes back to where they were once signed in again. The only clock read is here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now()
            signed_in_at = stamp_read(request.session, SIGNED_IN_AT)
            seen_at = stamp_read(request.session, SEEN_AT)
            if signed_in_at is None or seen_at is None:
                stamp_write(request.session, SIGNED_IN_AT, signed_in_at or now)
                stamp_write(request.session, SEEN_AT, now)
            else:
                expiry = session_expiry(signed_in_at=signed_in_at, seen_at=seen_at, now=now)
                if expiry is not None:
                    return self._expired(request, expiry)
                # A page refreshing itself in the background (the console's waiting list) is no sign
                # of anyone at the keyboard: it never keeps an idle session alive.
                if now - seen_at >= SEEN_RESOLUTION and not request.headers.get(BACKGROUND_POLL_HEADER):
                    stamp_write(request.session, SEEN_AT, now)
        return self.get_response(request)

    def _expired(self, request, expiry: Expiry):
        back_to = return_path(request)
        logout(request)
        if is_api_path(request.path):
            return self.get_response(request)  # now anonymous: the API answers 401 itself
        if expiry is Expiry.ABSOLUTE:
            text = _("You have been signed in for %(hours)s hours, the longest a sign-in lasts. "
                     "Sign in again to go on.") % {"hours": f"{settings.STAFF_SESSION_HOURS:g}"}
        else:
            text = _("You were signed out after %(minutes)s minutes without activity. "
                     "Sign in again to go on where you were.") % {"minutes": f"{settings.STAFF_IDLE_MINUTES:g}"}
        messages.info(request, text)
        return _go(request, f"{settings.LOGIN_URL}?{urlencode({'next': back_to})}")


class SecondFactorMiddleware:
    """With VUORO_REQUIRE_2FA on, a staff page asks administrators and managers (and whoever
    enrolled) for a code from their authenticator app after the password: the enrolment page the
    first time, the code page after that. The API answers 403 with its error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (settings.REQUIRE_2FA and user.is_authenticated and is_staff_path(request.path)
                and not user.is_verified()):
            has_device = user_has_device(user)
            if must_verify(user, has_device=has_device):
                if is_api_path(request.path):
                    return error_response(request, 403, "second_factor_required",
                                          "Sign in with your second factor (a code from your authenticator "
                                          "app) on a staff page first.")
                page = "staffauth:verify" if has_device else "staffauth:enrol"
                return _go(request, f"{reverse(page)}?{urlencode({'next': return_path(request)})}")
        return self.get_response(request)
