"""Scenario files: what they may hold, and how a broken one is refused (every problem, one line each)."""
import datetime as dt
from pathlib import Path

import pytest

from vuoro.planning.scenario import ScenarioError, load_scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NETWORK = """
timezone = "Europe/Helsinki"
holidays = "FI"
slot_minutes = 15
horizon_days = 60

[[services]]
code = "permit"
name = { fi = "Lupa", sv = "Tillstånd", en = "Permit" }
duration_minutes = 30

[[service_points]]
id = "malmi"
name = { fi = "Malmi", sv = "Malm", en = "Malmi" }
desks = 2
services = ["permit"]

[service_points.hours]
mon = "08:00-16:00"
tue = "08:00-16:00"
"""

BACKLOG = """
[backlog]
network = "network.toml"
start_date = 2027-03-01
weeks = 4
demand_per_week = 100
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "network.toml").write_text(NETWORK)
    return tmp_path


def problems_of(text: str, folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as refusal:
        parse_scenario(text, filename="s.toml", base_dir=folder)
    return refusal.value.problems


class TestReading:
    def test_reads_the_walk_in_table_of_the_contract(self, folder):
        scenario = parse_scenario("[walk_in]\narrivals_per_hour = 30.0\nservice_minutes = 10.0\ndesks = 6\n"
                                  "hours = 2000\nseed = 7\n", filename="s.toml", base_dir=folder)
        assert (scenario.walk_in.arrivals_per_hour, scenario.walk_in.desks, scenario.walk_in.seed) == (30.0, 6, 7)
        assert scenario.backlog is None

    def test_reads_a_backlog_with_its_network_and_levers(self, folder):
        text = BACKLOG.replace("demand_per_week = 100\n", "") + """demand_per_month = 400
[[backlog.extra_desks]]
service_point = "malmi"
from_date = 2027-03-08
until_date = "2027-03-19"
desks = 2
released_date = 2027-03-03

[[backlog.extra_days]]
service_point = "malmi"
dates = [2027-03-06, 2027-03-13]
hours = "09:00-15:00"
desks = 3

[[backlog.new_durations]]
service = "permit"
minutes = 15
from_date = 2027-03-15

[[backlog.demand_changes]]
from_date = 2027-03-15
deflection_share = 0.2
"""
        backlog = parse_scenario(text, filename="s.toml", base_dir=folder).backlog
        assert backlog.demand_per_week == pytest.approx(400 * 12 / 52)
        assert backlog.horizon_days == 60 and backlog.slot_minutes == 15
        assert backlog.extra_desks[0].last_date == dt.date(2027, 3, 19)
        assert [day.date for day in backlog.extra_days] == [dt.date(2027, 3, 6), dt.date(2027, 3, 13)]
        assert backlog.new_durations[0].minutes == 15
        assert backlog.demand_changes[0].deflection_share == 0.2
        # The network's public holidays close the point: Easter Monday 2027 is 29 March.
        assert backlog.points[0].calendar.opening_on(dt.date(2027, 3, 29)) is None
        assert backlog.points[0].calendar.opening_on(dt.date(2027, 3, 22)) is not None

    def test_the_example_scenario_is_valid(self):
        scenario = load_scenario(EXAMPLES / "summer-2021.toml")
        assert len(scenario.backlog.points) == 20


class TestRefusals:
    def test_names_every_problem_of_a_walk_in_table(self, folder):
        problems = problems_of("[walk_in]\narrivals_per_hour = -3\nservice_minutes = \"ten\"\ndesks = 2.5\n"
                               "seat = 1\n", folder)
        assert problems == [
            "s.toml: walk_in.seat: unknown key (allowed: arrivals_per_hour, desks, hours, seed, service_minutes)",
            "s.toml: walk_in.arrivals_per_hour: must be at least 0, not -3",
            "s.toml: walk_in.service_minutes: must be a number, not 'ten'",
            "s.toml: walk_in.hours: missing",
            "s.toml: walk_in.desks: must be a whole number, not 2.5",
        ]

    def test_refuses_toml_that_does_not_parse(self, folder):
        [problem] = problems_of("[walk_in\n", folder)
        assert problem.startswith("s.toml: not valid TOML:")

    def test_refuses_an_empty_scenario_and_unknown_tables(self, folder):
        assert problems_of("[walkin]\n", folder) == [
            "s.toml: walkin: unknown key (allowed: backlog, walk_in)",
            "s.toml: nothing to simulate: add a [walk_in] or a [backlog] table",
        ]

    def test_names_backlog_problems_and_references_to_nowhere(self, folder):
        text = BACKLOG.replace("weeks = 4", "weeks = 0") + """demand_per_month = 5
no_show_rate = 1.5
initial_bookings = 10
initial_booked_days = 10
service_mix = { passport = 1 }
[[backlog.extra_desks]]
service_point = "kallio"
from_date = 2027-03-08
until_date = 2027-03-01
desks = 1
[[backlog.new_durations]]
service = "permit"
minutes = 20
from_date = "next week"
"""
        problems = problems_of(text, folder)
        assert problems == [
            "s.toml: backlog.weeks: must be between 1 and 520, not 0",
            "s.toml: backlog: give exactly one of demand_per_week and demand_per_month",
            "s.toml: backlog.no_show_rate: must be at most 1, not 1.5",
            "s.toml: backlog: give initial_bookings or initial_booked_days, not both",
            "s.toml: backlog.service_mix.passport: unknown service",
            "s.toml: backlog.extra_desks[0].service_point: no service point 'kallio' in the network file",
            "s.toml: backlog.extra_desks[0].until_date: is before from_date",
            "s.toml: backlog.new_durations[0].minutes: 20 is not a multiple of slot_minutes (15)",
            "s.toml: backlog.new_durations[0].from_date: 'next week' is not a date (YYYY-MM-DD)",
        ]

    def test_passes_on_the_network_file_problems(self, folder):
        (folder / "network.toml").write_text(NETWORK.replace("desks = 2", "desks = -2"))
        [problem] = problems_of(BACKLOG, folder)
        assert problem.endswith('service_points[0] (id "malmi").desks: must be between 0 and 1000, not -2')

    def test_a_missing_network_file(self, folder):
        [problem] = problems_of(BACKLOG.replace("network.toml", "nowhere.toml"), folder)
        assert problem.startswith("s.toml: backlog.network: cannot read")


class TestSoftwareLevers:
    def test_reads_reminders_the_waitlist_and_pooled_capacity(self, folder):
        text = BACKLOG + """reminders = true
no_show_reduction = 0.4
waitlist_share = 0.5
priority_share = 0.1
priority_desk_share = 0.2
priority_release_days = 5
"""
        backlog = parse_scenario(text, filename="s.toml", base_dir=folder).backlog
        assert (backlog.reminders, backlog.no_show_reduction, backlog.waitlist_share) == (True, 0.4, 0.5)
        assert (backlog.priority_share, backlog.priority_desk_share, backlog.priority_release_days) == (0.1, 0.2, 5)

    def test_defaults_leave_every_software_lever_off(self, folder):
        backlog = parse_scenario(BACKLOG, filename="s.toml", base_dir=folder).backlog
        assert (backlog.reminders, backlog.waitlist_share, backlog.priority_share, backlog.priority_desk_share) == (
            False, 0.0, 0.0, 0.0)
        assert (backlog.no_show_reduction, backlog.priority_release_days) == (0.3, 7)

    def test_names_each_problem(self, folder):
        text = BACKLOG + """reminders = "yes"
no_show_reduction = 1.5
waitlist_share = -0.1
priority_share = "a tenth"
priority_release_days = 2.5
"""
        assert problems_of(text, folder) == [
            "s.toml: backlog.no_show_reduction: must be at most 1, not 1.5",
            "s.toml: backlog.waitlist_share: must be at least 0, not -0.1",
            "s.toml: backlog.priority_share: must be a number, not 'a tenth'",
            "s.toml: backlog.reminders: must be true or false, not 'yes'",
            "s.toml: backlog.no_show_reduction: changes nothing without reminders = true",
            "s.toml: backlog.priority_release_days: must be a whole number, not 2.5",
            "s.toml: backlog.priority_release_days: changes nothing without a priority_desk_share above 0",
        ]
