"""The planning page's actions: run a scenario beside its baseline, save a scenario."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from vuoro.planning.models import NETWORK_FROM_DATABASE, Scenario
from vuoro.planning.report import week_json
from vuoro.planning.scenario import Scenario as ParsedScenario
from vuoro.planning.scenario import ScenarioError, parse_scenario, run_scenario, without_levers
from vuoro.planning.selectors import network_get
from vuoro.planning.today import Backtest, Levers, TodayState, backtest_run, today_scenario_toml, today_state_get
from vuoro.scheduling.backlog import BacklogResult, BacklogScenario

# A run happens inside the web request, twice (baseline and scenario): these caps keep a request
# to a few seconds. A run costs about 12 µs per person (bench/simulate.py: a year at 8,000
# requests a month, 122,000 people, in 1.3 s), so 150,000 people take about 2 s per run.
# Longer or larger runs belong to `vuoro simulate`, which has no such cap.
MAX_WEEKS = 104
MAX_PEOPLE = 150_000
SCENARIO_FILENAME = "scenario"


@dataclass(frozen=True)
class Comparison:
    """A scenario and its baseline (the same without levers), run over the same weeks."""

    baseline: BacklogResult
    scenario: BacklogResult
    levers: int  # how many levers the baseline lacks
    walk_in_skipped: bool  # the scenario has a [walk_in] part, which the page does not run

    @property
    def weeks(self) -> list[tuple[dt.date, dict, dict]]:
        """(first day, baseline week, scenario week), the weeks as `vuoro simulate --json` gives them."""
        return [(base.week_start_date, week_json(base), week_json(lever))
                for base, lever in zip(self.baseline.weeks, self.scenario.weeks, strict=True)]

    @property
    def capacity_added(self) -> int:
        """Visits the levers add over the run (capacity of the scenario less the baseline's)."""
        return sum(week.capacity for week in self.scenario.weeks) - sum(week.capacity for week in self.baseline.weeks)


def lever_count(backlog: BacklogScenario) -> int:
    return (len(backlog.extra_desks) + len(backlog.extra_days) + len(backlog.new_durations)
            + len(backlog.demand_changes))


def _size_problems(backlog: BacklogScenario) -> list[str]:
    problems = []
    if backlog.weeks > MAX_WEEKS:
        problems.append(_("%(file)s: backlog.weeks: at most %(most)d weeks on this page (use vuoro simulate "
                          "for longer runs), not %(weeks)d")
                        % {"file": SCENARIO_FILENAME, "most": MAX_WEEKS, "weeks": backlog.weeks})
    weekly = max([backlog.demand_per_week] + [change.demand_per_week for change in backlog.demand_changes
                                              if change.demand_per_week is not None])
    people = round(weekly * backlog.weeks) + backlog.initial_waiting + backlog.initial_bookings
    if people > MAX_PEOPLE:
        problems.append(_("%(file)s: backlog: about %(people)s people in all (demand × weeks and those at the "
                          "start); at most %(most)s on this page: use vuoro simulate for larger runs")
                        % {"file": SCENARIO_FILENAME, "people": number_format(people, force_grouping=True),
                           "most": number_format(MAX_PEOPLE, force_grouping=True)})
    return problems


def scenario_check(*, text: str, network_choice: str) -> ParsedScenario:
    """A scenario's text checked as the page runs it; raises ScenarioError listing every problem
    (the simulator's own messages, and this page's caps)."""
    network = network_get(choice=network_choice)
    # base_dir is never used: the network is given, and nothing else in a scenario names a file.
    scenario = parse_scenario(text, filename=SCENARIO_FILENAME, base_dir=Path("."), network=network)
    if scenario.backlog is None:
        raise ScenarioError([_("%(file)s: the planning page runs the [backlog] part: add one")
                             % {"file": SCENARIO_FILENAME}])
    problems = _size_problems(scenario.backlog)
    if problems:
        raise ScenarioError(problems)
    return scenario


def plan_compare(*, text: str, network_choice: str) -> Comparison:
    """Check a scenario, then run its backlog part and its baseline on the chosen network."""
    scenario = scenario_check(text=text, network_choice=network_choice)
    backlog_only = dataclasses.replace(scenario, walk_in=None)
    try:
        result = run_scenario(scenario=backlog_only).backlog
        baseline = run_scenario(scenario=without_levers(backlog_only)).backlog
    except ValueError as error:  # the model's own refusals: no points, a mix nobody offers
        raise ScenarioError([f"{SCENARIO_FILENAME}: {error}"]) from None
    return Comparison(baseline=baseline, scenario=result, levers=lever_count(scenario.backlog),
                      walk_in_skipped=scenario.walk_in is not None)


def scenario_save(*, name: str, text: str, network: str, user) -> tuple[Scenario, bool]:
    """Save a scenario under its name, replacing one of the same name; returns (scenario, created).

    Only a scenario that can be run is saved: ScenarioError otherwise, and nothing is written.
    Replacing needs the permission to change scenarios, a new one the permission to add one.
    """
    existing = Scenario.objects.filter(name=name).exists()
    if not user.has_perm("planning.change_scenario" if existing else "planning.add_scenario"):
        raise PermissionDenied
    scenario_check(text=text, network_choice=network)
    scenario, created = Scenario.objects.update_or_create(
        name=name, defaults={"text": text, "network": network}, create_defaults={
            "text": text, "network": network, "created_by": user})
    return scenario, created



@dataclass(frozen=True)
class TodayPlan:
    """A plan from today: what it was built from, its scenario text, the run beside its baseline, the back-test."""

    state: TodayState
    text: str
    comparison: Comparison
    backtest: Backtest | None


def plan_from_today(*, now: dt.datetime, history_weeks: int, levers: Levers) -> TodayPlan:
    """Build the scenario from the live network, the recorded weeks and today's waiting, run it beside its
    baseline, and back-test the model; ScenarioError (with the generated text in `text`) if it cannot run."""
    state = today_state_get(now=now, history_weeks=history_weeks)
    text = today_scenario_toml(state=state, levers=levers)
    try:
        comparison = plan_compare(text=text, network_choice=NETWORK_FROM_DATABASE)
    except ScenarioError as error:
        error.text = text
        raise
    try:
        backtest = backtest_run(state=state, walk_in_share=levers.walk_in_share)
    except ValueError:  # the model's own refusal (a mix no point offers): the plan stands, untested
        backtest = None
    return TodayPlan(state=state, text=text, comparison=comparison, backtest=backtest)
