"""vuoro.limits: per-client limits counted by route before anything is parsed, per minute and per
hour, for the API (its error shape) and the pages (a page in the visitor's language)."""
import datetime as dt
import json

import pytest
from django.urls import URLPattern

from tests.booking.conftest import at, booking_body
from vuoro.apierrors import ApiError
from vuoro.booking.guards import RATE_LIMITS_PER_HOUR, RATE_LIMITS_PER_MINUTE, rate_limit, rate_limit_count
from vuoro.booking.models import RateCounter
from vuoro.booking.urls import urlpatterns as booking_urls
from vuoro.limits import limited_kind

pytestmark = pytest.mark.django_db

# Every public request that writes, checks a PIN or reads availability, as a client sends it.
LIMITED = [
    ("get", "/api/v1/availability?service=residence-card", "availability"),
    ("get", "/api/v1/lead-times?service=residence-card", "availability"),
    ("post", "/api/v1/bookings", "booking"),
    ("post", "/api/v1/bookings/", "booking"),
    ("post", "/api/v1/bookings/recover", "recover"),
    ("get", "/api/v1/bookings/ABCDEFGHJK", "manage"),
    ("post", "/api/v1/bookings/ABCDEFGHJK/cancel", "manage"),
    ("post", "/api/v1/bookings/ABCDEFGHJK/reschedule", "manage"),
    ("get", "/api/v1/bookings/ABCDEFGHJK/calendar.ics", "manage"),
    ("post", "/api/v1/service-points/smoke-point/tickets", "ticket"),
    ("get", "/book/point/?service=residence-card", "availability"),
    ("get", "/book/month/?service=residence-card", "availability"),
    ("get", "/book/day/?service=residence-card", "availability"),
    ("get", "/manage/move/", "availability"),
    ("get", "/manage/move/month/", "availability"),
    ("get", "/manage/move/day/", "availability"),
    ("post", "/book/details/", "booking"),
    ("post", "/manage/", "manage"),
    ("post", "/manage/cancel/", "manage"),
    ("post", "/manage/move/confirm/", "manage"),
    ("post", "/manage/calendar/", "manage"),
    ("post", "/manage/sign-out/", "manage"),
    ("get", "/manage/link/1:abc/", "manage"),
    ("get", "/manage/cannot-come/1:abc/", "manage"),
    ("post", "/manage/cannot-come/1:abc/", "manage"),
    ("post", "/manage/lost-pin/", "recover"),
]
# The guidance answers are vuoro.guidance's to limit.
NOT_HERE: set[str] = set()


@pytest.fixture
def limits_on(settings):
    settings.RATE_LIMITS = True


@pytest.fixture
def none_allowed(limits_on, monkeypatch):
    for kind in RATE_LIMITS_PER_MINUTE:
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, kind, 0)


class TestLimitedRoutes:
    @pytest.mark.parametrize(("method", "path", "kind"), LIMITED)
    def test_each_public_request_is_counted_under_its_kind(self, method, path, kind):
        assert limited_kind(method.upper(), path.partition("?")[0]) == kind

    @pytest.mark.parametrize(("method", "path", "kind"), LIMITED)
    def test_each_is_refused_with_429_and_retry_after_once_over(self, client, smoke_network, none_allowed,
                                                                method, path, kind):
        answer = getattr(client, method)(path, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 429 and 1 <= int(answer["Retry-After"]) <= 60
        if path.startswith("/api/"):
            assert answer.json() == {"error": "too_many_requests",
                                     "detail": "Too many requests from this address; try again in a moment."}
        else:
            assert "Too many requests came from your address in a short time." in answer.content.decode()

    def test_every_public_write_of_the_api_is_limited(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if method == "post" and "security" not in operation and path not in NOT_HERE:
                    sample = path.replace("{reservation_key}", "ABCDEFGHJK").replace("{point_id}", "p")
                    assert limited_kind("POST", sample), path

    def test_every_page_that_takes_a_post_is_limited(self, client, smoke_network):
        for pattern in booking_urls:
            assert isinstance(pattern, URLPattern)
            path = "/" + (str(pattern.pattern).replace("<str:token>", "1:abc").replace("<int:release_id>", "1")
                          .replace("<str:queue_key>", "1:abc"))
            if client.post(path).status_code != 405:
                assert limited_kind("POST", path), path

    def test_the_429_page_is_in_the_visitors_language(self, client, smoke_network, none_allowed):
        for language, words in (("fi", "Liian monta"), ("sv", "För många"), ("en", "Too many")):
            page = client.post("/manage/lost-pin/", {"who": "a@example.org"}, HTTP_ACCEPT_LANGUAGE=language)
            assert page.status_code == 429 and f'lang="{language}"' in page.content.decode()
            assert words in page.content.decode(), language

    def test_a_429_page_carries_the_security_headers(self, client, smoke_network, none_allowed):
        page = client.post("/manage/lost-pin/", {"who": "a@example.org"})
        assert page.status_code == 429
        assert page["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in page


class TestMalformedRequestsCount:
    def test_malformed_booking_bodies_count_towards_the_limit(self, client, smoke_network, limits_on, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "booking", 2)
        answers = [client.post("/api/v1/bookings", body, content_type="application/json")
                   for body in ("{not json", json.dumps({"service": 5}), json.dumps([]))]
        if answers[-1].status_code != 429:  # the minute turned between the requests: once more
            answers = [client.post("/api/v1/bookings", "{", content_type="application/json") for _ in range(3)]
        assert [a.status_code for a in answers[:2]] in ([400, 422], [422, 422])
        assert answers[-1].status_code == 429 and answers[-1].json()["error"] == "too_many_requests"

    def test_failed_forms_count_towards_the_limit(self, client, smoke_network, limits_on, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "manage", 2)
        answers = [client.post("/manage/", {"reservation_key": "", "pin": ""}) for _ in range(3)]
        if answers[-1].status_code != 429:
            answers = [client.post("/manage/", {}) for _ in range(3)]
        assert [a.status_code for a in answers] == [400, 400, 429]

    def test_a_request_the_middleware_counted_is_not_counted_again_in_the_view(
            self, client, smoke_network, wednesday, limits_on, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "ticket", 2)
        answers = [client.post("/api/v1/service-points/smoke-point/tickets", {"service": "residence-card"},
                               content_type="application/json").status_code for _ in range(3)]
        if answers[-1] != 429:
            answers = [client.post("/api/v1/service-points/smoke-point/tickets", {},
                                   content_type="application/json").status_code for _ in range(3)]
        assert 429 not in answers[:2] and answers[-1] == 429


class TestWindows:
    def test_a_client_past_the_hourly_cap_waits_for_the_next_hour(self, rf, limits_on, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_HOUR, "booking", 3)
        request = rf.post("/api/v1/bookings", REMOTE_ADDR="192.0.2.1")
        start = dt.datetime(2027, 3, 3, 9, 0, tzinfo=dt.UTC)
        for minute in range(3):  # each within its minute's allowance
            rate_limit_count(request, kind="booking", now=start + dt.timedelta(minutes=minute * 10))
        with pytest.raises(ApiError) as refused:
            rate_limit_count(request, kind="booking", now=start + dt.timedelta(minutes=40))
        assert refused.value.status == 429 and refused.value.headers == {"Retry-After": str(20 * 60)}
        rate_limit_count(request, kind="booking", now=start + dt.timedelta(hours=1))

    def test_a_minute_allowance_kept_up_for_an_hour_is_more_than_the_hourly_cap(self):
        for kind, hourly in RATE_LIMITS_PER_HOUR.items():
            assert RATE_LIMITS_PER_MINUTE[kind] < hourly < 60 * RATE_LIMITS_PER_MINUTE[kind], kind

    def test_limits_off_lifts_the_middleware_too(self, client, smoke_network, settings, monkeypatch):
        settings.RATE_LIMITS = False
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "booking", 0)
        assert client.post("/api/v1/bookings", "{", content_type="application/json").status_code in (400, 422)
        assert not RateCounter.objects.exists()

    def test_rate_limit_in_a_view_still_counts_what_the_middleware_did_not(self, rf, limits_on, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "ticket", 1)
        now = dt.datetime(2027, 3, 3, 9, 0, 10, tzinfo=dt.UTC)
        request = rf.post("/kiosk/p/ticket/", REMOTE_ADDR="192.0.2.9")
        rate_limit(request, kind="ticket", now=now)
        with pytest.raises(ApiError):
            rate_limit(request, kind="ticket", now=now)


class TestBehindAProxy:
    def test_clients_behind_one_proxy_have_their_own_limits(self, client, smoke_network, limits_on, settings):
        settings.TRUSTED_PROXIES = ["127.0.0.1"]

        def recover(client_ip):
            return client.post("/api/v1/bookings/recover", {"email": "a@example.org"}, content_type="application/json",
                               REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_ip).status_code

        first = [recover("198.51.100.1") for _ in range(RATE_LIMITS_PER_MINUTE["recover"] + 1)]
        if first[-1] != 429:  # the minute turned between the requests: once more
            first = [recover("198.51.100.1") for _ in range(RATE_LIMITS_PER_MINUTE["recover"] + 1)]
        assert first[-1] == 429
        assert recover("198.51.100.2") == 202  # another customer behind the same proxy
        assert recover("203.0.113.5, 198.51.100.1") == 429  # the client's own header changes nothing


def test_a_booking_still_goes_through_with_limits_on(client, smoke_network, wednesday, limits_on):
    answer = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
    assert answer.status_code == 201
