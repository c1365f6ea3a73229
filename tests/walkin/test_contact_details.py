"""Queue numbers (API and kiosk) and the console's booking for a customer take only contact details
the messages can reach, stored normalised (vuoro.contact)."""
from html import unescape

import pytest

from vuoro.walkin.forms import DeskCustomerForm
from vuoro.walkin.models import Ticket


@pytest.mark.django_db
class TestTickets:
    def take(self, client, **body):
        return client.post("/api/v1/service-points/malmi/tickets", {"language": "fi", **body},
                           content_type="application/json")

    def test_the_api_stores_the_phone_in_e164(self, client, walkin_network):
        assert self.take(client, phone="040 123 4567").status_code == 201
        assert Ticket.objects.get().phone == "+358401234567"

    def test_the_api_refuses_a_bad_phone_with_422_on_the_field(self, client, walkin_network):
        answer = self.take(client, phone="call me")
        assert answer.status_code == 422 and list(answer.json()["fields"]) == ["phone"]
        assert not Ticket.objects.exists()

    def test_the_kiosk_form_refuses_a_bad_phone_and_stores_a_good_one_in_e164(self, client, walkin_network):
        refused = client.post("/kiosk/malmi/ticket/", {"service": "", "phone": "12345"},
                              headers={"Accept-Language": "sv"})
        assert refused.status_code == 422 and not Ticket.objects.exists()
        assert "Skriv telefonnumret med siffror" in unescape(refused.content.decode())
        assert client.post("/kiosk/malmi/ticket/", {"service": "", "phone": "+358 40 123 4567"}).status_code == 200
        assert Ticket.objects.get().phone == "+358401234567"


class TestDeskCustomerForm:
    """The clerk's form for booking on a customer's behalf (book for the customer)."""

    def form(self, **data):
        return DeskCustomerForm({"name": "Asiakas", "language": "fi", **data})

    def test_refuses_an_address_and_a_number_the_messages_cannot_reach(self):
        form = self.form(email="victim,x@evil.com", phone="09 1234 567")
        assert not form.is_valid() and set(form.errors) == {"email", "phone"}

    def test_normalises_what_it_accepts(self):
        form = self.form(email=" A@Example.org ", phone="040 123 4567")
        assert form.is_valid(), form.errors
        assert (form.cleaned_data["email"], form.cleaned_data["phone"]) == ("A@example.org", "+358401234567")
