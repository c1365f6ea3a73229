"""The API's calls without cookies go through fewer middleware (issue 15, lean requests).

An integrator's or a customer's app's call to `/api/v1/` carries no cookie: it has no session,
no signed-in user, no CSRF token and no flash messages, and it is never a static file, an htmx
request or a staff page. For such a call the sessions, CSRF, authentication, second-factor,
messages, htmx, WhiteNoise, staff-session, analyst-scope and django-axes middleware each run and
find nothing to do, yet together they were about a third of the Python work of a small answer.

`application` (vuoro.wsgi) sends such calls to a second Django handler whose middleware is
`LEAN_MIDDLEWARE`: the full list (settings.MIDDLEWARE) without those, in the same order, so every
answer is the same to the byte (tests/test_lean.py sends the same calls through both and compares
status, headers and body). `request.user` is the anonymous user, as the full chain leaves it.
Staff calls (`/api/v1/staff/`, signed in by their session cookie) and the API's browsable docs
always take the full chain; so does any request with a Cookie header.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIHandler
from django.utils.cache import patch_vary_headers

from vuoro.apierrors import API_PREFIX

# Middleware that does nothing for a cookie-less API call: left out of the lean chain.
SKIPPED = frozenset({
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "vuoro.staffauth.middleware.StaffSessionMiddleware",
    "vuoro.staffauth.middleware.SecondFactorMiddleware",
    "vuoro.insights.access.AnalystScopeMiddleware",
    "axes.middleware.AxesMiddleware",
})
FULL_CHAIN_PREFIXES = ("/api/v1/staff/", "/api/v1/docs")


def lean_middleware() -> list[str]:
    """settings.MIDDLEWARE without SKIPPED, with the anonymous user set first."""
    return ["vuoro.lean.AnonymousUserMiddleware", *(m for m in settings.MIDDLEWARE if m not in SKIPPED)]


def takes_lean_chain(environ: dict) -> bool:
    path = environ.get("PATH_INFO", "")
    return (path.startswith(API_PREFIX) and "HTTP_COOKIE" not in environ
            and not path.startswith(FULL_CHAIN_PREFIXES))


class AnonymousUserMiddleware:
    """`request.user`: the anonymous user (what AuthenticationMiddleware gives a call without a
    session); the answer varies by Cookie, as the full chain (whose staff-session check reads the
    session) says of every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = AnonymousUser()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response


class LeanHandler(WSGIHandler):
    """Django's WSGI handler with the lean middleware chain."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads the chain from settings.MIDDLEWARE; this swaps it in for the moment the
        # chain is built (once, when the server loads the application, before it serves anything).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = lean_middleware()
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class Application:
    """The WSGI application: cookie-less API calls through LeanHandler, everything else through Django's own."""

    def __init__(self) -> None:
        self.full = WSGIHandler()
        self.lean = LeanHandler()

    def __call__(self, environ, start_response):
        handler = self.lean if takes_lean_chain(environ) else self.full
        return handler(environ, start_response)
