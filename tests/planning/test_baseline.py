"""The baseline: a scenario with its levers taken out, and nothing else changed."""
import dataclasses
import datetime as dt
from pathlib import Path

from vuoro.planning.scenario import Scenario, WalkInScenario, load_scenario, parse_scenario, without_levers
from vuoro.scheduling.backlog import DemandChange, ExtraDesks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LEVERS = ("extra_desks", "extra_days", "new_durations", "demand_changes", "reminders", "waitlist_share",
          "priority_desk_share")


class TestWithoutLevers:
    def test_takes_out_every_lever_of_the_summer_example(self):
        summer = load_scenario(EXAMPLES / "summer-2021.toml")
        assert summer.backlog.extra_days and summer.backlog.extra_desks and summer.backlog.new_durations
        baseline = without_levers(summer)
        assert all(not getattr(baseline.backlog, lever) for lever in LEVERS)

    def test_keeps_everything_else(self):
        summer = load_scenario(EXAMPLES / "summer-2021.toml")
        with_demand_change = dataclasses.replace(summer, backlog=dataclasses.replace(
            summer.backlog, demand_changes=(DemandChange(from_date=dt.date(2021, 7, 1), deflection_share=0.5),)))
        baseline = without_levers(with_demand_change).backlog
        for field in dataclasses.fields(baseline):
            if field.name not in LEVERS:
                assert getattr(baseline, field.name) == getattr(summer.backlog, field.name), field.name

    def test_is_the_scenario_file_without_its_lever_tables(self):
        text = (EXAMPLES / "summer-2021.toml").read_text()
        without_tables = text[:text.index("[[backlog.")]
        parsed = parse_scenario(without_tables, filename="summer", base_dir=EXAMPLES)
        assert without_levers(load_scenario(EXAMPLES / "summer-2021.toml")) == parsed

    def test_leaves_the_original_and_a_walk_in_part_alone(self):
        summer = load_scenario(EXAMPLES / "summer-2021.toml")
        walk_in = WalkInScenario(arrivals_per_hour=30, service_minutes=10, desks=6, hours=8, seed=1)
        both = dataclasses.replace(summer, walk_in=walk_in)
        assert without_levers(both).walk_in == walk_in
        assert both.backlog.extra_desks  # the scenario itself still has its levers

    def test_is_idempotent_and_leaves_a_walk_in_only_scenario_as_it_is(self):
        summer = load_scenario(EXAMPLES / "summer-2021.toml")
        assert without_levers(without_levers(summer)) == without_levers(summer)
        walk_in_only = Scenario(walk_in=WalkInScenario(arrivals_per_hour=1, service_minutes=1, desks=1, hours=1,
                                                       seed=1), backlog=None)
        assert without_levers(walk_in_only) is walk_in_only

    def test_a_lever_added_in_code_goes_too(self):
        summer = load_scenario(EXAMPLES / "summer-2021.toml")
        more = dataclasses.replace(summer, backlog=dataclasses.replace(summer.backlog, extra_desks=(
            ExtraDesks(point_id="helsinki-malmi", first_date=dt.date(2021, 6, 1), last_date=dt.date(2021, 6, 30),
                       desks=3),)))
        assert without_levers(more).backlog.extra_desks == ()

    def test_turns_the_software_levers_off_and_keeps_who_is_priority(self):
        summer = load_scenario(EXAMPLES / "summer-2021.toml")
        levers = dataclasses.replace(summer, backlog=dataclasses.replace(
            summer.backlog, reminders=True, waitlist_share=0.5, priority_share=0.1, priority_desk_share=0.2))
        baseline = without_levers(levers).backlog
        assert (baseline.reminders, baseline.waitlist_share, baseline.priority_desk_share) == (False, 0.0, 0.0)
        assert baseline.priority_share == 0.1
