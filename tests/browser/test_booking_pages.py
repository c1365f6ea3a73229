"""Booking, viewing, moving and cancelling an appointment in a real browser, in each language,
with axe-core finding nothing on any page visited; and a booking made with JavaScript off."""
import re

import pytest

from tests.browser.conftest import AXE, pretty
from tests.factories import load_network
from vuoro.booking.models import Booking
from vuoro.network.models import Service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "fi": {"language": "Suomi", "book": "Varaa aika", "booked": "Aikasi on varattu", "moved": "Varauksesi on siirretty",
           "cancelled": "Peruttu", "manage": "Muuta tai peru varaus"},
    "sv": {"language": "Svenska", "book": "Boka tid", "booked": "Din tid är bokad", "moved": "Din bokning är flyttad",
           "cancelled": "Avbokad", "manage": "Ändra eller avboka en tid"},
    "en": {"language": "English", "book": "Book an appointment", "booked": "Your appointment is booked",
           "moved": "Your booking is moved", "cancelled": "Cancelled", "manage": "Change or cancel a booking"},
}


@pytest.fixture
def network():
    load_network(slot_minutes=15, horizon_days=60, holidays=None, services=[("extended-permit", 30)],
                 points=[dict(id="helsinki", services=["extended-permit"], address="Malmin kauppatie 26, Helsinki"),
                         dict(id="turku", services=["extended-permit"], address="Linnankatu 1, Turku")])
    Service.objects.update(checklist_fi="Passi", checklist_sv="Pass", checklist_en="Passport")


class Visit:
    """Checks each page the journey reaches: its language, one h1, and no axe-core violation."""

    def __init__(self, page, axe_violations, language):
        self.page, self.axe, self.language = page, axe_violations, language
        page.add_init_script(path=str(AXE))  # loaded with every page: quicker than injecting it afterwards

    def check(self):
        assert self.page.locator("html").get_attribute("lang") == self.language
        assert self.page.locator("h1").count() == 1
        violations = self.axe(self.page)
        assert violations == [], f"{self.page.url}\n{pretty(violations)}"

    def click(self, locator):
        locator.click()
        self.page.wait_for_load_state()
        self.check()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_book_view_move_and_cancel_an_appointment_in_each_language(page, live_server, network, axe_violations,
                                                                   language):
    words = WORDS[language]
    visit = Visit(page, axe_violations, language)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name=words["language"]).click()
    visit.click(page.get_by_role("link", name=words["book"]))

    page.locator("#service-0").check()
    page.locator("#id_persons").select_option("3")                       # asked before any time is shown
    visit.click(page.locator("main button.primary"))                     # → service points
    page.locator("#point-helsinki").check()
    visit.click(page.locator("main button.primary"))                     # → month
    if language == "en":
        _months_swap_in_place_with_htmx(page, visit)
    visit.click(page.locator("table.calendar a").first)                  # → day
    visit.click(page.locator("a.time").first)                            # → details

    page.locator("#id_name").fill("Testi Henkilö")
    page.locator("#id_email").fill(f"{language}@example.org")
    visit.click(page.locator("main button.primary"))                     # → errors? no: a full form books
    assert page.get_by_role("heading", level=1).inner_text() == words["booked"]
    key = page.locator("#reservation-key").inner_text()
    pin = page.locator("#pin").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{10}", key) and re.fullmatch(r"\d{6}", pin)
    assert "Malmin kauppatie 26" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.locator("form[action='/manage/calendar/'] button").click()
    assert download.value.suggested_filename == f"{key}.ics"

    visit.click(page.get_by_role("link", name=words["manage"]))          # → sign in
    page.locator("#id_reservation_key").fill(key.lower())
    page.locator("#id_pin").fill(pin)
    visit.click(page.locator("main button.primary"))                     # → the booking
    assert key in page.locator("main").inner_text()
    booked_at = Booking.objects.get().start_at

    visit.click(page.locator("a[href='/manage/move/']"))                 # → service points
    page.locator("#point-turku").check()
    visit.click(page.locator("main button.primary"))                     # → month
    visit.click(page.locator("table.calendar a").last)                   # → day
    visit.click(page.locator("a.time").last)                             # → confirm the move
    visit.click(page.locator("main button.primary"))                     # → the booking, moved
    assert words["moved"] in page.locator(".messages").inner_text()
    moved = Booking.objects.get()
    assert moved.service_point_id == "turku" and moved.start_at != booked_at and moved.reservation_key == key

    visit.click(page.locator("a[href='/manage/cancel/']"))               # → are you sure?
    visit.click(page.locator("main button.primary"))                     # → the booking, cancelled
    assert words["cancelled"] in page.locator("dl.summary").first.inner_text()
    assert Booking.objects.get().status == Booking.Status.CANCELLED


def _months_swap_in_place_with_htmx(page, visit):
    page.evaluate("window.stayedOnPage = true")
    first_month = page.locator("#month-heading").inner_text()
    page.locator(".month-nav a[rel=next]").click()
    page.wait_for_url(re.compile(r"month=\d{4}-\d{2}"))
    # Predicates are functions: Playwright evals a string predicate inside the page, which the CSP refuses.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'month-heading'")
    assert page.locator("#month-heading").inner_text() != first_month
    assert page.evaluate("window.stayedOnPage") is True
    visit.check()
    page.locator(".month-nav a[rel=prev]").click()
    page.wait_for_function("(month) => document.getElementById('month-heading').innerText === month",
                           arg=first_month)
    assert page.evaluate("window.stayedOnPage") is True
    assert page.title().startswith("Choose a day: ")


def test_an_appointment_can_be_booked_with_javascript_off(browser, live_server, network):
    context = browser.new_context(java_script_enabled=False, locale="fi-FI")
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Varaa aika").click()
    page.get_by_role("radio", name="extended-permit fi").check()
    page.get_by_role("button", name="Jatka").click()
    page.get_by_role("radio", name="Aikaisin vapaa aika missä tahansa palvelupisteessä").check()
    page.get_by_role("button", name="Jatka").click()
    assert "/book/day/" in page.url
    page.locator("a.time").first.click()
    page.get_by_label("Koko nimi").fill("Ilman Skriptejä")
    page.get_by_role("button", name="Varaa tämä aika").click()
    assert "Kirjoita sähköpostiosoitteesi." in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Koko nimi").input_value() == "Ilman Skriptejä"
    page.get_by_label("Sähköpostiosoite").fill("noscript@example.org")
    page.get_by_role("button", name="Varaa tämä aika").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Aikasi on varattu"
    assert Booking.objects.get().customer_email == "noscript@example.org"
    context.close()
