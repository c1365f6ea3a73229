"""Per-client request limits, and hostile input: any body gets a clear 4xx, never a 5xx."""
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.booking.conftest import at, booking_body
from vuoro.apierrors import ApiError
from vuoro.booking.guards import RATE_LIMITS_PER_MINUTE, rate_limit

pytestmark = pytest.mark.django_db


class TestRateLimits:
    def test_a_client_past_the_limit_in_one_minute_gets_429_with_retry_after(self, rf, settings):
        settings.RATE_LIMITS = True
        now = dt.datetime(2027, 3, 3, 9, 0, 40, tzinfo=dt.UTC)
        request = rf.get("/api/v1/availability", REMOTE_ADDR="192.0.2.1")
        for _ in range(RATE_LIMITS_PER_MINUTE["availability"]):
            rate_limit(request, kind="availability", now=now)
        with pytest.raises(ApiError) as refused:
            rate_limit(request, kind="availability", now=now)
        assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "20"}
        rate_limit(rf.get("/", REMOTE_ADDR="192.0.2.2"), kind="availability", now=now)  # per client address
        rate_limit(request, kind="availability", now=now + dt.timedelta(seconds=20))  # a new minute

    def test_the_api_answers_429_with_the_error_shape(self, client, smoke_network, settings, monkeypatch):
        settings.RATE_LIMITS = True
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "availability", 2)
        codes = [client.get("/api/v1/availability?service=residence-card&limit=1") for _ in range(3)]
        if codes[-1].status_code != 429:  # the minute turned between the requests: once more
            codes = [client.get("/api/v1/availability?service=residence-card&limit=1") for _ in range(3)]
        answer = codes[-1]
        assert answer.status_code == 429 and answer.json()["error"] == "too_many_requests"
        assert 1 <= int(answer["Retry-After"]) <= 60

    def test_limits_off_lets_one_address_through(self, client, smoke_network, settings):
        settings.RATE_LIMITS = False
        limit = RATE_LIMITS_PER_MINUTE["booking"]
        codes = {client.post("/api/v1/bookings", {"service": "x"}, content_type="application/json").status_code
                 for _ in range(limit + 5)}
        assert codes == {422}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
field_values = st.one_of(json_values, st.sampled_from([
    "residence-card", "smoke-point", "fi", "", "2027-03-03T09:00:00+02:00", "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00Z"]))
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={k: field_values for k in
                                        ("service", "service_point", "start", "persons", "language", "customer")}),
    st.fixed_dictionaries({"service": st.just("residence-card"), "service_point": st.just("smoke-point"),
                           "start": st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                                                 timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
                           "persons": st.integers(-3, 10),
                           "customer": st.fixed_dictionaries({"name": st.text(max_size=300),
                                                              "email": st.emails() | st.text(max_size=20),
                                                              "phone": st.text(max_size=40)})}),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=bodies, key=st.text(max_size=40), pin=st.text(max_size=12), raw=st.binary(max_size=60))
def test_no_input_gives_a_server_error(client, smoke_network, body, key, pin, raw):
    answers = [
        client.post("/api/v1/bookings", json.dumps(body), content_type="application/json"),
        client.post("/api/v1/bookings", raw, content_type="application/json"),
        client.post("/api/v1/bookings", json.dumps(body), content_type="application/json",
                    headers={"Idempotency-Key": key or "k"}),
        client.get("/api/v1/availability", {"service": key, "from": pin, "to": key, "limit": pin}),
        client.get(f"/api/v1/bookings/{key or 'x'}", headers={"X-PIN": pin}),
        client.post(f"/api/v1/bookings/{key or 'x'}/reschedule", json.dumps(body), content_type="application/json",
                    headers={"X-PIN": pin}),
        client.post(f"/api/v1/bookings/{key or 'x'}/cancel", headers={"X-PIN": pin}),
    ]
    for answer in answers:
        assert answer.status_code < 500, (answer.status_code, answer.content[:300])
        if answer.status_code >= 400 and answer["Content-Type"].startswith("application/json"):
            assert {"error", "detail"} <= set(answer.json()), answer.content[:300]


def test_a_real_booking_survives_hostile_reschedules(client, smoke_network, wednesday):
    booked = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json").json()
    headers = {"X-PIN": booked["pin"]}
    for body in ({"start": "garbage"}, {"start": at(wednesday, 9, 10).isoformat()}, {},
                 {"start": at(wednesday, 10).isoformat(), "service_point": "nowhere"}, [1, 2]):
        answer = client.post(f"/api/v1/bookings/{booked['reservation_key']}/reschedule", json.dumps(body),
                             content_type="application/json", headers=headers)
        assert 400 <= answer.status_code < 500
    kept = client.get(f"/api/v1/bookings/{booked['reservation_key']}", headers=headers).json()
    assert dt.datetime.fromisoformat(kept["start"]) == at(wednesday, 9) and kept["status"] == "confirmed"


@pytest.mark.parametrize("where", ["name", "email", "phone", "service", "service_point", "language"])
def test_a_nul_character_anywhere_in_a_booking_is_422_not_a_server_error(client, smoke_network, wednesday, where):
    body = booking_body(at(wednesday, 9))
    if where in body["customer"]:
        body["customer"][where] = "a\x00b@example.org"
    else:
        body[where] = "x\x00"
    answer = client.post("/api/v1/bookings", json.dumps(body), content_type="application/json")
    assert answer.status_code == 422, answer.content
