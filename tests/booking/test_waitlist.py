"""The waitlist (docs/api.md, Additions): freed time goes to the first waiting entry, by itself."""
import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from tests.booking.conftest import at, booking_body
from vuoro.booking.models import Booking, DayLoad, WaitlistEntry
from vuoro.booking.selectors import availability_list, busy_by_point_day, day_summary
from vuoro.booking.services import Customer, booking_cancel, booking_create
from vuoro.booking.waitlist import (
    offer_token,
    offer_token_entry,
    waitlist_accept,
    waitlist_join,
    waitlist_sweep,
)
from vuoro.network.state import network_state
from vuoro.notify.models import Notice

pytestmark = pytest.mark.django_db

FULL_DAY = [(9, 0), (9, 40), (10, 20)]  # the smoke network's day: three 40-minute visits on each of 2 desks


def post(client, path, body=None, **headers):
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def fill(day, prefix="filler"):
    """Book every time of the day; return the bookings."""
    state, now = network_state(), timezone.now()
    made = []
    for n, (hour, minute) in enumerate(FULL_DAY * 2):
        made.append(booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                                   start_at=at(day, hour, minute), persons=1, language="fi",
                                   customer=Customer(name="F", email=f"{prefix}{n}@example.org"), now=now).booking)
    return made


def wait_body(day, *, email="waiting@example.org", auto_book=False, to=None, **extra):
    return {"service": "residence-card", "service_points": [], "from": day.isoformat(),
            "to": (to or day).isoformat(), "persons": 1, "language": "en",
            "customer": {"name": "Wait Ing", "email": email, "phone": "+358401234567"}, "auto_book": auto_book,
            **extra}


def join(day, *, email="waiting@example.org", auto_book=False, now=None, to=None):
    return waitlist_join(state=network_state(), service_code="residence-card", point_ids=[], from_date=day,
                         to_date=to or day, persons=1, language="en", auto_book=auto_book, now=now or timezone.now(),
                         customer=Customer(name="Wait Ing", email=email, phone=""))


def public_slots(day):
    return availability_list(state=network_state(), service_code="residence-card", point_ids=None, from_date=day,
                             to_date=day, limit=None, now=timezone.now())


def assert_day_summary_exact(day):
    state = network_state()
    point = state.points["smoke-point"]
    busy = busy_by_point_day([point], [day]).get((point.id, day), [])
    free_cells, _ = day_summary(point.calendar.opening_on(day), busy, slot_minutes=state.slot_minutes)
    assert DayLoad.objects.get(service_point_id="smoke-point", date=day).free_cells == free_cells


class TestWaitlistApi:
    def test_joining_answers_201_with_key_pin_and_waiting(self, client, smoke_network, wednesday):
        answer = post(client, "/api/v1/waitlist", wait_body(wednesday))
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert set(body) == {"waitlist_key", "pin", "status"} and body["status"] == "waiting"
        assert len(body["waitlist_key"]) == 10 and len(body["pin"]) == 6
        got = client.get(f"/api/v1/waitlist/{body['waitlist_key']}", headers={"X-PIN": body["pin"]})
        assert got.status_code == 200 and got.json()["status"] == "waiting" and "reservation_key" not in got.json()

    def test_a_wrong_pin_is_404_and_repeated_ones_429(self, client, smoke_network, wednesday):
        body = post(client, "/api/v1/waitlist", wait_body(wednesday)).json()
        wrong = "000000" if body["pin"] != "000000" else "111111"
        answers = [client.get(f"/api/v1/waitlist/{body['waitlist_key']}", headers={"X-PIN": wrong}).status_code
                   for _ in range(6)]
        assert answers[:5] == [404] * 5 and answers[5] == 429
        locked = client.get(f"/api/v1/waitlist/{body['waitlist_key']}", headers={"X-PIN": body["pin"]})
        assert locked.status_code == 429 and "Retry-After" in locked

    def test_cancelling_ends_the_entry(self, client, smoke_network, wednesday):
        body = post(client, "/api/v1/waitlist", wait_body(wednesday)).json()
        answer = post(client, f"/api/v1/waitlist/{body['waitlist_key']}/cancel", X_PIN=body["pin"])
        assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
        again = client.get(f"/api/v1/waitlist/{body['waitlist_key']}", headers={"X-PIN": body["pin"]})
        assert again.json()["status"] == "cancelled"

    def test_one_open_entry_per_address_and_service(self, client, smoke_network, wednesday):
        assert post(client, "/api/v1/waitlist", wait_body(wednesday)).status_code == 201
        second = post(client, "/api/v1/waitlist", wait_body(wednesday, email="WAITING@example.org"))
        assert second.status_code == 409 and second.json()["error"] == "waitlist_entry_exists"

    def test_an_address_with_a_booking_of_the_service_is_sent_to_move_it(self, client, smoke_network, wednesday):
        assert post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), email="waiting@example.org")
                    ).status_code == 201
        answer = post(client, "/api/v1/waitlist", wait_body(wednesday))
        assert answer.status_code == 409 and answer.json()["error"] == "active_booking_exists"

    @pytest.mark.parametrize(("change", "field"), [
        ({"service": "nope"}, "service"),
        ({"service_points": ["nowhere"]}, "service_points"),
        ({"persons": 7}, "persons"),
        ({"customer": {"name": "A", "email": "not-an-address", "phone": ""}}, "customer"),
        ({"customer": {"name": "A", "email": "a@example.org", "phone": "12"}}, "customer"),
    ])
    def test_refuses_bad_input_with_422_naming_the_field(self, client, smoke_network, wednesday, change, field):
        answer = post(client, "/api/v1/waitlist", {**wait_body(wednesday), **change})
        assert answer.status_code == 422 and answer.json()["error"] == "invalid"
        assert any(name.startswith(field) for name in answer.json()["fields"]), answer.json()

    def test_refuses_dates_backwards_past_or_beyond_the_horizon(self, client, smoke_network, wednesday):
        backwards = post(client, "/api/v1/waitlist", wait_body(wednesday, to=wednesday - dt.timedelta(days=1)))
        past = post(client, "/api/v1/waitlist", {**wait_body(wednesday), "from": "2020-01-01", "to": "2020-01-02"})
        beyond = post(client, "/api/v1/waitlist", wait_body(wednesday, to=wednesday + dt.timedelta(days=400)))
        assert [a.status_code for a in (backwards, past, beyond)] == [422, 422, 422]
        assert "from" in backwards.json()["fields"]
        assert "to" in past.json()["fields"] and "to" in beyond.json()["fields"]
        assert not WaitlistEntry.objects.exists()

    def test_a_booking_key_and_pin_ask_for_an_earlier_time(self, client, smoke_network, wednesday):
        booking = post(client, "/api/v1/bookings", booking_body(at(wednesday + dt.timedelta(days=7), 9))).json()
        answer = post(client, "/api/v1/waitlist", {"reservation_key": booking["reservation_key"], "auto_book": True},
                      X_PIN=booking["pin"])
        assert answer.status_code == 201, answer.content
        assert set(answer.json()) == {"waitlist_key", "status"} and answer.json()["status"] == "waiting"
        # the booking's PIN serves the entry
        got = client.get(f"/api/v1/waitlist/{answer.json()['waitlist_key']}", headers={"X-PIN": booking["pin"]})
        assert got.status_code == 200 and got.json()["status"] == "waiting"
        assert got.json()["to"] == (wednesday + dt.timedelta(days=6)).isoformat()
        wrong = post(client, "/api/v1/waitlist", {"reservation_key": booking["reservation_key"]}, X_PIN="999999"
                     if booking["pin"] != "999999" else "000000")
        assert wrong.status_code == 404

    def test_the_statuses_offered_booked_and_expired_with_the_reservation_key(self, client, smoke_network, wednesday):
        fillers = fill(wednesday)
        offered = post(client, "/api/v1/waitlist", wait_body(wednesday)).json()
        booked = post(client, "/api/v1/waitlist", wait_body(wednesday, email="second@example.org",
                                                              auto_book=True)).json()
        booking_cancel(booking=fillers[0], now=timezone.now())
        booking_cancel(booking=fillers[1], now=timezone.now())
        first = client.get(f"/api/v1/waitlist/{offered['waitlist_key']}", headers={"X-PIN": offered["pin"]}).json()
        assert first["status"] == "offered" and "held_until" in first["offered"]
        second = client.get(f"/api/v1/waitlist/{booked['waitlist_key']}", headers={"X-PIN": booked["pin"]}).json()
        assert second["status"] == "booked" and second["reservation_key"] == booked["waitlist_key"]
        # the booking made is managed with the entry's key and PIN
        own = client.get(f"/api/v1/bookings/{second['reservation_key']}", headers={"X-PIN": booked["pin"]})
        assert own.status_code == 200 and own.json()["status"] == "confirmed"
        accepted = post(client, f"/api/v1/waitlist/{offered['waitlist_key']}/accept", X_PIN=offered["pin"])
        assert accepted.status_code == 200 and accepted.json()["status"] == "booked"
        again = post(client, f"/api/v1/waitlist/{offered['waitlist_key']}/accept", X_PIN=offered["pin"])
        assert again.status_code == 409 and again.json()["error"] == "not_offered"
        late = post(client, "/api/v1/waitlist", wait_body(wednesday, email="late@example.org")).json()
        waitlist_sweep(now=timezone.now() + dt.timedelta(days=30))
        expired = client.get(f"/api/v1/waitlist/{late['waitlist_key']}", headers={"X-PIN": late["pin"]}).json()
        assert expired["status"] == "expired"


class TestHandOff:
    def test_a_cancelled_time_goes_to_the_first_entry_and_the_public_never_sees_it(self, smoke_network, wednesday):
        fillers = fill(wednesday)
        first = join(wednesday, email="first@example.org").entry
        second = join(wednesday, email="second@example.org").entry
        assert public_slots(wednesday) == []
        booking_cancel(booking=fillers[2], now=timezone.now())
        assert public_slots(wednesday) == []  # right after the cancel: held for the first entry
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == ("offered", "waiting")
        hold = first.hold
        assert hold.status == Booking.Status.HELD and hold.start_at == fillers[2].start_at
        assert hold.held_until <= timezone.now() + dt.timedelta(minutes=30)
        assert Notice.objects.filter(booking=hold, event=Notice.Event.WAITLIST_OFFERED).exists()
        assert_day_summary_exact(wednesday)

    def test_first_come_first_served_whatever_the_order_of_keys(self, smoke_network, wednesday):
        fillers = fill(wednesday)
        now = timezone.now()
        entries = [join(wednesday, email=f"w{n}@example.org", auto_book=True, now=now + dt.timedelta(seconds=n)
                        ).entry for n in range(3)]
        for booking in fillers[:2]:
            booking_cancel(booking=booking, now=now + dt.timedelta(minutes=1))
        statuses = [WaitlistEntry.objects.get(pk=e.pk).status for e in entries]
        assert statuses == ["booked", "booked", "waiting"]

    def test_a_lapsed_hold_goes_to_the_next_entry(self, smoke_network, wednesday):
        fillers = fill(wednesday)
        now = timezone.now()
        first = join(wednesday, email="first@example.org", now=now).entry
        second = join(wednesday, email="second@example.org", now=now + dt.timedelta(seconds=1)).entry
        booking_cancel(booking=fillers[0], now=now)
        assert waitlist_sweep(now=now + dt.timedelta(minutes=10))["lapsed"] == 0
        counts = waitlist_sweep(now=now + dt.timedelta(minutes=31))
        assert counts["lapsed"] == 1
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == "expired" and second.status == "offered"
        assert second.hold.start_at == fillers[0].start_at
        assert Booking.objects.filter(status=Booking.Status.HELD).count() == 1
        assert_day_summary_exact(wednesday)

    def test_one_click_link_accepts_once_and_dies(self, smoke_network, wednesday):
        fillers = fill(wednesday)
        now = timezone.now()
        entry = join(wednesday, now=now).entry
        booking_cancel(booking=fillers[0], now=now)
        entry.refresh_from_db()
        token = offer_token(entry)
        assert offer_token_entry(token, now=now).pk == entry.pk
        assert offer_token_entry(token[:-2] + "xx", now=now) is None
        waitlist_accept(entry=entry, now=now)
        entry.refresh_from_db()
        assert entry.status == "booked" and entry.booked.status == Booking.Status.CONFIRMED
        assert entry.days_gained is not None
        assert offer_token_entry(token, now=now) is None

    def test_the_sweep_gives_time_that_opened_otherwise(self, smoke_network, wednesday):
        """Time that frees without a cancellation (a release, more desks): the sweep finds it."""
        fillers = fill(wednesday)
        entry = join(wednesday, auto_book=True).entry
        # freed behind the service functions' back, as a bulk change would
        Booking.objects.filter(pk=fillers[3].pk).update(status=Booking.Status.CANCELLED)
        DayLoad.objects.filter(service_point_id="smoke-point", date=wednesday).update(
            calendar_key="", booked_minutes=F("booked_minutes") - 40)
        assert waitlist_sweep(now=timezone.now())["given"] == 1
        entry.refresh_from_db()
        assert entry.status == "booked" and entry.booked.start_at == fillers[3].start_at


class TestHandOffOnMove:
    def test_a_booking_moved_away_leaves_its_time_to_the_waitlist(self, smoke_network, wednesday):
        from vuoro.booking.services import booking_reschedule

        fillers = fill(wednesday)
        entry = join(wednesday, auto_book=True).entry
        booking_reschedule(state=network_state(), booking=fillers[1], start_at=at(wednesday + dt.timedelta(days=1), 9),
                           point_id=None, now=timezone.now())
        entry.refresh_from_db()
        assert entry.status == "booked" and entry.booked.start_at == fillers[1].start_at
        assert public_slots(wednesday) == []
        assert_day_summary_exact(wednesday)

    def test_an_entry_for_other_dates_is_passed_over(self, smoke_network, wednesday):
        fillers = fill(wednesday)
        elsewhere = join(wednesday + dt.timedelta(days=1), email="other@example.org").entry
        booking_cancel(booking=fillers[0], now=timezone.now())
        elsewhere.refresh_from_db()
        assert elsewhere.status == "waiting" and len(public_slots(wednesday)) == 1


class TestMoveEarlier:
    def test_auto_book_moves_the_booking_earlier_and_never_later(self, client, smoke_network, wednesday):
        later = wednesday + dt.timedelta(days=7)
        fillers = fill(wednesday)
        booking = post(client, "/api/v1/bookings", booking_body(at(later, 9), email="mover@example.org")).json()
        entry_key = post(client, "/api/v1/waitlist", {"reservation_key": booking["reservation_key"],
                                                      "from": wednesday.isoformat(), "auto_book": True},
                         X_PIN=booking["pin"]).json()["waitlist_key"]
        # a later day frees up: not taken
        booking_cancel(booking=fill(later + dt.timedelta(days=1), prefix="later")[0], now=timezone.now())
        assert Booking.objects.get(reservation_key=booking["reservation_key"]).local_date == later
        booking_cancel(booking=fillers[4], now=timezone.now())
        moved = Booking.objects.get(reservation_key=booking["reservation_key"])
        assert moved.local_date == wednesday and moved.start_at == fillers[4].start_at
        entry = WaitlistEntry.objects.get(waitlist_key=entry_key)
        assert entry.status == "booked" and entry.days_gained == 7
        assert Notice.objects.filter(booking=moved, event=Notice.Event.RESCHEDULED).exists()
        assert_day_summary_exact(wednesday)
        assert_day_summary_exact(later)

    def test_an_offer_to_move_accepted_moves_the_booking_into_the_held_time(self, client, smoke_network, wednesday):
        later = wednesday + dt.timedelta(days=7)
        fillers = fill(wednesday)
        booking = post(client, "/api/v1/bookings", booking_body(at(later, 9), email="mover@example.org")).json()
        key = post(client, "/api/v1/waitlist", {"reservation_key": booking["reservation_key"],
                                                "from": wednesday.isoformat()},
                   X_PIN=booking["pin"]).json()["waitlist_key"]
        booking_cancel(booking=fillers[0], now=timezone.now())
        assert Booking.objects.get(reservation_key=booking["reservation_key"]).local_date == later  # not yet
        accepted = post(client, f"/api/v1/waitlist/{key}/accept", X_PIN=booking["pin"])
        assert accepted.status_code == 200 and accepted.json()["reservation_key"] == booking["reservation_key"]
        moved = Booking.objects.get(reservation_key=booking["reservation_key"])
        assert moved.start_at == fillers[0].start_at and moved.status == Booking.Status.CONFIRMED
        assert not Booking.objects.filter(status=Booking.Status.HELD).exists()
        assert_day_summary_exact(wednesday)
        assert_day_summary_exact(later)


class TestRetention:
    def test_an_ended_entry_loses_its_contact_details_but_keeps_its_days(self, smoke_network, wednesday):
        from vuoro.retention import retention_purge

        fillers = fill(wednesday)
        now = timezone.now()
        entry = join(wednesday, auto_book=True, now=now).entry
        booking_cancel(booking=fillers[0], now=now)
        waiting = join(wednesday, email="still@example.org", now=now).entry
        report = retention_purge(now=now + dt.timedelta(days=400))
        entry.refresh_from_db()
        waiting.refresh_from_db()
        assert report.waitlist_cleared == 1
        assert entry.customer_email == "" and entry.days_gained is not None
        assert waiting.customer_email == "still@example.org"


class TestClosedSince:
    def test_a_held_time_closed_since_cannot_be_taken_and_the_entry_keeps_its_place(self, smoke_network,
                                                                                   wednesday):
        from tests.factories import load_network
        from vuoro.booking.waitlist import NotOffered

        fillers = fill(wednesday)
        now = timezone.now()
        entry = join(wednesday, now=now).entry
        booking_cancel(booking=fillers[0], now=now)
        load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[("residence-card", 40)],
                     points=[dict(id="smoke-point", desks=2, services=["residence-card"],
                                  hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                                  exceptions=[(wednesday.isoformat(), "")])])
        with pytest.raises(NotOffered):
            waitlist_accept(entry=entry, now=now)
        entry.refresh_from_db()
        assert entry.status == "waiting" and entry.hold is None
        assert not Booking.objects.filter(status=Booking.Status.HELD).exists()
