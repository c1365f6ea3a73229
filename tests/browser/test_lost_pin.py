"""A customer who lost the PIN asks for a link, opens it from the message and cancels, in each
language, with axe-core finding nothing on any page visited."""
import datetime as dt
import re

import pytest
from django.core import mail

from tests.browser.test_booking_pages import WORDS, Visit, network  # noqa: F401 (the network fixture)
from vuoro.booking.models import Booking
from vuoro.booking.selectors import availability_list
from vuoro.booking.services import Customer, booking_create
from vuoro.network.state import network_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOST = {"fi": ("Onko PIN-koodi hukassa?", "Lähetä linkki", "Tarkista sähköpostisi", "Peru varaus",
               "Linkki ei enää toimi"),
        "sv": ("Har du tappat bort PIN-koden?", "Skicka länken", "Kolla din e-post", "Avboka tiden",
               "Länken fungerar inte längre"),
        "en": ("Lost your PIN?", "Send the link", "Check your e-mail", "Cancel the booking",
               "This link no longer works")}


def _booking(language: str) -> Booking:
    state = network_state()
    now = dt.datetime.now(dt.UTC)
    slot = availability_list(state=state, service_code="extended-permit", point_ids=["helsinki"], from_date=None,
                             to_date=None, limit=1, now=now)[0]
    return booking_create(state=state, service_code="extended-permit", point_id="helsinki", start_at=slot.slot.start,
                          persons=1, language=language, now=now,
                          customer=Customer(name="Kadonnut", email=f"lost-{language}@example.org",
                                            phone="+358401234567")).booking


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_lost_pin_link_from_the_message_then_cancel(page, live_server, network, axe_violations,  # noqa: F811
                                                    language):
    lost, send, sent, cancel, dead = LOST[language]
    booking = _booking(language)
    visit = Visit(page, axe_violations, language)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name=WORDS[language]["language"]).click()
    visit.click(page.get_by_role("link", name=WORDS[language]["manage"]))   # → sign in
    visit.click(page.get_by_role("link", name=lost))                       # → lost PIN
    mail.outbox.clear()
    page.locator("#id_who").fill(booking.customer_email.upper())
    visit.click(page.locator("main button.primary"))                       # → check your e-mail
    assert page.get_by_role("heading", level=1).inner_text() == sent

    # The server's thread sent the message when the request committed, before it answered.
    message = next(m for m in mail.outbox if m.to == [booking.customer_email])
    manage_path = re.search(r"https?://[^/\s]+(/manage/link/\S+/)", message.body).group(1)
    cannot_path = re.search(r"https?://[^/\s]+(/manage/cannot-come/\S+/)", message.body).group(1)

    page.goto(live_server.url + cannot_path)                               # "I cannot come", not confirmed
    visit.check()
    page.goto(live_server.url + manage_path)                               # → the booking, without the PIN
    visit.check()
    assert booking.reservation_key in page.locator("main").inner_text()
    visit.click(page.get_by_role("link", name=cancel))                     # → are you sure?
    visit.click(page.locator("main button.primary"))                       # → the booking, cancelled
    assert WORDS[language]["cancelled"] in page.locator("dl.summary").first.inner_text()
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED

    page.goto(live_server.url + manage_path)                               # the link died with the change
    visit.check()
    assert page.get_by_role("heading", level=1).inner_text() == dead
