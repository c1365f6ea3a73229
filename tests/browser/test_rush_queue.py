"""A release's queue in the browser, in each language: join, see the place, and when admitted,
the way to book; axe-core finds nothing on any page, with JavaScript on."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.booking.conftest import HELSINKI, next_weekday
from tests.browser.test_booking_pages import Visit
from tests.factories import load_network
from vuoro.network.state import network_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = {"fi": ("Jono uusiin aikoihin", "Liity jonoon", "Paikkasi jonossa", "Olet jonossa.", "On vuorosi."),
         "sv": ("Kö till nya tider", "Ställ dig i kön", "Din plats i kön", "Du står i kön.", "Det är din tur."),
         "en": ("Queue for new times", "Join the queue", "Your place in the queue", "You are in the queue.",
                "It is your turn.")}


def _release(opens_at: dt.datetime, after_minutes: int) -> int:
    day = next_weekday(2)
    load_network(slot_minutes=15, horizon_days=60, holidays=None, services=[("extended-permit", 30)],
                 points=[dict(id="helsinki", services=["extended-permit"], address="Malmin kauppatie 26, Helsinki")],
                 more=f'[[releases]]\nfrom = "{day}"\nto = "{day}"\nopens_at = "{opens_at:%Y-%m-%dT%H:%M}"\n'
                      f"rush = {{ admit_per_minute = 10, before_minutes = 0, after_minutes = {after_minutes} }}\n")
    return network_state().releases.fixed[0].id


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_join_the_queue_and_see_the_place(page, live_server, axe_violations, language):
    title, join, place_title, waiting, _ = WORDS[language]
    # A window open whatever the time of day: from today's midnight, the draw a day later.
    midnight = dt.datetime.combine(timezone.now().astimezone(HELSINKI).date(), dt.time(0))
    release_id = _release(midnight, 1440)
    visit = Visit(page, axe_violations, language)
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server.url}/releases/{release_id}/queue/")
    visit.check()
    assert page.get_by_role("heading", level=1).inner_text() == title
    page.locator("#id_email").fill(f"queue-{language}@example.org")
    visit.click(page.get_by_role("button", name=join))
    assert page.get_by_role("heading", level=1).inner_text() == place_title
    assert waiting in page.locator("#queue-status").inner_text()


def test_an_admitted_person_is_shown_the_way_to_book(page, live_server, axe_violations):
    # The draw a minute ago: whoever joins now queues behind it, first, and is admitted at once.
    now = timezone.now().astimezone(HELSINKI).replace(tzinfo=None, second=0, microsecond=0)
    release_id = _release(now - dt.timedelta(minutes=2), 1)
    visit = Visit(page, axe_violations, "fi")
    page.set_extra_http_headers({"Accept-Language": "fi"})
    page.goto(f"{live_server.url}/releases/{release_id}/queue/")
    page.locator("#id_email").fill("vuoro@example.org")
    visit.click(page.get_by_role("button", name=WORDS["fi"][1]))
    assert WORDS["fi"][4] in page.locator("#queue-status").inner_text()
    visit.click(page.locator("#queue-status a"))                          # → the booking pages
