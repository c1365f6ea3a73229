"""The waitlist in each language, without a script of ours: join, see the place, then take a
freed time from the one-click link; axe-core finds nothing on any page visited."""
import datetime as dt

import pytest

from tests.booking.conftest import at
from tests.browser.test_booking_pages import WORDS, Visit, network  # noqa: F401 (the network fixture)
from vuoro.booking.models import Booking, WaitlistEntry
from vuoro.booking.services import Customer, booking_cancel, booking_create
from vuoro.booking.waitlist import offer_token, waitlist_join
from vuoro.network.state import network_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {"fi": ("Liity jonotuslistalle", "Olet jonotuslistalla", "Paikkasi jonotuslistalla", "Ota tämä aika",
                "Aika on sinun"),
         "sv": ("Ställ dig på väntelistan", "Du står på väntelistan", "Din plats på väntelistan", "Ta den här tiden",
                "Tiden är din"),
         "en": ("Join the waitlist", "You are on the waitlist", "Your place on the waitlist", "Take this time",
                "The time is yours")}


def _next_weekday() -> dt.date:
    day = dt.date.today() + dt.timedelta(days=3)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day


def _full_day(day: dt.date) -> list[Booking]:
    state, now = network_state(), dt.datetime.now(dt.UTC)
    made = []
    for n in range(32):  # 2 desks, 08:00-16:00, 30-minute visits
        start = at(day, 8) + dt.timedelta(minutes=30 * (n // 2))
        made.append(booking_create(state=state, service_code="extended-permit", point_id="helsinki", start_at=start,
                                   persons=1, language="fi", now=now,
                                   customer=Customer(name="Full", email=f"full{n}@example.org")).booking)
    return made


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_join_see_the_place_and_take_a_freed_time(page, live_server, network, axe_violations,  # noqa: F811
                                                   language):
    join_title, joined, place, take, yours = TEXTS[language]
    day = _next_weekday()
    visit = Visit(page, axe_violations, language)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name=WORDS[language]["language"]).click()
    page.goto(live_server.url + "/waitlist/join/?service=extended-permit")
    visit.check()
    assert page.get_by_role("heading", level=1).inner_text() == join_title
    page.locator("#id_from_date").fill(day.isoformat())
    page.locator("#id_to_date").fill((day + dt.timedelta(days=1)).isoformat())
    page.locator("#id_name").fill("Odottaja")
    page.locator("#id_email").fill(f"browser-{language}@example.org")
    page.locator(f"input[name=language][value={language}]").check()
    visit.click(page.locator("main button.primary"))
    assert page.get_by_role("heading", level=1).inner_text() == joined
    visit.click(page.get_by_role("link", name=place))
    assert WaitlistEntry.objects.get().status == "waiting"

    # A full day at one point for a second entry that waits for it; a cancellation hands it over.
    fillers = _full_day(day)
    WaitlistEntry.objects.all().delete()
    entry = waitlist_join(state=network_state(), service_code="extended-permit", point_ids=["helsinki"],
                          from_date=day, to_date=day, persons=1, language=language, auto_book=False,
                          now=dt.datetime.now(dt.UTC), customer=Customer(name="Odottaja", email="o@example.org")).entry
    booking_cancel(booking=fillers[5], now=dt.datetime.now(dt.UTC))
    entry.refresh_from_db()
    assert entry.status == "offered"
    page.goto(live_server.url + f"/waitlist/offer/{offer_token(entry)}/")
    visit.check()
    visit.click(page.get_by_role("button", name=take))
    assert page.get_by_role("heading", level=1).inner_text() == yours
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "booked"
