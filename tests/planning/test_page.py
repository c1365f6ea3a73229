"""The planning page: who may use it, the baseline and scenario it shows, refusals, the CSV."""
import csv
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from tests.factories import load_network
from vuoro.network.roles import CLERK, MANAGER, ensure_staff_groups
from vuoro.planning.models import Scenario
from vuoro.planning.services import MAX_PEOPLE, MAX_WEEKS

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
URL, CSV_URL = "/staff/planning/", "/staff/planning/weeks.csv"
SUMMER = (EXAMPLES / "summer-2021.toml").read_text()
SMALL = """[backlog]
start_date = 2027-03-01
weeks = 3
demand_per_week = 40
[[backlog.extra_desks]]
service_point = "helsinki-malmi"
from_date = 2027-03-01
until_date = 2027-03-19
desks = 1
"""


def staff(role: str | None, username: str = "staff", **extra) -> User:
    ensure_staff_groups()
    user = User.objects.create_user(username, password="x", is_staff=True, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def manager(client):
    user = staff(MANAGER, "manager")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the page's own words in English; the simulator's always are
    return user


def simulate_json(path: Path) -> dict:
    out = io.StringIO()
    call_command("simulate", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())["backlog"]


@pytest.fixture(scope="module")
def summer_json(tmp_path_factory):
    """`vuoro simulate --json` of the summer example, and of the same file without its lever tables."""
    folder = tmp_path_factory.mktemp("summer")
    shutil.copy(EXAMPLES / "planning-network.toml", folder)
    (folder / "baseline.toml").write_text(SUMMER[:SUMMER.index("[[backlog.")])
    return {"scenario": simulate_json(EXAMPLES / "summer-2021.toml"),
            "baseline": simulate_json(folder / "baseline.toml")}


class WeekCells(HTMLParser):
    """The data-value of each cell of the weeks table: {(week, series, variant): text}."""

    def __init__(self):
        super().__init__()
        self.cells, self.week, self.headers = {}, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-week" in attrs:
            self.week = attrs["data-week"]
        if tag == "td" and "data-series" in attrs:
            self.cells[(self.week, attrs["data-series"], attrs["data-variant"])] = attrs["data-value"]
        if tag == "th" and "scope" in attrs:
            self.headers.append(attrs["scope"])


def week_cells(response) -> WeekCells:
    parser = WeekCells()
    parser.feed(response.content.decode())
    return parser


class TestAccess:
    def test_sends_anonymous_people_to_the_login(self, client):
        response = client.get(URL)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=/staff/planning/")
        assert client.post(CSV_URL, {"text": SMALL, "network": "database"}).status_code == 302

    def test_refuses_a_clerk(self, client):
        client.force_login(staff(CLERK, "clerk"))
        assert client.get(URL).status_code == 403
        assert client.post(CSV_URL, {"text": SMALL, "network": "database"}).status_code == 403

    def test_refuses_someone_who_is_not_staff_even_with_the_permission(self, client):
        user = staff(MANAGER, "former")
        user.is_staff = False
        user.save()
        client.force_login(user)
        assert client.get(URL).status_code == 302

    def test_lets_managers_and_administrators_in_and_links_the_page_from_the_staff_area(self, client, manager):
        page = client.get(URL)
        assert page.status_code == 200
        assert "summer-2021" in page.content.decode()
        assert 'href="/staff/planning/"' in client.get("/console/").content.decode()
        client.force_login(staff(None, "admin", is_superuser=True))
        assert client.get(URL).status_code == 200
        assert 'href="/staff/planning/"' in client.get("/admin/").content.decode()


class TestRun:
    def test_the_summer_example_shows_the_numbers_of_vuoro_simulate(self, client, manager, summer_json):
        response = client.get(URL, {"scenario": "example:summer-2021.toml", "run": "1"})
        assert response.status_code == 200
        cells = week_cells(response).cells
        for variant in ("baseline", "scenario"):
            weeks = summer_json[variant]["weeks"]
            assert len(weeks) == 14
            for week in weeks:
                for series in ("lead_time_days", "waiting", "capacity"):
                    shown = cells[(week["week_start"], series, variant)]
                    assert shown == ("" if week[series] is None else str(week[series])), (week, series, variant)
        assert summer_json["baseline"]["weeks"][-1]["lead_time_days"] > summer_json["scenario"]["weeks"][-1][
            "lead_time_days"]

    def test_an_edited_scenario_runs_on_the_network_of_the_database(self, client, manager):
        load_network(points=[dict(id="helsinki-malmi", desks=2, services=["extended-permit"])])
        response = client.post(URL, {"text": SMALL, "network": "database", "action": "run"},
                               HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('data-week="') == 3
        cells = week_cells(response).cells
        assert int(cells[("2027-03-01", "capacity", "scenario")]) > int(cells[("2027-03-01", "capacity", "baseline")])
        assert "The baseline is the same scenario without its 1 lever." in html
        assert 'id="weeks"' in html and "<caption" in html and 'src="/static/vuoro/vendor/chart.umd.min.js"' in html

    def test_the_table_has_headers_for_rows_and_columns(self, client, manager):
        load_network()
        response = client.post(URL, {"text": SMALL, "network": "database", "action": "run"})
        headers = week_cells(response).headers
        assert headers.count("row") == 3 and headers.count("colgroup") == 3 and headers.count("col") == 7


class TestRefusals:
    def test_lists_every_problem_and_keeps_the_text(self, client, manager):
        text = "[backlog]\nweeks = 0\nservice_mix = { nothing = 1 }\n# my notes\n"
        response = client.post(URL, {"text": text, "network": "planning-network.toml", "action": "run"})
        assert response.status_code == 422
        html = response.content.decode()
        for problem in ("backlog.start_date: missing", "backlog.weeks: must be between 1 and 520, not 0",
                        "give exactly one of demand_per_week and demand_per_month", "nothing: unknown service"):
            assert problem in html
        assert "# my notes" in html and 'aria-invalid="true"' in html
        assert 'aria-describedby="text-help problems"' in html
        assert 'value="planning-network.toml" selected' in html

    def test_broken_toml_is_named_too(self, client, manager):
        response = client.post(URL, {"text": "[backlog\n", "network": "database", "action": "run"})
        assert response.status_code == 422 and "not valid TOML" in response.content.decode()

    def test_caps_the_size_of_a_run(self, client, manager):
        load_network()
        too_long = SMALL.replace("weeks = 3", f"weeks = {MAX_WEEKS + 1}")
        html = client.post(URL, {"text": too_long, "network": "database", "action": "run"}).content.decode()
        assert f"at most {MAX_WEEKS} weeks on this page" in html
        too_many = SMALL.replace("demand_per_week = 40", f"demand_per_week = {MAX_PEOPLE}")
        response = client.post(URL, {"text": too_many, "network": "database", "action": "run"})
        assert response.status_code == 422 and "use vuoro simulate for larger runs" in response.content.decode()

    def test_a_network_of_the_database_without_points_is_a_problem_not_an_error(self, client, manager):
        response = client.post(URL, {"text": SMALL, "network": "database", "action": "run"})
        assert response.status_code == 422
        assert "no service point" in response.content.decode()

    def test_never_reads_a_network_file_outside_the_examples(self, client, manager):
        response = client.post(URL, {"text": SMALL, "network": "../pyproject.toml", "action": "run"})
        assert response.status_code == 422
        network_field = response.content.decode().split('id="id_network"')[1].split("</div>")[0]
        assert '<p class="error">' in network_field and "[tool.pytest" not in response.content.decode()

    def test_an_unknown_scenario_is_not_found(self, client, manager):
        assert client.get(URL, {"scenario": "saved:999"}).status_code == 404
        assert client.get(URL, {"scenario": "example:../pyproject.toml"}).status_code == 404


class TestSaving:
    def test_saves_opens_and_replaces_a_scenario(self, client, manager):
        load_network()
        response = client.post(URL, {"text": SMALL, "network": "database", "name": "March", "action": "save"})
        saved = Scenario.objects.get()
        assert response.status_code == 302 and response["Location"] == f"{URL}?scenario=saved:{saved.pk}"
        assert (saved.name, saved.text, saved.network, saved.created_by) == ("March", SMALL, "database", manager)
        page = client.get(response["Location"]).content.decode()
        assert "demand_per_week = 40" in page and 'value="March"' in page
        assert f'<option value="saved:{saved.pk}" selected>March</option>' in page
        client.post(URL, {"text": SMALL.replace("= 40", "= 50"), "network": "database", "name": "March",
                          "action": "save"})
        assert Scenario.objects.get().text.count("= 50") == 1

    def test_refuses_to_save_a_scenario_that_cannot_run_or_has_no_name(self, client, manager):
        response = client.post(URL, {"text": "[backlog]\n", "network": "database", "name": "x", "action": "save"})
        assert response.status_code == 422 and "backlog.start_date: missing" in response.content.decode()
        response = client.post(URL, {"text": SMALL, "network": "database", "name": " ", "action": "save"})
        assert response.status_code == 422
        assert not Scenario.objects.exists()

    def test_the_back_office_checks_a_scenario_as_the_page_does(self, client):
        load_network()
        admin = staff(None, "admin", is_superuser=True)
        client.force_login(admin)
        add = "/admin/planning/scenario/add/"
        refused = client.post(add, {"name": "x", "network": "database", "text": "[backlog]\nweeks = 0\n"})
        assert refused.status_code == 200 and "backlog.weeks: must be between 1 and 520" in refused.content.decode()
        assert client.post(add, {"name": "x", "network": "database", "text": SMALL}).status_code == 302
        assert Scenario.objects.get().created_by == admin


class TestCsv:
    def test_gives_the_weeks_of_baseline_and_scenario_as_vuoro_simulate_does(self, client, manager, summer_json):
        response = client.post(CSV_URL, {"text": SUMMER, "network": "planning-network.toml", "name": "Summer 2021"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="planning-summer-2021-weeks.csv"'
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        keys = [key for key in summer_json["scenario"]["weeks"][0] if key != "week_start"]
        assert rows[0] == ["week_start"] + [f"{key}_{variant}" for key in keys for variant in ("baseline", "scenario")]
        assert len(rows) == 15
        for row, base, lever in zip(rows[1:], summer_json["baseline"]["weeks"], summer_json["scenario"]["weeks"],
                                    strict=True):
            assert row[0] == base["week_start"] == lever["week_start"]
            expected = ["" if week[key] is None else str(week[key]) for key in keys for week in (base, lever)]
            assert row[1:] == expected

    def test_a_scenario_that_cannot_run_gives_the_page_with_its_problems(self, client, manager):
        response = client.post(CSV_URL, {"text": "[backlog]\n", "network": "database"})
        assert response.status_code == 422 and response["Content-Type"].startswith("text/html")
        assert "backlog.start_date: missing" in response.content.decode()
