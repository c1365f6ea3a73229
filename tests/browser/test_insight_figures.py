"""The month in figures and the observed service times in a real browser: fi, sv and en, on a desktop
and at 390 x 844, axe-clean; the charts are drawn over the tables with JavaScript and stay hidden
without it (the tables are the content), the CSV links download the same rows."""
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
FIGURES_CHARTS = ["bookings", "desk-time", "no-shows", "tickets"]  # the tables with a chart of their weeks
CAPTIONS = {"fi": ("Tehtyjen varausten ennakko viikoittain",
                   "Havaitut palveluminuutit sekä asetettu ja suositeltu kesto"),
            "sv": ("Bokningarnas framförhållning vecka för vecka",
                   "Observerade betjäningsminuter bredvid den inställda och den rekommenderade längden"),
            "en": ("Lead time of the bookings made, week by week",
                   "Observed service minutes beside the configured and the recommended duration")}
VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


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


def charts_drawn(page, width: int) -> list[dict]:
    """Each figure.chart on the page: visible, its canvas holding a Chart.js chart, its size and its series."""
    return page.evaluate("""(width) => Array.from(document.querySelectorAll('figure.chart')).map((figure) => {
        const canvas = figure.querySelector('canvas'), box = canvas.getBoundingClientRect();
        const chart = Chart.getChart(canvas);
        return {table: figure.dataset.table, hidden: figure.hidden, width: box.width, height: box.height,
                fits: box.left >= 0 && box.right <= width, drawn: !!chart,
                series: chart ? chart.data.datasets.map((d) => [d.label, d.data]) : null,
                labels: chart ? chart.data.labels : null};
    })""", width)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_both_pages_with_their_charts(browser, live_server, analyst, computed, language, viewport,  # noqa: F811
                                      axe_violations):
    width = viewport["width"]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    log_in(page, live_server, "/staff/insight/figures/")
    page.get_by_role("button", name=LANGUAGE_BUTTONS[language]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_label({"fi": "Kuukausi", "sv": "Månad", "en": "Month"}[language], exact=True).fill("2026-03")
    page.locator("form.figures-filter button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language][0])
    expect(page.locator("#bookings tbody tr[data-key='2026-03'] td").first).to_have_text("7")
    expect(page.locator("#no-shows tbody tr[data-key='2026-W13']")).to_have_count(1)
    expect(page.locator("figure.chart").first).to_be_visible()  # drawn by script after the page loads
    expect(page.locator("#bookings-chart-caption")).to_have_text(CAPTIONS[language][0])
    charts = charts_drawn(page, width)
    assert [chart["table"] for chart in charts] == FIGURES_CHARTS
    for chart in charts:
        assert not chart["hidden"] and chart["drawn"] and chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["fits"] and chart["labels"] == ["9", "10", "11", "12", "13", "14"], chart  # the ISO weeks
    # Drawn from the table's week rows (tests/insights/conftest.py): bookings made in W09 lead 1, W10 1,
    # W11 16 and 30, W12 5, W13 0, W14 0 (the one booked at 01:30 on Monday 30 March, summer time).
    assert [values for _label, values in charts[0]["series"]] == [
        [1, 1, 23, 5, 0, 0], [1, 1, 16, 5, 0, 0], [1, 1, 30, 5, 0, 0]]  # mean, median, 90th percentile
    # No-shows in per cent: W10 one of three visits due, W13 two of three, W14 none of one; no visits due
    # in the other weeks (Wednesday 25 March was closed).
    assert charts[2]["series"][0][1] == [None, 33.3, None, None, 66.7, 0]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # wide tables scroll in their region
    assert axe_violations(page) == [], pretty(axe_violations(page))
    with page.expect_download() as download:
        page.locator("a[href^='/staff/insight/figures.csv']").click()
    assert open(download.value.path(), encoding="utf-8").readline().startswith("group,key,name,first_date")

    page.locator("a[href^='/staff/insight/service-times/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language][1])
    expect(page.locator("#service-times tbody tr")).to_have_count(4)  # 2 services x (malmi, all points)
    expect(page.locator("figure.chart")).to_be_visible()
    expect(page.locator("#times-chart-caption")).to_have_text(CAPTIONS[language][1])
    [chart] = charts_drawn(page, width)
    assert chart["drawn"] and chart["width"] > 100 and chart["height"] > 100 and chart["fits"], chart
    # One row a service across all points: the median, the 90th percentile, configured and recommended.
    assert sorted(zip(*(values for _label, values in chart["series"]), strict=True)) == [
        (14, 20, 15, 30), (31, 40, 30, 45)]  # citizenship, extended-permit (tests/insights/test_service_times.py)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
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
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server, "/staff/insight/figures/")
    page.get_by_role("button", name="Suomi").click()
    page.get_by_label("Kuukausi", exact=True).fill("2026-03")
    page.get_by_label("Palvelu", exact=True).select_option("citizenship")
    page.locator("form.figures-filter button[type=submit]").click()
    expect(page.locator("#bookings tbody tr[data-key='2026-03'] td").first).to_have_text("3")
    expect(page.locator("#tickets")).to_have_count(1)
    expect(page.locator("#tickets tbody")).to_have_count(0)  # queue numbers are not counted per service
    # The charts need JavaScript; the tables do not.
    expect(page.locator("figure.chart")).to_have_count(3)  # no chart for the queue numbers of one service
    for figure in page.locator("figure.chart").all():
        expect(figure).to_be_hidden()
    expect(page.locator("#bookings")).to_be_visible()
    page.locator("a[href^='/staff/insight/service-times/']").click()
    expect(page.locator("#service-times tbody tr")).to_have_count(2)  # citizenship at malmi and at all points
    expect(page.locator("figure.chart")).to_be_hidden()
    expect(page.locator("#service-times")).to_be_visible()
    context.close()


def test_one_service_draws_no_empty_chart(page, live_server, analyst, computed):  # noqa: F811
    """Desk time is not shared out by service: with one service chosen its cells are all "–", so its
    chart stays hidden rather than drawn empty; the lead time's is drawn."""
    log_in(page, live_server, "/staff/insight/figures/")
    page.goto(f"{live_server.url}/staff/insight/figures/?month=2026-03&service=citizenship")
    expect(page.locator("figure[data-table='bookings']")).to_be_visible()
    expect(page.locator("figure[data-table='desk-time']")).to_be_hidden()
    expect(page.locator("figure[data-table='no-shows']")).to_be_visible()
