"""A newly used e-mail address confirms by link within a short hold, or the time returns
(README, "No hoarding"; vuoro.booking.email_confirm), on the real database."""
import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.booking.conftest import at, booking_body, phone_of
from tests.booking.test_waitlist import assert_day_summary_exact
from tests.factories import load_network
from vuoro.booking.confirmed_emails import email_confirmed, email_digest, emails_confirmed_record
from vuoro.booking.email_confirm import (
    HoldLapsed,
    booking_email_confirm,
    confirm_token,
    email_holds_lapse,
)
from vuoro.booking.messages import booking_email, booking_text
from vuoro.booking.models import Booking, ConfirmedEmail, WaitlistEntry
from vuoro.booking.selectors import availability_list
from vuoro.booking.services import (
    ActiveBookingExists,
    Customer,
    NotChangeable,
    SlotUnavailable,
    booking_create,
    booking_reschedule,
)
from vuoro.booking.staff import booking_desk_create
from vuoro.booking.waitlist import waitlist_join, waitlist_sweep
from vuoro.network.models import NetworkSettings
from vuoro.network.state import network_state
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_outdated

pytestmark = pytest.mark.django_db
MINUTES = 20
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def smoke_points(**more):
    return [dict(id="smoke-point", desks=2, services=["residence-card", "citizenship"],
                 hours={d: "09:00-11:00" for d in WEEKDAYS}, **more)]


@pytest.fixture
def held_network():
    """The smoke network (2 desks, 09:00-11:00, 20-minute grid, 40-minute visits) with a second
    service, asking new e-mail addresses to confirm within 20 minutes."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None,
                        services=[("residence-card", 40), ("citizenship", 40)], points=smoke_points(),
                        confirm_new_email_minutes=MINUTES)


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def post(client, path, body=None, **headers):
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def book(client, start, **kwargs):
    answer = post(client, "/api/v1/bookings", booking_body(start, **kwargs))
    assert answer.status_code == 201, answer.content
    return answer.json()


def events(booking_id):
    return sorted(Notice.objects.filter(booking_id=booking_id).values_list("event", "channel"))


def slots(day, service="residence-card"):
    return [(s.service_point, s.slot.start) for s in availability_list(
        state=network_state(), service_code=service, point_ids=None, from_date=day, to_date=day, limit=None,
        now=timezone.now())]


def confirm_page(client, booking):
    return f"/book/confirm/{confirm_token(booking)}/"


class TestSettingOff:
    def test_a_new_address_is_booked_at_once_as_the_contract_says(self, client, smoke_network, wednesday):
        body = book(client, at(wednesday, 9))
        assert body["status"] == "confirmed" and "held_until" not in body and "hold_reason" not in body
        booking = Booking.objects.get()
        assert booking.status == Booking.Status.CONFIRMED and booking.held_until is None
        assert events(booking.pk) == [("confirmed", "email"), ("confirmed", "sms")]

    def test_the_sweep_leaves_everything_alone(self, client, smoke_network, wednesday):
        book(client, at(wednesday, 9))
        assert waitlist_sweep(now=timezone.now() + dt.timedelta(hours=2))["unconfirmed"] == 0
        assert Booking.objects.get().status == Booking.Status.CONFIRMED


class TestTheApiHoldsANewAddress:
    def test_201_held_until_the_network_s_minutes_and_the_link_goes_by_email_only(self, client, held_network,
                                                                                  wednesday):
        body = book(client, at(wednesday, 9))
        assert body["status"] == "held" and body["hold_reason"] == "confirm_email"
        assert len(body["reservation_key"]) == 10 and len(body["pin"]) == 6
        booking = Booking.objects.get()
        assert booking.status == Booking.Status.HELD and booking.hold_reason == "confirm_email"
        assert booking.held_until == booking.created_at + dt.timedelta(minutes=MINUTES)
        assert dt.datetime.fromisoformat(body["held_until"]) == booking.held_until
        assert body["held_until"].endswith(("+02:00", "+03:00"))  # in the point's zone
        assert events(booking.pk) == [("confirm_email", "email")]  # no text: the phone is not confirmed either

    def test_get_shows_the_hold_and_the_time_is_not_offered_to_others(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        got = client.get(f"/api/v1/bookings/{body['reservation_key']}", headers={"X-PIN": body["pin"]})
        assert got.status_code == 200
        assert (got.json()["status"], got.json()["held_until"]) == ("held", body["held_until"])
        book(client, at(wednesday, 9), email="other@example.org")  # the second desk
        assert ("smoke-point", at(wednesday, 9)) not in slots(wednesday)
        assert_day_summary_exact(wednesday)

    def test_a_held_booking_counts_against_the_caps_per_person(self, client, held_network, wednesday):
        book(client, at(wednesday, 9))
        again = post(client, "/api/v1/bookings", booking_body(at(wednesday, 10, 20)))
        assert again.status_code == 409 and again.json()["error"] == "active_booking_exists"
        same_phone = booking_body(at(wednesday, 10, 20), email="alias@example.org")
        same_phone["customer"]["phone"] = phone_of("person@example.org")
        assert post(client, "/api/v1/bookings", same_phone).json()["error"] == "active_booking_exists"
        assert Booking.objects.count() == 1

    def test_a_held_booking_counts_against_the_network_s_cap(self, client, held_network, wednesday):
        settings = NetworkSettings.objects.get(pk=1)
        settings.max_bookings_per_person = 1
        settings.save()
        book(client, at(wednesday, 9))
        other = post(client, "/api/v1/bookings", booking_body(at(wednesday, 10, 20), service="citizenship"))
        assert other.status_code == 409 and other.json()["error"] == "booking_limit_reached"

    def test_an_idempotent_retry_replays_the_held_answer(self, client, held_network, wednesday):
        first = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9)), Idempotency_Key="k-1")
        again = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9)), Idempotency_Key="k-1")
        assert first.status_code == again.status_code == 201 and first.json() == again.json()
        assert again.json()["status"] == "held" and Booking.objects.count() == 1

    def test_the_hold_never_lasts_past_the_start(self, held_network, wednesday):
        start = at(wednesday, 9)
        made = booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                              start_at=start, persons=1, language="en", now=start - dt.timedelta(minutes=5),
                              customer=Customer(name="Late", email="late@example.org"), confirm_email=True)
        assert made.booking.status == Booking.Status.HELD and made.booking.held_until == start

    def test_cancel_works_on_a_held_booking_and_offers_the_time_again(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        book(client, at(wednesday, 9), email="other@example.org")
        cancelled = post(client, f"/api/v1/bookings/{body['reservation_key']}/cancel", X_PIN=body["pin"])
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert "held_until" not in cancelled.json()
        booking = Booking.objects.get(reservation_key=body["reservation_key"])
        assert ("cancelled", "email") in events(booking.pk) and ("cancelled", "sms") not in events(booking.pk)
        assert ("smoke-point", at(wednesday, 9)) in slots(wednesday)
        assert_day_summary_exact(wednesday)

    def test_a_held_booking_is_not_moved_before_it_is_confirmed(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        moved = post(client, f"/api/v1/bookings/{body['reservation_key']}/reschedule",
                     {"start": at(wednesday, 10, 20).isoformat()}, X_PIN=body["pin"])
        assert moved.status_code == 409 and moved.json()["error"] == "not_changeable"


class TestKnownAddresses:
    def test_an_address_whose_earlier_booking_was_confirmed_books_at_once(self, client, held_network, wednesday):
        earlier = booking_create(state=network_state(), service_code="citizenship", point_id="smoke-point",
                                 start_at=at(wednesday, 10, 20), persons=1, language="fi", now=timezone.now(),
                                 customer=Customer(name="Known", email="person@example.org"))
        assert earlier.booking.status == Booking.Status.CONFIRMED  # not a public booking: never held
        from vuoro.booking.services import booking_cancel

        booking_cancel(booking=earlier.booking, now=timezone.now())  # cancelled, yet it was confirmed
        assert book(client, at(wednesday, 9))["status"] == "confirmed"

    def test_an_address_confirmed_by_link_books_at_once_in_any_of_its_forms(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        booking_email_confirm(booking=Booking.objects.get(reservation_key=body["reservation_key"]),
                              now=timezone.now())
        variant = book(client, at(wednesday, 10, 20), service="citizenship", email="Person+work@Example.ORG")
        assert variant["status"] == "confirmed"

    def test_a_hold_that_lapsed_leaves_the_address_unknown(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        held_until = Booking.objects.get().held_until
        email_holds_lapse(now=held_until)
        again = book(client, at(wednesday, 10, 20))
        assert again["status"] == "held" and again["reservation_key"] != body["reservation_key"]

    def test_a_digest_made_with_an_earlier_secret_still_counts(self, held_network, settings):
        emails_confirmed_record(email_keys=["anna@example.org"], now=timezone.now())
        old = settings.SECRET_KEY
        settings.SECRET_KEY = "a new secret key of fifty characters or more, for testing only"
        assert not email_confirmed("anna@example.org")
        settings.SECRET_KEY_FALLBACKS = [old]
        assert email_confirmed("anna@example.org")

    def test_only_the_digest_is_stored(self, held_network):
        emails_confirmed_record(email_keys=["anna@example.org", "anna@example.org", ""], now=timezone.now())
        row = ConfirmedEmail.objects.get()
        assert row.digest == email_digest("anna@example.org") and "anna" not in row.digest
        assert re.fullmatch(r"[0-9a-f]{64}", row.digest)


class TestTheLink:
    def test_get_shows_and_changes_nothing_then_post_confirms_once(self, client, held_network, wednesday):
        book(client, at(wednesday, 9))
        booking = Booking.objects.get()
        url = confirm_page(client, booking)
        for _ in range(2):  # mail scanners open links
            shown = client.get(url)
            assert shown.status_code == 200 and 'method="post"' in shown.content.decode()
        booking.refresh_from_db()
        assert booking.status == Booking.Status.HELD and not ConfirmedEmail.objects.exists()
        done = client.post(url)
        assert done.status_code == 200 and booking.reservation_key in done.content.decode()
        booking.refresh_from_db()
        assert (booking.status, booking.held_until, booking.hold_reason) == (Booking.Status.CONFIRMED, None, "")
        assert ConfirmedEmail.objects.filter(digest=email_digest("person@example.org")).exists()
        assert events(booking.pk) == [("confirm_email", "email"), ("confirmed", "email"), ("confirmed", "sms")]
        assert client.get("/manage/booking/").status_code == 200  # the link opened the manage pages
        for again in (client.get(url), client.post(url)):  # a second click: already confirmed, nothing sent
            assert again.status_code == 200
        assert len(events(booking.pk)) == 3

    def test_the_outbox_skips_the_link_once_the_hold_has_ended(self, held_network):
        link = Notice(event=Notice.Event.CONFIRM_EMAIL)
        now = timezone.now()
        assert notice_outdated(notice=link, status=Booking.Status.HELD, start_at=now, now=now) is None
        for status in (Booking.Status.CONFIRMED, Booking.Status.CANCELLED):
            assert notice_outdated(notice=link, status=status, start_at=now, now=now) == "the hold has ended"

    def test_a_lapsed_link_says_the_time_was_released_and_how_to_book_again(self, client, held_network, wednesday):
        book(client, at(wednesday, 9))
        booking = Booking.objects.get()
        url = confirm_page(client, booking)
        waitlist_sweep(now=booking.held_until)
        for answer in (client.get(url), client.post(url)):
            page = answer.content.decode()
            assert answer.status_code == 410 and "The time was released" in page
            assert 'href="/book/?service=residence-card"' in page
        assert Booking.objects.get().status == Booking.Status.CANCELLED

    def test_a_hold_past_its_end_is_released_when_confirmed_before_the_sweep(self, client, held_network, wednesday):
        book(client, at(wednesday, 9))
        booking = Booking.objects.get()
        with pytest.raises(HoldLapsed):
            booking_email_confirm(booking=booking, now=booking.held_until)
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_because) == (Booking.Status.CANCELLED, "unconfirmed")
        assert ("unconfirmed", "email") in events(booking.pk)

    @pytest.mark.parametrize("token", ["garbage", "1:" + "A" * 30, "999999:" + "A" * 30, "x" * 150])
    def test_an_unknown_or_tampered_link_gets_a_page_with_next_steps(self, client, held_network, token):
        answer = client.get(f"/book/confirm/{token}/")
        page = answer.content.decode()
        assert answer.status_code == 410 and "This link does not work" in page and 'href="/book/"' in page
        assert client.post(f"/book/confirm/{token}/").status_code == 410

    def test_a_link_of_another_booking_state_does_not_open_this_one(self, client, held_network, wednesday):
        book(client, at(wednesday, 9))
        booking = Booking.objects.get()
        head, _, signature = confirm_token(booking).partition(":")
        other = book(client, at(wednesday, 9), email="other@example.org")
        other_id = Booking.objects.get(reservation_key=other["reservation_key"]).pk
        assert client.post(f"/book/confirm/{other_id}:{signature}/").status_code == 410
        assert Booking.objects.get(pk=other_id).status == Booking.Status.HELD

    def test_a_closure_since_booking_releases_the_hold_when_confirming(self, client, held_network, wednesday):
        book(client, at(wednesday, 9))
        booking = Booking.objects.get()
        load_network(slot_minutes=20, horizon_days=60, holidays=None, confirm_new_email_minutes=MINUTES,
                     services=[("residence-card", 40), ("citizenship", 40)],
                     points=smoke_points(exceptions=[(wednesday.isoformat(), "")]))
        answer = client.post(confirm_page(client, booking))
        assert answer.status_code == 409 and "closed at that time" in answer.content.decode()
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_because) == (Booking.Status.CANCELLED, "unconfirmed")


class TestTheApiConfirms:
    def test_with_the_token_of_the_link(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        booking = Booking.objects.get()
        url = f"/api/v1/bookings/{body['reservation_key']}/confirm-email"
        answer = post(client, url, {"token": confirm_token(booking)}, X_PIN=body["pin"])
        assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
        assert "held_until" not in answer.json()
        again = post(client, url, {"token": confirm_token(booking)}, X_PIN=body["pin"])
        assert again.status_code == 200 and again.json()["status"] == "confirmed"
        assert events(booking.pk).count(("confirmed", "email")) == 1

    def test_a_wrong_token_pin_or_lapsed_hold_is_refused(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        other = book(client, at(wednesday, 9), email="other@example.org")
        booking = Booking.objects.get(reservation_key=body["reservation_key"])
        url = f"/api/v1/bookings/{body['reservation_key']}/confirm-email"
        for token in ("nonsense", confirm_token(Booking.objects.get(reservation_key=other["reservation_key"]))):
            wrong = post(client, url, {"token": token}, X_PIN=body["pin"])
            assert wrong.status_code == 422 and wrong.json()["error"] == "invalid_token"
            assert "token" in wrong.json()["fields"]
        bad_pin = "000000" if body["pin"] != "000000" else "111111"
        assert post(client, url, {"token": confirm_token(booking)}, X_PIN=bad_pin).status_code == 404
        assert post(client, url, {}, X_PIN=body["pin"]).status_code == 422
        email_holds_lapse(now=booking.held_until)
        lapsed = post(client, url, {"token": confirm_token(booking)}, X_PIN=body["pin"])
        assert lapsed.status_code == 409 and lapsed.json()["error"] == "hold_lapsed"


class TestThePages:
    def details(self, client, start, **form):
        url = "/book/details/?service=residence-card&point=smoke-point&start=" + start.isoformat().replace("+", "%2B")
        data = {"name": "Test Person", "email": "person@example.org", "phone": "", "language": "en", **form}
        return client.post(url, data)

    def test_booking_with_a_new_address_says_plainly_what_to_do(self, client, held_network, wednesday):
        answer = self.details(client, at(wednesday, 9))
        assert answer.status_code == 302 and answer["Location"] == "/book/done/"
        page = client.get("/book/done/").content.decode()
        booking = Booking.objects.get()
        assert booking.status == Booking.Status.HELD
        until = timezone.localtime(booking.held_until, booking.service_point_zone).strftime("%H:%M")
        assert (f"Confirm within {MINUTES} minutes (by {until}) from the link we sent to person@example.org, "
                "or the time is released.") in page
        assert booking.reservation_key in page and 'action="/manage/calendar/"' not in page

    def test_a_confirmed_address_is_booked_at_once_on_the_pages(self, client, held_network, wednesday):
        emails_confirmed_record(email_keys=["person@example.org"], now=timezone.now())
        self.details(client, at(wednesday, 9))
        page = client.get("/book/done/").content.decode()
        assert Booking.objects.get().status == Booking.Status.CONFIRMED and "Confirm within" not in page

    def test_the_manage_page_of_a_held_booking_says_so_and_cancels_it(self, client, held_network, wednesday):
        body = book(client, at(wednesday, 9))
        client.post("/manage/", {"reservation_key": body["reservation_key"], "pin": body["pin"]})
        page = client.get("/manage/booking/").content.decode()
        assert "confirm the booking from the link we sent to person@example.org" in page
        assert client.get("/manage/cancel/").status_code == 200
        client.post("/manage/cancel/")
        assert Booking.objects.get().status == Booking.Status.CANCELLED


class TestTheLapse:
    def test_the_sweep_releases_an_unconfirmed_hold_and_tells_the_customer(self, client, held_network, wednesday):
        book(client, at(wednesday, 9))
        book(client, at(wednesday, 9), email="other@example.org")
        booking = Booking.objects.get(email_key="person@example.org")
        assert waitlist_sweep(now=booking.held_until - dt.timedelta(seconds=1))["unconfirmed"] == 0
        assert ("smoke-point", at(wednesday, 9)) not in slots(wednesday)
        assert waitlist_sweep(now=booking.held_until)["unconfirmed"] == 1  # the other was made a moment later
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_because, booking.cancelled_at) == (
            Booking.Status.CANCELLED, "unconfirmed", booking.held_until)
        assert events(booking.pk) == [("confirm_email", "email"), ("unconfirmed", "email")]
        assert ("smoke-point", at(wednesday, 9)) in slots(wednesday)
        assert_day_summary_exact(wednesday)
        assert Booking.objects.get(email_key="other@example.org").status == Booking.Status.HELD
        assert waitlist_sweep(now=booking.held_until + dt.timedelta(minutes=1))["unconfirmed"] == 1
        assert waitlist_sweep(now=booking.held_until + dt.timedelta(minutes=2))["unconfirmed"] == 0

    def test_the_released_time_goes_to_the_waitlist_first(self, client, held_network, wednesday):
        state, now = network_state(), timezone.now()
        for n, (hour, minute) in enumerate([(9, 0), (9, 0), (9, 40), (9, 40), (10, 20)]):
            booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                           start_at=at(wednesday, hour, minute), persons=1, language="fi", now=now,
                           customer=Customer(name="F", email=f"filler{n}@example.org"))
        book(client, at(wednesday, 10, 20))  # the last free time, held
        entry = waitlist_join(state=state, service_code="residence-card", point_ids=[], from_date=wednesday,
                              to_date=wednesday, persons=1, language="en", auto_book=True, now=now,
                              customer=Customer(name="Wait Ing", email="waiting@example.org")).entry
        held = Booking.objects.get(email_key="person@example.org")
        waitlist_sweep(now=held.held_until)
        entry.refresh_from_db()
        assert entry.status == WaitlistEntry.Status.BOOKED
        assert (entry.booked.start_at, entry.booked.status) == (at(wednesday, 10, 20), Booking.Status.CONFIRMED)
        assert slots(wednesday) == []

    def test_the_messages_carry_the_link_then_the_way_to_book_again(self, client, held_network, wednesday):
        book(client, at(wednesday, 9), language="en")
        booking = Booking.objects.get()
        link = booking_email(booking_id=booking.pk, event="confirm_email", now=timezone.now())
        assert confirm_page(client, booking) in link.body and link.to == ["person@example.org"]
        assert "ignore this message" in link.body and not link.attachments  # no calendar file before confirming
        assert booking_text(booking_id=booking.pk, event="confirm_email", now=timezone.now()) is None
        email_holds_lapse(now=booking.held_until)
        released = booking_email(booking_id=booking.pk, event="unconfirmed", now=timezone.now())
        assert "/book/?service=residence-card" in released.body and "released" in released.subject

    @pytest.mark.parametrize(("language", "subject"), [("fi", "Vahvista varauksesi"), ("sv", "Bekräfta din bokning"),
                                                       ("en", "Confirm your booking")])
    def test_the_link_message_in_each_language(self, client, held_network, wednesday, language, subject):
        book(client, at(wednesday, 9), language=language)
        mail = booking_email(booking_id=Booking.objects.get().pk, event="confirm_email", now=timezone.now())
        assert mail.subject.startswith(subject + ":")


class TestNeverHeld:
    def test_staff_bookings(self, held_network, wednesday):
        clerk = User.objects.create_user("clerk", password="x", is_staff=True)
        made = booking_desk_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                                   start_at=at(wednesday, 9), persons=1, language="fi", actor=clerk,
                                   now=timezone.now(), customer=Customer(name="Desk", email="new@example.org"))
        assert made.booking.status == Booking.Status.CONFIRMED
        assert events(made.booking.pk) == [("confirmed", "email")]

    def test_a_waitlist_booking(self, held_network, wednesday):
        entry = waitlist_join(state=network_state(), service_code="residence-card", point_ids=[],
                              from_date=wednesday, to_date=wednesday, persons=1, language="en", auto_book=True,
                              now=timezone.now(), customer=Customer(name="Wait", email="new@example.org")).entry
        waitlist_sweep(now=timezone.now())
        entry.refresh_from_db()
        assert entry.status == WaitlistEntry.Status.BOOKED and entry.booked.status == Booking.Status.CONFIRMED

    def test_moving_a_confirmed_booking(self, client, held_network, wednesday):
        emails_confirmed_record(email_keys=["person@example.org"], now=timezone.now())
        body = book(client, at(wednesday, 9))
        moved = booking_reschedule(state=network_state(), booking=Booking.objects.get(), start_at=at(wednesday, 10, 20),
                                   point_id=None, now=timezone.now())
        assert body["status"] == "confirmed" and moved.status == Booking.Status.CONFIRMED

    def test_a_waitlist_hold_is_not_cancelled_as_a_booking(self, held_network, wednesday):
        from vuoro.booking.services import booking_cancel

        hold = booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                              start_at=at(wednesday, 9), persons=1, language="en", now=timezone.now(),
                              customer=Customer(name="W", email="w@example.org"))
        Booking.objects.filter(pk=hold.booking.pk).update(status="held", hold_reason="waitlist",
                                                          held_until=timezone.now() + dt.timedelta(minutes=30))
        with pytest.raises(NotChangeable):
            booking_cancel(booking=hold.booking, now=timezone.now())


class TestCapsStillHold:
    def test_one_client_with_one_made_up_address_gets_one_hold(self, held_network, wednesday):
        state, now = network_state(), timezone.now()
        made = booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                              start_at=at(wednesday, 9), persons=1, language="en", now=now, confirm_email=True,
                              customer=Customer(name="Hoarder", email="made.up@example.org"))
        assert made.booking.status == Booking.Status.HELD
        for hour, minute in [(9, 40), (10, 20)]:
            with pytest.raises(ActiveBookingExists):
                booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                               start_at=at(wednesday, hour, minute), persons=1, language="en", now=now,
                               confirm_email=True, customer=Customer(name="Hoarder", email="Made.Up+2@example.org"))
        with pytest.raises(SlotUnavailable):  # a taken time is still taken
            for n in range(3):
                booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                               start_at=at(wednesday, 9), persons=1, language="en", now=now, confirm_email=True,
                               customer=Customer(name="Hoarder", email=f"h{n}@example.org"))
