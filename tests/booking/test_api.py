"""The booking contract of docs/api.md, on the real database."""
import datetime as dt

import pytest

from tests.booking.conftest import at, booking_body
from vuoro.booking.models import Booking

pytestmark = pytest.mark.django_db


def post(client, path, body=None, **headers):
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def starts(client, day, **params):
    query = "&".join(f"{k}={v}" for k, v in {"service": "residence-card", "from": day, "to": day, **params}.items())
    answer = client.get(f"/api/v1/availability?{query}")
    assert answer.status_code == 200, answer.content
    return {dt.datetime.fromisoformat(s["start"]): s["free_desks"] for s in answer.json()["slots"]}


class TestAvailability:
    def test_offers_the_grid_starts_that_fit_in_the_hours(self, client, smoke_network, wednesday):
        got = starts(client, wednesday)
        assert list(got) == [at(wednesday, 9, 20 * k // 60 * 0) + dt.timedelta(minutes=20 * k) for k in range(5)]
        assert set(got.values()) == {2}

    def test_times_carry_the_points_utc_offset(self, client, smoke_network, wednesday):
        slot = client.get(f"/api/v1/availability?service=residence-card&from={wednesday}&to={wednesday}").json()
        first = slot["slots"][0]
        assert first["start"].endswith(at(wednesday, 9).strftime("%z")[:3] + ":00")
        assert set(first) == {"service_point", "start", "end", "free_desks"}

    def test_a_booking_takes_a_desk_from_every_overlapping_start(self, client, smoke_network, wednesday):
        assert post(client, "/api/v1/bookings", booking_body(at(wednesday, 9, 20))).status_code == 201
        got = starts(client, wednesday)
        assert [got[at(wednesday, 9, m)] for m in (0, 20, 40)] == [1, 1, 1]
        assert got[at(wednesday, 10)] == 2

    def test_limit_caps_the_list_earliest_first(self, client, smoke_network, wednesday):
        answer = client.get("/api/v1/availability?service=residence-card&limit=3").json()["slots"]
        assert len(answer) == 3
        assert answer == sorted(answer, key=lambda s: (dt.datetime.fromisoformat(s["start"]), s["service_point"]))

    def test_unknown_service_is_404_and_bad_dates_422(self, client, smoke_network):
        assert client.get("/api/v1/availability?service=nope").status_code == 404
        assert client.get("/api/v1/availability?service=residence-card&service_point=nope").status_code == 404
        bad = client.get("/api/v1/availability?service=residence-card&from=2027-13-01")
        assert bad.status_code == 422 and bad.json()["error"] == "invalid" and "from" in bad.json()["fields"]
        reversed_ = client.get("/api/v1/availability?service=residence-card&from=2027-03-02&to=2027-03-01")
        assert reversed_.status_code == 422


class TestBookingCreate:
    def test_answers_key_pin_and_times(self, client, smoke_network, wednesday):
        answer = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9, 20), persons=3))
        assert answer.status_code == 201
        body = answer.json()
        assert len(body["reservation_key"]) == 10
        assert set(body["reservation_key"]) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        assert len(body["pin"]) == 6 and body["pin"].isdigit()
        assert body["status"] == "confirmed" and body["persons"] == 3
        assert dt.datetime.fromisoformat(body["start"]) == at(wednesday, 9, 20)
        assert dt.datetime.fromisoformat(body["end"]) == at(wednesday, 10)
        stored = Booking.objects.get()
        assert body["pin"] not in stored.pin_hash

    @pytest.mark.parametrize("start", [(9, 10), (10, 40), (8, 40), (11, 0)])
    def test_refuses_a_start_off_the_grid_or_outside_the_hours(self, client, smoke_network, wednesday, start):
        answer = post(client, "/api/v1/bookings", booking_body(at(wednesday, *start)))
        assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable"

    def test_refuses_a_closed_day_the_past_and_beyond_the_horizon(self, client, smoke_network, wednesday):
        saturday = wednesday + dt.timedelta(days=3)
        past, beyond = wednesday - dt.timedelta(days=35), wednesday + dt.timedelta(days=70)
        for start in (at(saturday, 9), at(past, 9), at(beyond, 9)):
            answer = post(client, "/api/v1/bookings", booking_body(start))
            assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable", start

    def test_a_full_start_is_409(self, client, smoke_network, wednesday):
        for n in range(2):
            answer = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), email=f"p{n}@x.org"))
            assert answer.status_code == 201
        answer = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), email="third@x.org"))
        assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable"
        assert Booking.objects.count() == 2

    def test_one_live_booking_per_email_and_service_in_any_letter_case(self, client, smoke_network, wednesday):
        first = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), email="Maija@Example.org"))
        assert first.status_code == 201
        answer = post(client, "/api/v1/bookings", booking_body(at(wednesday, 10), email="maija@example.ORG"))
        assert answer.status_code == 409 and answer.json()["error"] == "active_booking_exists"

    @pytest.mark.parametrize("change", [
        {"persons": 7}, {"persons": 0}, {"language": "de"}, {"start": "tomorrow"}, {"start": "2027-03-03T09:00:00"},
        {"customer": {"name": "", "email": "a@b.fi"}}, {"customer": {"name": "A", "email": "not-an-address"}},
        {"customer": {"name": "A", "email": "a@b.fi", "phone": "call me"}}, {"persons": "two"},
    ])
    def test_malformed_input_is_422_with_fields(self, client, smoke_network, wednesday, change):
        answer = post(client, "/api/v1/bookings", {**booking_body(at(wednesday, 9)), **change})
        assert answer.status_code == 422, answer.content
        assert answer.json()["error"] == "invalid" and answer.json()["fields"]

    def test_unknown_service_or_point_in_the_body_is_422(self, client, smoke_network, wednesday):
        assert post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), service="x")).status_code == 422
        assert post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), point="x")).status_code == 422

    def test_a_body_that_is_not_json_is_a_4xx(self, client, smoke_network):
        answer = client.post("/api/v1/bookings", "{not json", content_type="application/json")
        assert 400 <= answer.status_code < 500

    def test_an_idempotency_key_replays_the_first_answer(self, client, smoke_network, wednesday):
        body = booking_body(at(wednesday, 9))
        first = post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "abc-1"})
        again = post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "abc-1"})
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert Booking.objects.count() == 1
        other = post(client, "/api/v1/bookings", booking_body(at(wednesday, 10)), **{"Idempotency-Key": "abc-1"})
        assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"


class TestManageBooking:
    @pytest.fixture
    def booked(self, client, smoke_network, wednesday):
        return post(client, "/api/v1/bookings", booking_body(at(wednesday, 9, 20))).json()

    def test_get_needs_the_right_pin(self, client, booked):
        key = booked["reservation_key"]
        assert client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": booked["pin"]}).json()["customer"]["name"]
        assert client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": "000000" if booked["pin"] != "000000"
                                                               else "111111"}).status_code == 404
        assert client.get(f"/api/v1/bookings/{key}").status_code == 404
        assert client.get("/api/v1/bookings/ZZZZZZZZZZ", headers={"X-PIN": booked["pin"]}).status_code == 404

    def test_repeated_wrong_pins_lock_the_key_with_429_even_for_the_right_pin(self, client, booked, settings):
        settings.RATE_LIMITS = False  # the PIN limit holds even with per-client limits lifted
        key = booked["reservation_key"]
        wrong = "000000" if booked["pin"] != "000000" else "111111"
        codes = [client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": wrong},
                            REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(7)]
        assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]
        locked = client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": booked["pin"]})
        assert locked.status_code == 429 and int(locked["Retry-After"]) > 0

    def test_cancel_frees_the_time_at_once(self, client, booked, wednesday):
        key, pin = booked["reservation_key"], booked["pin"]
        answer = post(client, f"/api/v1/bookings/{key}/cancel", **{"X-PIN": pin})
        assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
        assert starts(client, wednesday)[at(wednesday, 9, 20)] == 2
        assert Booking.objects.get().status == "cancelled"  # kept, not deleted

    def test_reschedule_moves_the_booking_and_keeps_key_and_pin(self, client, booked, wednesday):
        key, pin = booked["reservation_key"], booked["pin"]
        answer = post(client, f"/api/v1/bookings/{key}/reschedule", {"start": at(wednesday, 10, 20).isoformat()},
                      **{"X-PIN": pin})
        assert answer.status_code == 200
        assert dt.datetime.fromisoformat(answer.json()["start"]) == at(wednesday, 10, 20)
        got = starts(client, wednesday)
        assert got[at(wednesday, 9, 20)] == 2 and got[at(wednesday, 10, 20)] == 1
        assert client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": pin}).status_code == 200

    def test_reschedule_to_a_taken_time_leaves_the_booking_as_it_was(self, client, booked, wednesday):
        for n in range(2):
            post(client, "/api/v1/bookings", booking_body(at(wednesday, 10, 20), email=f"o{n}@x.org"))
        before = Booking.objects.get(reservation_key=booked["reservation_key"])
        answer = post(client, f"/api/v1/bookings/{booked['reservation_key']}/reschedule",
                      {"start": at(wednesday, 10, 20).isoformat()}, **{"X-PIN": booked["pin"]})
        assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable"
        after = Booking.objects.get(reservation_key=booked["reservation_key"])
        assert (after.start_at, after.end_at, after.desk_id, after.status) == (
            before.start_at, before.end_at, before.desk_id, before.status)

    def test_reschedule_onto_its_own_overlapping_time_works(self, client, booked, wednesday):
        answer = post(client, f"/api/v1/bookings/{booked['reservation_key']}/reschedule",
                      {"start": at(wednesday, 9, 40).isoformat()}, **{"X-PIN": booked["pin"]})
        assert answer.status_code == 200

    def test_calendar_file_has_one_event(self, client, booked, wednesday):
        answer = client.get(f"/api/v1/bookings/{booked['reservation_key']}/calendar.ics",
                            headers={"X-PIN": booked["pin"]})
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
        from icalendar import Calendar

        events = Calendar.from_ical(answer.content).walk("VEVENT")
        assert len(events) == 1
        assert events[0].decoded("dtstart") == at(wednesday, 9, 20)
        assert events[0].decoded("dtend") == at(wednesday, 10)
