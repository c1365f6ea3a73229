"""The first step's priority code in each language: a wrong code is named beside the field, a good
one is taken and its service chosen, and axe-core finds nothing on any page visited."""
import pytest
from django.utils import timezone

from tests.browser.test_booking_pages import WORDS, Visit
from tests.factories import load_network
from vuoro.booking.priority import priority_code_issue
from vuoro.network.models import Pool, Service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE_WORDS = {
    "fi": ("Käytä koodia", "Tällaista etusijakoodia ei ole", "Etusijakoodisi on käytössä"),
    "sv": ("Använd koden", "Det finns ingen sådan förtursskod", "Din förtursskod används"),
    "en": ("Use the code", "There is no such priority code", "Your priority code is in use"),
}


@pytest.fixture
def pooled_network():
    load_network(slot_minutes=15, horizon_days=60, holidays=None,
                 services=[("extended-permit", 30), ("residence-card", 30)],
                 points=[dict(id="helsinki", services=["extended-permit", "residence-card"])],
                 pools=[dict(id="withdrawal-agreement", desks=1, public_days_before=3)])


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_priority_code_on_the_first_step(page, live_server, pooled_network, axe_violations, language):
    use, wrong, taken = CODE_WORDS[language]
    code = priority_code_issue(pool=Pool.objects.get(), service=Service.objects.get(code="residence-card"),
                               valid_days=30, note="", actor=None, now=timezone.now())[1]
    visit = Visit(page, axe_violations, language)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name=WORDS[language]["language"]).click()
    visit.click(page.get_by_role("link", name=WORDS[language]["book"]))

    page.locator("#id_priority_code").fill("AAAA-BBBB-CCCC-DDDD")
    visit.click(page.get_by_role("button", name=use))                   # → the same step, the error named
    assert wrong in page.locator("#id_priority_code_error").inner_text()
    assert page.locator("#id_priority_code").get_attribute("aria-invalid") == "true"
    assert page.locator("input[name=service]").count() == 2               # nothing lost: the choice is still there

    page.locator("#id_priority_code").fill(code.lower())
    visit.click(page.get_by_role("button", name=use))                   # → taken, its service chosen
    assert taken in page.locator("main").inner_text()
    assert page.locator("input[name=service][value=residence-card]").is_checked()
    assert page.locator("#id_priority_code").count() == 0
    visit.click(page.locator("main button.primary"))                     # → the service points
    assert "/book/point/" in page.url
