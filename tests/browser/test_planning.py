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


def recorded_bookings():
    """A small network and two weeks of bookings made, some still ahead (the times are now's: the test
    asserts nothing about the clock)."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories import load_network
    from vuoro.booking.models import Booking
    from vuoro.network.models import Desk, Service

    load_network(services=[("extended-permit", 30), ("citizenship", 45)], points=[
        dict(id="helsinki-malmi", desks=2, services=["extended-permit", "citizenship"]),
        dict(id="turku", desks=1, services=["extended-permit"])])
    now = timezone.now()
    service = Service.objects.get(code="extended-permit")
    desk = Desk.objects.filter(service_point_id="helsinki-malmi", kind=Desk.Kind.APPOINTMENT).first()
    for n in range(20):
        created = now - dt.timedelta(days=14) + dt.timedelta(hours=n * 15)
        visit = created + dt.timedelta(days=3 + n % 5)
        Booking.objects.create(
            reservation_key=f"B{n:09d}", pin_hash="x", service_point_id="helsinki-malmi", service=service,
            desk=desk, start_at=visit, end_at=visit + dt.timedelta(minutes=30), local_date=visit.date(),
            customer_name="N", customer_email="n@example.org", email_key="n@example.org", created_at=created,
            status=Booking.Status.DONE if visit < now and n % 4 else
            Booking.Status.NO_SHOW if visit < now else Booking.Status.CONFIRMED)


@pytest.mark.parametrize("width", [1280, 390])
def test_plans_from_today_in_three_languages(browser, live_server, manager, axe_violations, width):
    recorded_bookings()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    for language, button, plan, backtest in [
        ("en", "English", "Plan from today", "Back-test: the model against the record"),
        ("fi", "Suomi", "Suunnittele tästä päivästä", "Jälkitesti: malli toteutunutta vastaan"),
        ("sv", "Svenska", "Planera från i dag", "Efterhandstest: modellen mot utfallet"),
    ]:
        page.get_by_role("button", name=button).click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        if language == "en":  # the levers, set once; the language buttons come back to the same plan
            page.locator("#id_history_weeks").fill("2")
            page.locator("#id_weeks").fill("4")
            page.locator("#id_extra_0_point").select_option("turku")
            page.locator("#id_extra_0_from").fill("2030-01-01")
            page.locator("#id_extra_0_until").fill("2030-01-31")
            page.locator("#id_extra_0_desks").fill("1")
            page.locator("#id_reminders").check()
            page.get_by_role("button", name=plan).click()
        expect(page.get_by_role("heading", name=backtest)).to_be_visible()
        expect(page.locator("#weeks tbody tr")).to_have_count(4)
        expect(page.locator("#history tbody tr")).to_have_count(2)
        assert page.locator("#backtest").get_attribute("data-recorded") != ""
        assert axe_violations(page) == [], pretty(axe_violations(page))
        # Nothing wider than the screen: the page scrolls down, not sideways (tables scroll in their box).
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    # The advanced section holds the generated TOML, ready to edit.
    page.locator("#advanced summary").click()
    expect(page.locator("#id_text")).to_contain_text("[[backlog.extra_desks]]")
    context.close()


def test_plans_from_today_without_javascript(browser, live_server, manager):
    recorded_bookings()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.locator("#id_deflection_percent").fill("150")
    page.get_by_role("button", name="Plan from today").click()
    expect(page.locator("#id_deflection_percent_error")).to_be_visible()
    page.locator("#id_deflection_percent").fill("20")
    page.get_by_role("button", name="Plan from today").click()
    expect(page.locator("#backtest")).to_be_visible()
    context.close()
