"""The month in figures and the observed service times in a real browser: fi, sv and en, at 390 px,
axe-clean; the tables are the content (the pages have no script), the CSV links download the same rows."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from tests.insights.conftest import analyst, at, march  # noqa: F401 - fixtures
from vuoro.insights.figures import figures_month_build
from vuoro.insights.figures_compute import point_days_compute
from vuoro.network.state import network_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADINGS = {"fi": ("Kuukausi lukuina", "Havaitut palveluajat"),
            "sv": ("Månaden i siffror", "Observerade betjäningstider"),
            "en": ("The month in figures", "Observed service times")}
LANGUAGE_BUTTONS = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


@pytest.fixture
def computed(march):  # noqa: F811
    state = network_state()
    for point_id in state.points:
        point_days_compute(state=state, point_id=point_id, first_date=dt.date(2026, 2, 1),
                           last_date=dt.date(2026, 4, 30), now=at("2026-05-01", "03:00"))
    figures_month_build(month=dt.date(2026, 3, 1), now=at("2026-05-01", "03:00"))


def log_in(page, live_server, path):
    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "insight-secret-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_both_pages_at_390_px(browser, live_server, analyst, computed, language, axe_violations):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server, "/staff/insight/figures/")
    page.get_by_role("button", name=LANGUAGE_BUTTONS[language]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_label({"fi": "Kuukausi", "sv": "Månad", "en": "Month"}[language], exact=True).fill("2026-03")
    page.locator("form.figures-filter button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language][0])
    expect(page.locator("#bookings tbody tr[data-key='2026-03'] td").first).to_have_text("7")
    expect(page.locator("#no-shows tbody tr[data-key='2026-W13']")).to_have_count(1)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # wide tables scroll in their region
    assert axe_violations(page) == [], pretty(axe_violations(page))
    with page.expect_download() as download:
        page.locator("a[href^='/staff/insight/figures.csv']").click()
    assert open(download.value.path(), encoding="utf-8").readline().startswith("group,key,name,first_date")

    page.locator("a[href^='/staff/insight/service-times/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language][1])
    expect(page.locator("#service-times tbody tr")).to_have_count(4)  # 2 services x (malmi, all points)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == [], pretty(axe_violations(page))
    context.close()


def test_a_bad_month_is_told_beside_its_field(page, live_server, analyst, computed, axe_violations):  # noqa: F811
    log_in(page, live_server, "/staff/insight/figures/")
    page.get_by_role("button", name="English").click()
    page.goto(f"{live_server.url}/staff/insight/figures/?month=2026-13")
    expect(page.locator("#month-errors")).to_contain_text("year-month")
    expect(page.get_by_label("Month", exact=True)).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == [], pretty(axe_violations(page))


def test_the_filter_works_without_javascript(browser, live_server, analyst, computed):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "/staff/insight/figures/")
    page.get_by_role("button", name="Suomi").click()
    page.get_by_label("Kuukausi", exact=True).fill("2026-03")
    page.get_by_label("Palvelu", exact=True).select_option("citizenship")
    page.locator("form.figures-filter button[type=submit]").click()
    expect(page.locator("#bookings tbody tr[data-key='2026-03'] td").first).to_have_text("3")
    expect(page.locator("#tickets")).to_have_count(1)
    expect(page.locator("#tickets tbody")).to_have_count(0)  # queue numbers are not counted per service
    context.close()
