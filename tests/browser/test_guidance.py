"""The guided page in a real browser: three paths in three languages, each page passing axe, and one without JS."""
import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from tests.factories import load_network
from vuoro.guidance.defaults import install_default_rules
from vuoro.guidance.models import GuidanceRecord, GuidanceRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVERY_DAY = {day: "08:00-16:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
LANGUAGE_BUTTONS = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
QUESTIONS = {
    "fi": ("Mikä on asiasi?", "Oletko nyt Suomessa?", "Onko sinulla vahvan sähköisen tunnistautumisen väline?",
           "Onko asiasi kiireellinen?", "Kyllä", "Ei", "Näytä ohjeet"),
    "sv": ("Vad gäller ditt ärende?", "Är du i Finland nu?", "Har du stark elektronisk identifiering?",
           "Är ditt ärende brådskande?", "Ja", "Nej", "Visa anvisningar"),
    "en": ("What is your matter?", "Are you in Finland now?", "Do you have strong electronic identification?",
           "Is your matter urgent?", "Yes", "No", "Show guidance"),
}


@pytest.fixture
def network():
    if not GuidanceRule.objects.exists():  # a transactional test's flush empties the table the migration filled
        install_default_rules(GuidanceRule)
    load_network(holidays=None, services=[("extended-permit", 30), ("citizenship", 45)],
                 points=[dict(id="helsinki-malmi", services=["extended-permit", "citizenship"], hours=EVERY_DAY,
                              walk_in=(2, 60)),
                         dict(id="oulu", services=["extended-permit"])])


def answer(page, language, matter, *, in_country=True, strong_eid=False, urgent=False):
    matter_q, country_q, eid_q, urgent_q, yes, no, submit = QUESTIONS[language]
    page.get_by_role("group", name=matter_q).get_by_label(matter, exact=True).check()
    for question, value in ((country_q, in_country), (eid_q, strong_eid), (urgent_q, urgent)):
        page.get_by_role("group", name=question).get_by_label(yes if value else no, exact=True).check()
    page.get_by_role("button", name=submit).click()


def start(page, live_server, language):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name=LANGUAGE_BUTTONS[language]).click()
    page.get_by_role("link", name={"fi": "Etkö tiedä, minne mennä?", "sv": "Vet du inte vart du ska vända dig?",
                                   "en": "Not sure where to go?"}[language]).click()
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize(("language", "matter", "answers", "heading", "said"), [
    ("fi", "Turvapaikka", {}, "Ota yhteyttä poliisiin tai rajatarkastusviranomaisiin",
     "Turvapaikkaa ei voi hakea palvelupisteessä"),
    ("sv", "extended-permit sv", {"strong_eid": True}, "Ansök på nätet", "Då behövs kanske inget besök alls"),
    ("en", "citizenship en", {"urgent": True}, "Take a queue number today", "helsinki-malmi en"),
])
def test_a_path_through_the_guidance_passes_axe_on_every_page(page, live_server, network, axe_violations, language,
                                                               matter, answers, heading, said):
    start(page, live_server, language)
    assert axe_violations(page) == [], pretty(axe_violations(page))
    answer(page, language, matter, **answers)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert said in page.locator("main").inner_text()
    assert axe_violations(page) == [], pretty(axe_violations(page))
    assert GuidanceRecord.objects.get().language == language


def test_the_error_summary_passes_axe_and_names_each_missing_answer(page, live_server, network, axe_violations):
    page.goto(live_server.url + "/guidance/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Show guidance").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_count(4)  # waits for the answer page
    summary.get_by_role("link", name="Choose your matter.").click()
    assert page.url.endswith("#id_matter_0")
    assert axe_violations(page) == [], pretty(axe_violations(page))


def test_the_whole_guidance_works_without_javascript(browser, live_server, network):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/guidance/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Show guidance").click()  # nothing chosen: the server says what is missing
    page.get_by_role("alert").wait_for(state="visible")
    answer(page, "en", "citizenship en", in_country=False)
    assert page.get_by_role("heading", level=1).inner_text() == "Visit a Finnish embassy or consulate"
    page.get_by_role("link", name="Change your answers").click()
    answer(page, "en", "citizenship en")
    assert page.get_by_role("heading", level=1).inner_text() == "Book an appointment"
    assert page.get_by_role("link", name="Book an appointment: citizenship en").get_attribute("href") == \
        "/book/?service=citizenship"
    assert GuidanceRecord.objects.count() == 2
    context.close()


def test_the_staff_page_passes_axe(page, live_server, network, axe_violations):
    User.objects.create_user("clerk", password="a long enough password", is_staff=True)
    GuidanceRecord.objects.create(date="2027-03-15", matter="asylum", outcome="contact_police_or_border",
                                  language="fi")
    page.goto(live_server.url + "/staff/guidance/")
    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill("a long enough password")
    page.locator("input[type=submit]").click()
    page.get_by_role("button", name="Suomi").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ohjauksella vältetyt käynnit"
    page.get_by_role("table").wait_for(state="visible")
    assert axe_violations(page) == [], pretty(axe_violations(page))


ABROAD_LINKS = {
    "fi": ("Etsi Suomen suurlähetystö tai konsulaatti", "https://um.fi/edustustot", "Hae verkkopalvelussa",
           "https://enterfinland.fi/eServices/home/setfinnish"),
    "sv": ("Hitta en finländsk ambassad eller ett konsulat", "https://um.fi/beskickningar", "Ansök i e-tjänsten",
           "https://enterfinland.fi/eServices/home/setswedish"),
    "en": ("Find a Finnish embassy or consulate", "https://um.fi/missions", "Apply in the online service",
           "https://enterfinland.fi/eServices/home/setenglish"),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_mission_abroad_and_applying_online_end_in_real_links(browser, live_server, network, axe_violations,
                                                                language, javascript):
    """At a phone's width, with JavaScript on and off: the outcomes that leave the service points link
    onward; axe-core (which needs JavaScript in the page) finds nothing."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844},
                                  locale={"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[language])
    page = context.new_page()
    page.goto(live_server.url + "/guidance/")
    answer(page, language, {"fi": "Jokin muu asia", "sv": "Något annat", "en": "Something else"}[language],
           in_country=False)
    missions_text, missions_url, online_text, online_url = ABROAD_LINKS[language]
    missions = page.get_by_role("link", name=missions_text)
    expect(missions).to_have_attribute("href", missions_url)
    expect(page.get_by_role("link", name=online_text)).to_have_attribute("href", online_url)
    if javascript:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert axe_violations(page) == [], pretty(axe_violations(page))

    page.get_by_role("link", name={"fi": "Muuta vastauksiasi", "sv": "Ändra dina svar",
                                   "en": "Change your answers"}[language]).click()
    answer(page, language, "extended-permit " + language, strong_eid=True)
    expect(page.get_by_role("link", name={"fi": "Siirry verkkopalveluun", "sv": "Gå till e-tjänsten",
                                          "en": "Go to the online service"}[language])).to_have_attribute(
        "href", online_url)
    if javascript:
        assert axe_violations(page) == [], pretty(axe_violations(page))
