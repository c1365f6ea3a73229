"""Bookings over the API and the booking pages take only contact details the messages can reach,
stored normalised (vuoro.contact)."""
import datetime as dt
from html import unescape

import pytest

from tests.booking.conftest import at, booking_body
from tests.booking.test_pages import details_form, details_url
from vuoro.booking.models import Booking


@pytest.fixture
def client_en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def post_booking(client, body):
    return client.post("/api/v1/bookings", body, content_type="application/json")


@pytest.mark.django_db
class TestApiBookings:
    @pytest.mark.parametrize("address", ["victim,x@evil.com", "a..b@x.co", '"a b"@x.co', "a@x.co.",
                                         "a@x.co\r\nBcc: victim@evil.com", "ä@x.fi"])
    def test_an_address_the_mailer_cannot_send_to_is_422_on_the_email_field(self, client, smoke_network, wednesday,
                                                                          address):
        answer = post_booking(client, booking_body(at(wednesday, 9, 20), email=address))
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] and body["detail"] and list(body["fields"]) == ["customer.email"]
        assert not Booking.objects.exists()

    def test_a_bad_phone_is_422_on_the_phone_field(self, client, smoke_network, wednesday):
        body = booking_body(at(wednesday, 9, 20))
        body["customer"]["phone"] = "09 1234 567"
        answer = post_booking(client, body)
        assert answer.status_code == 422 and list(answer.json()["fields"]) == ["customer.phone"]

    def test_stores_the_address_and_the_number_normalised(self, client, smoke_network, wednesday):
        body = booking_body(at(wednesday, 9, 20), email="Person@BÜCHER.de")
        body["customer"]["phone"] = "040 123 4567"
        answer = post_booking(client, body)
        assert answer.status_code == 201, answer.content
        booking = Booking.objects.get()
        assert (booking.customer_email, booking.customer_phone) == ("Person@xn--bcher-kva.de", "+358401234567")
        assert booking.email_key == "person@xn--bcher-kva.de"


@pytest.mark.django_db
class TestBookingPage:
    def test_refuses_an_address_with_the_forms_own_message_and_keeps_what_was_typed(self, client_en, smoke_network,
                                                                                    wednesday):
        page = client_en.post(details_url(at(wednesday, 10)), details_form(email="victim,x@evil.com"))
        assert page.status_code == 400 and not Booking.objects.exists()
        html = unescape(page.content.decode())
        assert "Enter an e-mail address like name@example.com." in html
        assert 'value="victim,x@evil.com"' in html

    def test_a_landline_is_refused_in_finnish(self, client, smoke_network, wednesday):
        page = client.post(details_url(at(wednesday, 10)), details_form(phone="09 1234 567"),
                           headers={"Accept-Language": "fi"})
        assert page.status_code == 400
        assert "Tämä ei ole matkapuhelinnumero" in unescape(page.content.decode())

    def test_stores_the_number_in_e164(self, client_en, smoke_network, wednesday):
        answer = client_en.post(details_url(at(wednesday, 10)), details_form(phone="040 123 4567"))
        assert answer.status_code == 302
        assert Booking.objects.get().customer_phone == "+358401234567"



@pytest.mark.django_db
class TestLostPin:
    def test_finds_a_booking_by_the_address_as_typed_at_booking_whatever_its_form(self, client, smoke_network,
                                                                                wednesday):
        from vuoro.booking.recovery import booking_links_send

        assert post_booking(client, booking_body(at(wednesday, 9, 20), email="Anna@Bücher.de")).status_code == 201
        now = dt.datetime.now(dt.UTC)
        assert booking_links_send(email=" anna@BÜCHER.de ", now=now) == 1
        assert booking_links_send(email="anna@xn--bcher-kva.de", now=now) == 1
