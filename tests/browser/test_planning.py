"""The planning page in a real browser: the summer example's charts, table and CSV, in two languages."""
import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from vuoro.network.roles import MANAGER, ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager():
    ensure_staff_groups()
    user = User.objects.create_user("manager", password="planning-secret-1", is_staff=True)
    user.groups.add(Group.objects.get(name=MANAGER))
    return user


def log_in(page, live_server):
    page.goto(live_server.url + "/admin/login/?next=/staff/planning/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "planning-secret-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/staff/planning/")


def test_runs_the_summer_example_with_charts_table_and_csv_in_two_languages(page, live_server, manager,
                                                                            axe_violations):
    log_in(page, live_server)
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Scenario", exact=True).select_option("example:summer-2021.toml")
    page.get_by_role("button", name="Open and run").click()
    table = page.get_by_role("table", name="Week by week: baseline (without levers) and scenario")
    expect(table.locator("tbody tr")).to_have_count(14)  # waits for the run's page
    lead_chart = page.get_by_role("img", name="Lead time per week (days)", exact=False)
    lead_chart.wait_for(state="visible")  # the charts are drawn by script after the page loads
    assert page.locator("figure.chart canvas").count() == 2
    assert page.evaluate("() => !!Chart.getChart(document.querySelector('figure.chart canvas'))")
    assert axe_violations(page) == [], pretty(axe_violations(page))

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the weeks (CSV)").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert rows[0][:3] == ["week_start", "capacity_baseline", "capacity_scenario"] and len(rows) == 15
    assert rows[1][0] == table.locator("tbody tr").first.get_attribute("data-week")

    # The language buttons come back to the same run, now in Finnish.
    page.get_by_role("button", name="Suomi").click()
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.get_by_role("heading", level=1).inner_text() == "Kapasiteetin suunnittelu"
    expect(page.locator("#weeks tbody tr")).to_have_count(14)
    page.locator("figure.chart canvas").first.wait_for(state="visible")
    assert axe_violations(page) == [], pretty(axe_violations(page))


def test_works_without_javascript(browser, live_server, manager):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.get_by_role("button", name="Svenska").click()
    page.locator("#id_text").fill(page.locator("#id_text").input_value().replace("weeks = 14", "weeks = 3"))
    page.locator("button[name=action][value=run]").click()
    expect(page.locator("#weeks tbody tr")).to_have_count(3)
    assert not page.locator("figure.chart").first.is_visible()  # the charts need JavaScript; the table does not
    context.close()
