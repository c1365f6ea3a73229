"""Rotating the secret key: with the old key among VUORO_SECRET_KEY_FALLBACKS, PINs, manage links,
sealed PINs (idempotent replays, the confirmation page) and sessions made with it keep working, and
a PIN is hashed anew with the current key; without it, none of them opens anything."""
import re

import pytest

from tests.booking.conftest import at, booking_body
from tests.booking.test_manage_links import link_in
from tests.booking.test_pages import details_form, details_url, text
from vuoro.booking.keys import pin_matches
from vuoro.booking.models import Booking

pytestmark = pytest.mark.django_db
KEY_A = "key-a-" + "a" * 50
KEY_B = "key-b-" + "b" * 50


@pytest.fixture
def booked_with_a(client, smoke_network, wednesday, settings):
    """A booking made over the API, and one on the pages (its confirmation held in the session), with key A."""
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    api = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json",
                      headers={"Idempotency-Key": "retry-me"}).json()
    page = client.post(details_url(at(wednesday, 10)), details_form(email="pages@example.org"))
    assert page.status_code == 302
    pin_on_page = re.search(r"\b\d{6}\b", text(client.get("/book/done/"))).group()
    booking = Booking.objects.get(reservation_key=api["reservation_key"])
    return {"api": api, "pin_on_page": pin_on_page, "link": link_in(booking), "booking": booking}


def replay(client, wednesday):
    return client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json",
                       headers={"Idempotency-Key": "retry-me"})


def test_with_the_old_key_as_a_fallback_everything_made_with_it_still_works(client, booked_with_a, wednesday,
                                                                             settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]
    made = booked_with_a["api"]
    key, pin = made["reservation_key"], made["pin"]
    assert client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": pin}).status_code == 200
    assert replay(client, wednesday).json()["pin"] == pin
    assert booked_with_a["pin_on_page"] in text(client.get("/book/done/"))  # the session, and its sealed PIN
    assert client.get(booked_with_a["link"]).url == "/manage/booking/"
    assert client.get("/manage/booking/").status_code == 200


def test_a_pin_checked_with_the_old_key_is_hashed_anew_with_the_current_one(client, booked_with_a, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]
    made = booked_with_a["api"]
    key, pin = made["reservation_key"], made["pin"]
    before = Booking.objects.get(reservation_key=key).pin_hash
    assert client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": pin}).status_code == 200
    after = Booking.objects.get(reservation_key=key).pin_hash
    assert after != before
    settings.SECRET_KEY_FALLBACKS = []  # the old key retired: the PIN still opens the booking
    assert pin_matches(key, pin, after)
    assert client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": pin}).status_code == 200
    assert client.post("/manage/", {"reservation_key": key, "pin": pin}).url == "/manage/booking/"


def test_without_the_fallback_nothing_made_with_the_old_key_opens(client, booked_with_a, wednesday, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, []
    made = booked_with_a["api"]
    key, pin = made["reservation_key"], made["pin"]
    assert client.get(f"/api/v1/bookings/{key}", headers={"X-PIN": pin}).status_code == 404
    assert client.post("/manage/", {"reservation_key": key, "pin": pin}).status_code == 400
    assert "pin" not in replay(client, wednesday).json()
    assert client.get("/book/done/").url == "/book/"
    assert client.get(booked_with_a["link"]).status_code == 410


def test_a_value_sealed_with_a_key_not_accepted_is_not_misread(booked_with_a, settings):
    from vuoro.booking.keys import seal, unseal

    def pad(secret):
        return (secret * 2).encode()[:32]

    sealed = seal("123456", pad)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, []
    assert unseal(sealed, pad) is None
    settings.SECRET_KEY_FALLBACKS = [KEY_A]
    assert unseal(sealed, pad) == "123456"
