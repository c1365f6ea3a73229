"""An old link to a time that cannot be booked, in a real browser in each language: the page says what is
true, offers free times in date order, and one of them is booked, with JavaScript on and off, at a
phone's width; axe-core finds nothing (it runs in the pages with JavaScript on: with it off, nothing can
run in the page)."""
import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from tests.factories import load_network
from vuoro.booking.models import Booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HELSINKI = ZoneInfo("Europe/Helsinki")
SERVICE = "extended-permit"
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
HEADINGS = {  # a past time, a Saturday (the point is open on weekdays)
    "fi": ("Tämä aika on jo mennyt", "Palvelupiste on suljettu tänä päivänä", "Varaa valittu aika",
           "Aikasi on varattu"),
    "sv": ("Den här tiden har redan passerat", "Servicestället är stängt den här dagen", "Boka den valda tiden",
           "Din tid är bokad"),
    "en": ("This time has already passed", "The service point is closed on this day", "Book the chosen time",
           "Your appointment is booked"),
}


@pytest.fixture
def network():
    load_network(slot_minutes=15, horizon_days=60, holidays=None, services=[(SERVICE, 30)],
                 points=[dict(id="helsinki", desks=1, services=[SERVICE], address="Malmin kauppatie 26, Helsinki",
                              hours={d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")})])


def details_url(live_server, start: dt.datetime) -> str:
    return f"{live_server.url}/book/details/?" + urlencode({"service": SERVICE, "point": "helsinki",
                                                           "start": start.isoformat()})


def weekday_after(days: int, weekday: int) -> dt.date:
    found = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=days)
    while found.weekday() != weekday:
        found += dt.timedelta(days=1)
    return found


def chosen_times(page) -> list[dt.datetime]:
    inputs = page.locator("input[name=alternative]")
    values = [inputs.nth(n).get_attribute("value") for n in range(inputs.count())]
    return [dt.datetime.fromisoformat(value.split("|")[1]) for value in values]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_old_link_says_what_is_true_and_an_offered_time_is_booked(browser, live_server, network, axe_violations,
                                                                     language, javascript):
    context = browser.new_context(java_script_enabled=javascript, locale=LOCALES[language],
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    past, closed, book_chosen, booked = HEADINGS[language]

    def accessible():
        if javascript:
            assert axe_violations(page) == [], pretty(axe_violations(page))

    saturday = weekday_after(7, 5)
    page.goto(details_url(live_server, dt.datetime.combine(saturday, dt.time(10), tzinfo=HELSINKI)))
    expect(page.get_by_role("alert").get_by_role("heading", level=2)).to_have_text(closed)
    assert page.locator("html").get_attribute("lang") == language
    accessible()

    last_week = weekday_after(-8, 1)
    page.goto(details_url(live_server, dt.datetime.combine(last_week, dt.time(10), tzinfo=HELSINKI)))
    expect(page.get_by_role("alert").get_by_role("heading", level=2)).to_have_text(past)
    starts = chosen_times(page)
    assert len(starts) == 6 and starts == sorted(starts) and starts[0] > dt.datetime.now(dt.UTC)
    if javascript:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    accessible()

    page.locator("#alternative-2").check()
    page.locator("#id_name").fill("Testi Henkilö")
    page.locator("#id_email").fill(f"{language}-{javascript}@example.org")
    page.get_by_role("button", name=book_chosen).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(booked)
    assert Booking.objects.get().start_at == starts[1]
    accessible()
