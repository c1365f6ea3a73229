"""Cookie-less API calls take the lean middleware chain (vuoro.lean) and get the same answers, to
the byte, as through Django's full chain; everything else takes the full chain."""
import io
import json
import re
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse

from tests.booking.conftest import at, booking_body
from vuoro.lean import AnonymousUserMiddleware, Application, LeanHandler, lean_middleware, takes_lean_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers():
    return WSGIHandler(), LeanHandler()


def send(handler, method: str, path: str, query: str = "", body: bytes = b"", headers: dict | None = None):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
               "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(body))}
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    environ.update(headers or {})
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = status, response_headers

    # As Django's test client does: the test's transaction keeps its connection between calls.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = handler(environ, start_response)
        try:
            content = b"".join(response)
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    # A nonce differs per answer by design; everything else must not.
    masked = sorted((name, re.sub(r"nonce-[^']+", "nonce-*", value)) for name, value in started["headers"])
    return started["status"], masked, content


@pytest.fixture
def booked(client, smoke_network, wednesday):
    answer = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def calls(booked, wednesday):
    key, pin = booked["reservation_key"], booked["pin"]
    off_grid = json.dumps(booking_body(at(wednesday, 9, 5), email="other@example.org")).encode()
    return [
        ("GET", "/api/v1/services", "", b"", {}),
        ("GET", "/api/v1/service-points", "", b"", {}),
        ("GET", "/api/v1/releases", "", b"", {}),
        ("GET", "/api/v1/availability", "service=residence-card", b"", {}),
        ("GET", "/api/v1/availability", f"service=residence-card&service_point=smoke-point&from={wednesday}"
                                        f"&to={wednesday}&persons=1", b"", {}),
        ("GET", "/api/v1/availability", "service=nothing", b"", {}),
        ("GET", "/api/v1/availability", "service=residence-card&from=2026-13-01", b"", {}),
        ("GET", "/api/v1/availability", "service=residence-card&persons=%C2%B2", b"", {}),
        ("GET", f"/api/v1/bookings/{key}", "", b"", {"HTTP_X_PIN": pin}),
        ("GET", f"/api/v1/bookings/{key}", "", b"", {"HTTP_X_PIN": "000000"}),
        ("GET", f"/api/v1/bookings/{key}", "", b"", {}),
        ("GET", f"/api/v1/bookings/{key}/calendar.ics", "", b"", {"HTTP_X_PIN": pin}),
        ("GET", "/api/v1/service-points/smoke-point/queue", "", b"", {}),
        ("GET", "/api/v1/service-points/nowhere/queue", "", b"", {}),
        ("GET", "/api/v1/lead-times", "", b"", {}),
        ("GET", "/api/v1/openapi.json", "", b"", {}),
        ("GET", "/api/v1/no-such-thing", "", b"", {}),
        ("GET", "/api/elsewhere", "", b"", {"HTTP_ACCEPT_LANGUAGE": "fi"}),
        ("DELETE", "/api/v1/services", "", b"", {}),
        ("HEAD", "/api/v1/services", "", b"", {}),
        ("POST", "/api/v1/bookings", "", b"{not json", {}),
        ("POST", "/api/v1/bookings", "", b"{}", {"HTTP_ACCEPT_LANGUAGE": "sv"}),
        ("POST", "/api/v1/bookings", "", off_grid, {}),
        ("POST", "/api/v1/guidance", "", b'{"matter": 5}', {}),
    ]


def test_every_call_is_answered_the_same_through_both_chains(handlers, booked, wednesday):
    full, lean = handlers
    for method, path, query, body, headers in calls(booked, wednesday):
        assert takes_lean_chain({"PATH_INFO": path, **headers})
        through_full = send(full, method, path, query, body, headers)
        through_lean = send(lean, method, path, query, body, headers)
        assert through_lean[0] == through_full[0], (method, path, query)
        assert dict(through_lean[1]) == dict(through_full[1]), (method, path, query)
        assert through_lean == through_full, (method, path, query)


def test_a_write_through_the_lean_chain_is_answered_as_through_the_full_one(handlers, smoke_network, wednesday):
    full, lean = handlers
    answers = []
    for handler, hour, email in ((full, 9, "one@example.org"), (lean, 10, "two@example.org")):
        body = json.dumps(booking_body(at(wednesday, hour), email=email)).encode()
        status, headers, content = send(handler, "POST", "/api/v1/bookings", body=body)
        assert status.startswith("201"), content
        made = json.loads(content)
        answers.append((headers, sorted(made), made["start"][11:16]))
    assert answers[0][:2] == answers[1][:2]
    assert [a[2] for a in answers] == ["09:00", "10:00"]


def test_the_lean_chain_leaves_out_only_middleware_with_nothing_to_do(settings):
    chain = lean_middleware()
    assert chain[0] == "vuoro.lean.AnonymousUserMiddleware"
    kept = [m for m in settings.MIDDLEWARE if m in chain]
    assert chain[1:] == kept  # the same order
    for needed in ("django.middleware.security.SecurityMiddleware",
                   "django.middleware.csp.ContentSecurityPolicyMiddleware", "django.middleware.locale.LocaleMiddleware",
                   "vuoro.limits.RequestLimitMiddleware",
                   "vuoro.apierrors.ApiErrorShapeMiddleware", "vuoro.unavailable.DatabaseUnavailableMiddleware"):
        assert needed in chain
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in chain


@pytest.mark.parametrize("environ", [
    {"PATH_INFO": "/api/v1/services", "HTTP_COOKIE": "sessionid=x"},
    {"PATH_INFO": "/api/v1/staff/desks/1/call-next"},
    {"PATH_INFO": "/api/v1/docs"},
    {"PATH_INFO": "/book/"},
    {"PATH_INFO": "/admin/"},
    {"PATH_INFO": "/static/vuoro/site.css"},
])
def test_calls_with_cookies_staff_calls_pages_and_files_take_the_full_chain(environ):
    assert not takes_lean_chain(environ)


def test_staff_calls_without_a_session_are_refused_as_before(handlers, smoke_network):
    full, _ = handlers
    status, _, content = send(Application(), "POST", "/api/v1/staff/desks/1/call-next")
    assert (status, content) == send(full, "POST", "/api/v1/staff/desks/1/call-next")[::2]
    assert status[:3] in ("401", "403")


def test_the_served_application_dispatches_between_the_chains():
    from vuoro import wsgi

    assert isinstance(wsgi.application, Application)


def test_the_anonymous_user_is_set_and_the_answer_varies_by_cookie(rf):
    request = rf.get("/api/v1/services")
    response = AnonymousUserMiddleware(lambda r: HttpResponse())(request)
    assert not request.user.is_authenticated
    assert response["Vary"] == "Cookie"
