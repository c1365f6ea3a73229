"""The front page in a real browser, in each language, without JavaScript too."""
import pytest

from tests.browser.conftest import pretty
from tests.factories import load_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network():
    load_network(services=[("extended-permit", 30), ("citizenship", 45)],
                 points=[dict(id="helsinki-malmi", services=["extended-permit", "citizenship"], walk_in=(2, 60)),
                         dict(id="oulu", services=["extended-permit"])])


@pytest.mark.parametrize(("language", "heading", "point_word"), [
    ("fi", "Ajanvaraus ja jonotusnumerot", "Palvelupisteet"),
    ("sv", "Tidsbokning och könummer", "Serviceställen"),
    ("en", "Appointments and queue numbers", "Service points"),
])
def test_front_page_in_each_language_passes_axe(page, live_server, network, axe_violations, language, heading,
                                                point_word):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name={"fi": "Suomi", "sv": "Svenska", "en": "English"}[language]).click()
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_role("heading", level=1).inner_text() == heading
    page.get_by_role("heading", name=point_word).wait_for(state="visible")
    page.get_by_role("heading", name="citizenship " + language).wait_for(state="visible")
    assert axe_violations(page) == [], pretty(axe_violations(page))


def test_the_language_switch_works_without_javascript(browser, live_server, network):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Svenska").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.url == live_server.url + "/"
    context.close()
