"""The insight page in a real browser: the analyst signs in, reads the goal against twelve weeks of
demo history as a chart over its table, in Finnish, Swedish and English, axe-clean, at 390 px too,
and without JavaScript."""
import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from tests.factories import load_network
from vuoro.insights.demo import demo_lead_time_history
from vuoro.network.roles import ANALYST, ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADINGS = {"fi": "Odotus vapaaseen aikaan", "sv": "Väntan på en tid", "en": "The wait for a time"}
LANGUAGE_BUTTONS = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


@pytest.fixture
def history():
    load_network(horizon_days=180, services=[("extended-permit", 30), ("citizenship", 45)],
                 points=[dict(id=p, desks=2, services=["extended-permit", "citizenship"]) for p in ("p1", "p2")])
    demo_lead_time_history(now=timezone.now())
    ensure_staff_groups()
    user = User.objects.create_user("analyst", password="insight-secret-1", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    return user


def log_in(page, live_server):
    page.goto(live_server.url + "/admin/login/?next=/staff/insight/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "insight-secret-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/staff/insight/")


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_analyst_reads_the_wait_against_the_goal_in_three_languages(browser, live_server, history,
                                                                        axe_violations, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log_in(page, live_server)
    for language in ("en", "fi", "sv"):
        page.get_by_role("button", name=LANGUAGE_BUTTONS[language]).click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language])
        expect(page.locator("#weeks tbody tr")).to_have_count(12)
        expect(page.locator("#points tbody tr")).to_have_count(2)
        expect(page.locator("figure.chart")).to_be_visible()  # drawn by script after the page loads
        assert page.evaluate("() => !!Chart.getChart(document.querySelector('figure.chart canvas'))")
        box = page.locator("figure.chart canvas").bounding_box()
        assert box["width"] > 100 and box["height"] > 100 and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert axe_violations(page) == [], pretty(axe_violations(page))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    context.close()


def test_filters_and_the_csv_and_works_without_javascript(browser, live_server, history):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server)
    page.get_by_role("button", name="English").click()
    page.get_by_label("Service", exact=True).select_option("citizenship")
    page.get_by_role("spinbutton", name="Weeks shown").fill("4")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#weeks tbody tr")).to_have_count(4)
    expect(page.locator("#weeks thead th")).to_have_count(2)  # the week and the one service
    assert not page.locator("figure.chart").is_visible()  # the chart needs JavaScript; the table does not
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the hourly history (CSV)").click()
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert lines[0].startswith("hour,service,service_point") and len(lines) > 1
    assert all(",citizenship," in line for line in lines[1:])
    context.close()
