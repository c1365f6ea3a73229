"""The waitlist's public pages, without JavaScript: join, see, leave, and the one-click offer."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.booking.test_waitlist import fill, join
from vuoro.booking.models import Booking, WaitlistEntry
from vuoro.booking.services import booking_cancel
from vuoro.booking.waitlist import offer_token

pytestmark = pytest.mark.django_db


def join_form(day, **extra):
    return {"from_date": day.isoformat(), "to_date": day.isoformat(), "persons": "1", "name": "Wait Ing",
            "email": "page@example.org", "phone": "", "language": "en", **extra}


class TestJoinPage:
    def test_joins_and_shows_the_key_and_pin(self, client, smoke_network, wednesday):
        page = client.get("/waitlist/join/?service=residence-card")
        assert page.status_code == 200
        answer = client.post("/waitlist/join/?service=residence-card", join_form(wednesday))
        assert answer.status_code == 200, answer.content.decode()[:2000]
        entry = WaitlistEntry.objects.get()
        assert entry.waitlist_key in answer.content.decode() and entry.status == "waiting"
        status = client.get("/waitlist/entry/")
        assert status.status_code == 200 and entry.waitlist_key in status.content.decode()
        client.post("/waitlist/entry/")
        entry.refresh_from_db()
        assert entry.status == "cancelled"

    def test_refuses_dates_backwards_keeping_what_was_typed(self, client, smoke_network, wednesday):
        answer = client.post("/waitlist/join/?service=residence-card",
                             join_form(wednesday, to_date=(wednesday - dt.timedelta(days=1)).isoformat()))
        assert answer.status_code == 400 and "Wait Ing" in answer.content.decode()
        assert not WaitlistEntry.objects.exists()

    def test_signs_in_with_key_and_pin(self, client, smoke_network, wednesday):
        made = join(wednesday)
        wrong = client.post("/waitlist/", {"reservation_key": made.entry.waitlist_key, "pin": "x"})
        assert wrong.status_code == 400
        right = client.post("/waitlist/", {"reservation_key": made.entry.waitlist_key, "pin": made.pin})
        assert right.status_code == 302 and client.get(right["Location"]).status_code == 200


class TestOfferPage:
    def test_get_shows_without_a_change_and_post_takes_the_time(self, client, smoke_network, wednesday):
        fillers = fill(wednesday)
        entry = join(wednesday).entry
        booking_cancel(booking=fillers[0], now=timezone.now())
        entry.refresh_from_db()
        url = f"/waitlist/offer/{offer_token(entry)}/"
        for _ in range(2):
            assert client.get(url).status_code == 200
        entry.refresh_from_db()
        assert entry.status == "offered"
        taken = client.post(url, {"answer": "accept"})
        assert taken.status_code == 200
        entry.refresh_from_db()
        assert entry.status == "booked" and entry.booked.status == Booking.Status.CONFIRMED
        assert client.get(url).status_code == 410

    def test_declining_passes_the_time_to_the_next(self, client, smoke_network, wednesday):
        fillers = fill(wednesday)
        first = join(wednesday, email="first@example.org").entry
        second = join(wednesday, email="second@example.org").entry
        booking_cancel(booking=fillers[0], now=timezone.now())
        first.refresh_from_db()
        assert client.post(f"/waitlist/offer/{offer_token(first)}/", {"answer": "decline"}).status_code == 200
        second.refresh_from_db()
        assert second.status == "offered" and WaitlistEntry.objects.get(pk=first.pk).status == "cancelled"

    def test_the_offer_message_carries_the_link(self, smoke_network, wednesday):
        from vuoro.booking.messages import booking_email

        fillers = fill(wednesday)
        entry = join(wednesday).entry
        booking_cancel(booking=fillers[0], now=timezone.now())
        entry.refresh_from_db()
        mail = booking_email(booking_id=entry.hold_id, event="waitlist_offer", now=timezone.now())
        assert f"/waitlist/offer/{offer_token(entry)}/" in mail.body


class TestEarlierFromTheManagePage:
    def test_asks_for_an_earlier_time_for_the_managed_booking(self, client, smoke_network, wednesday):
        from tests.booking.conftest import at, booking_body

        later = wednesday + dt.timedelta(days=7)
        made = client.post("/api/v1/bookings", booking_body(at(later, 9)), content_type="application/json").json()
        signed = client.post("/manage/", {"reservation_key": made["reservation_key"], "pin": made["pin"]})
        assert signed.status_code == 302
        answer = client.post("/manage/earlier/", {"auto_book": "on"})
        assert answer.status_code == 200
        entry = WaitlistEntry.objects.get()
        assert entry.booking.reservation_key == made["reservation_key"] and entry.auto_book
        assert entry.to_date == later - dt.timedelta(days=1)
