"""Confirming a new e-mail address in each language, without a script of ours: the page after
booking says what to do, the one-click link shows the booking and confirms it with a button, a
second click and a dead link say what happened; axe-core finds nothing on any page visited."""
import datetime as dt
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.booking.conftest import at
from tests.browser.test_booking_pages import WORDS, Visit
from tests.factories import load_network
from vuoro.booking.email_confirm import confirm_token
from vuoro.booking.models import Booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "fi": ("Vahvista varauksesi sähköpostistasi", "Vahvista 20 minuutin kuluessa", "Vahvista varauksesi",
           "Vahvista varaus", "Varauksesi on vahvistettu", "Tämä varaus on jo vahvistettu", "Tämä linkki ei toimi"),
    "sv": ("Bekräfta din bokning i din e-post", "Bekräfta inom 20 minuter", "Bekräfta din bokning",
           "Bekräfta bokningen", "Din bokning är bekräftad", "Den här bokningen är redan bekräftad",
           "Den här länken fungerar inte"),
    "en": ("Confirm your booking from your e-mail", "Confirm within 20 minutes", "Confirm your booking",
           "Confirm the booking", "Your booking is confirmed", "This booking is already confirmed",
           "This link does not work"),
}


@pytest.fixture
def network():
    load_network(slot_minutes=15, horizon_days=60, holidays=None, services=[("extended-permit", 30)],
                 points=[dict(id="helsinki", services=["extended-permit"], address="Malmin kauppatie 26, Helsinki")],
                 confirm_new_email_minutes=20)


def _next_weekday() -> dt.date:
    day = dt.date.today() + dt.timedelta(days=3)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_book_with_a_new_address_and_confirm_it_from_the_link(page, live_server, network, axe_violations, language):
    held, within, title, button, confirmed, already, dead = TEXTS[language]
    visit = Visit(page, axe_violations, language)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name=WORDS[language]["language"]).click()
    start = at(_next_weekday(), 9)
    page.goto(live_server.url + "/book/details/?service=extended-permit&point=helsinki&start="
              + quote(start.isoformat()))
    visit.check()
    page.locator("#id_name").fill("Uusi Asiakas")
    page.locator("#id_email").fill(f"new-{language}@example.org")
    visit.click(page.locator("main button.primary"))                     # → the page after booking
    expect(page.get_by_role("heading", level=1)).to_have_text(held)
    status = page.get_by_role("status")
    assert within in status.inner_text() and f"new-{language}@example.org" in status.inner_text()
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.HELD

    link = live_server.url + f"/book/confirm/{confirm_token(booking)}/"
    page.goto(link)                                                      # the link in the message
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert Booking.objects.get().status == Booking.Status.HELD           # opening it changes nothing
    visit.click(page.get_by_role("button", name=button))
    expect(page.get_by_role("heading", level=1)).to_have_text(confirmed)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED

    page.goto(link)                                                      # a second click
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(already)
    page.goto(live_server.url + "/book/confirm/1:cut-short/")            # a link cut short
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(dead)
