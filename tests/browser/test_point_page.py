"""A service point's public page in a real browser: reached from the front page, in each language,
at a phone's width, with JavaScript on (axe-core) and off, and on to the booking flow."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from tests.factories import load_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVERY_DAY = {day: "08:00-16:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
WORDS = {
    "fi": ("Palvelupisteet: aukioloajat, esteettömyys ja jonot", "Aukioloajat tällä viikolla", "Esteettömyys",
           "Jono tänään", "Näytä kartalla", "Varaa aika tähän palvelupisteeseen", "Esteetön sisäänkäynti."),
    "sv": ("Serviceställen: öppettider, tillgänglighet och köer", "Öppettider den här veckan", "Tillgänglighet",
           "Kön i dag", "Visa på kartan", "Boka tid till det här servicestället", "Tillgänglig ingång."),
    "en": ("Service points: hours, accessibility and queues", "Opening hours this week", "Accessibility",
           "Queue today", "Show on a map", "Book at this service point", "Step-free entrance."),
}


@pytest.fixture
def network():
    load_network(holidays="FI", services=[("extended-permit", 30, 15), ("citizenship", 45)],
                 points=[dict(id="helsinki-malmi", services=["extended-permit", "citizenship"], hours=EVERY_DAY,
                              walk_in=(2, 60), address="Malmin kauppatie 26, 00700 Helsinki",
                              accessibility={"fi": "Esteetön sisäänkäynti.", "sv": "Tillgänglig ingång.",
                                             "en": "Step-free entrance."}),
                         dict(id="oulu", services=["extended-permit"])])


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_from_the_front_page_to_a_point_and_on_to_booking(browser, live_server, network, axe_violations, language,
                                                          javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844},
                                  locale=LOCALES[language])
    page = context.new_page()
    page.goto(live_server.url + "/")
    entry, hours, accessibility, queue, map_link, book, notes = WORDS[language]
    page.get_by_role("link", name=entry).click()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    if javascript:
        assert axe_violations(page) == [], pretty(axe_violations(page))
    page.get_by_role("link", name="helsinki-malmi " + language, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("helsinki-malmi " + language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    for heading in (hours, accessibility, queue):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text(notes)).to_be_visible()
    expect(page.get_by_role("link", name=map_link)).to_have_attribute(
        "href", "https://www.openstreetmap.org/search?query=Malmin+kauppatie+26%2C+00700+Helsinki")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(8)  # a header and seven days
    if javascript:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert axe_violations(page) == [], pretty(axe_violations(page))

    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=f"citizenship {language}"))
    card.get_by_role("link", name=book).click()
    expect(page.locator("input[name=point][value=helsinki-malmi]")).to_be_checked()
    context.close()
