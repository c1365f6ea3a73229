"""Scenario files for `vuoro simulate`: read, check, and turn into the core's plain inputs.

No Django here either: the command, the planning benchmarks and the tests share it. A file
is checked whole; every problem is named with its key, and a file with any problem gives
no scenario at all. The keys are documented in docs/simulate.md.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from vuoro.network.networkfile import HOURS_RE, Checker, NetworkFileError, NetworkSpec, parse_network
from vuoro.scheduling.backlog import (
    BacklogResult,
    BacklogScenario,
    DemandChange,
    ExtraDay,
    ExtraDesks,
    NewDuration,
    PointPlan,
    simulate_backlog,
)
from vuoro.scheduling.calendar import DayException, PointCalendar
from vuoro.scheduling.walkin import WalkInResult, simulate_walk_in

WEEKS_PER_MONTH = 52 / 12

WALK_IN_KEYS = {"arrivals_per_hour", "service_minutes", "desks", "hours", "seed"}
BACKLOG_KEYS = {
    "network", "start_date", "weeks", "horizon_days", "demand_per_week", "demand_per_month", "service_mix",
    "point_shares", "any_point_share", "initial_waiting", "initial_bookings", "initial_booked_days",
    "no_show_rate", "no_show_rebook_share", "cancellation_rate", "refill_cancelled", "deflection_share", "seed",
    "extra_desks", "extra_days", "new_durations", "demand_changes",
    "reminders", "no_show_reduction", "waitlist_share", "priority_share", "priority_desk_share",
    "priority_release_days",
}
SHARE_KEYS = ("any_point_share", "no_show_rate", "no_show_rebook_share", "cancellation_rate", "deflection_share",
              "no_show_reduction", "waitlist_share", "priority_share", "priority_desk_share")
# The software levers: keys of [backlog] that the baseline (`without_levers`) turns off.
SOFTWARE_LEVERS_OFF = {"reminders": False, "waitlist_share": 0.0, "priority_desk_share": 0.0}


@dataclass(frozen=True, slots=True)
class WalkInScenario:
    arrivals_per_hour: float
    service_minutes: float
    desks: int
    hours: float
    seed: int


@dataclass(frozen=True)
class Scenario:
    """A checked scenario file: a walk-in part, a backlog part, or both."""

    walk_in: WalkInScenario | None
    backlog: BacklogScenario | None


@dataclass(frozen=True)
class ScenarioResult:
    walk_in: WalkInResult | None
    backlog: BacklogResult | None


class ScenarioError(ValueError):
    """A scenario file that cannot be run; `problems` names each one, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; a network file it names is read relative to it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([f"{path}: cannot read: {error}"]) from None
    return parse_scenario(text, filename=str(path), base_dir=path.parent)


def parse_scenario(text: str, *, filename: str, base_dir: Path, network: NetworkSpec | None = None) -> Scenario:
    """Check a scenario's TOML text; raise ScenarioError naming every problem.

    The backlog's network file is read relative to `base_dir`, unless `network` is given: then
    that network is used and the `network` key may be left out (the planning page passes the
    network stored in the database, and never reads a path typed into it).
    """
    check = _Checker(filename)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([f"{filename}: not valid TOML: {error}"]) from None
    check.unknown_keys("", data, {"walk_in", "backlog"})
    if "walk_in" not in data and "backlog" not in data:
        check.fail("", "nothing to simulate: add a [walk_in] or a [backlog] table")
    walk_in = backlog = None
    if "walk_in" in data:
        walk_in = _walk_in(check, data["walk_in"])
    if "backlog" in data:
        backlog = _backlog(check, data["backlog"], base_dir, network)
    if check.problems:
        raise ScenarioError(check.problems)
    return Scenario(walk_in=walk_in, backlog=backlog)


def run_scenario(
    *, scenario: Scenario, on_progress: Callable[[str, float], None] | None = None
) -> ScenarioResult:
    """Run each part of a scenario; `on_progress(part, share_done)` follows the runs."""

    def follow(part: str):
        return None if on_progress is None else (lambda share: on_progress(part, share))

    walk_in = backlog = None
    if scenario.walk_in is not None:
        w = scenario.walk_in
        walk_in = simulate_walk_in(arrivals_per_hour=w.arrivals_per_hour, service_minutes=w.service_minutes,
                                   desks=w.desks, hours=w.hours, seed=w.seed, on_progress=follow("walk_in"))
    if scenario.backlog is not None:
        backlog = simulate_backlog(scenario=scenario.backlog, on_progress=follow("backlog"))
    return ScenarioResult(walk_in=walk_in, backlog=backlog)


def without_levers(scenario: Scenario) -> Scenario:
    """The same scenario with every lever taken out: the baseline to compare it with.

    Levers are the dated changes of docs/simulate.md (extra desks, extra days, new durations
    and demand changes) and the software levers (reminders, the waitlist, desk time kept for
    priority requests). Everything else (network, demand, rates, seed, and which requests are
    priority) stays, so the two runs differ only by the levers; the walk-in part has no levers
    and stays as it is.
    """
    if scenario.backlog is None:
        return scenario
    baseline = dataclasses.replace(scenario.backlog, extra_desks=(), extra_days=(), new_durations=(),
                                   demand_changes=(), **SOFTWARE_LEVERS_OFF)
    return dataclasses.replace(scenario, backlog=baseline)


# -- checking ------------------------------------------------------------------------------

class _Checker(Checker):
    def table(self, where: str, value) -> dict | None:
        if not isinstance(value, dict):
            self.fail(where, f"must be a table, not {value!r}")
            return None
        return value

    def required(self, where: str, table: dict, key: str) -> bool:
        if key not in table:
            self.fail(f"{where}.{key}", "missing")
            return False
        return True

    def number(self, where: str, value, *, minimum: float = 0.0, above: bool = False,
               maximum: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(where, f"must be a number, not {value!r}")
            return None
        if value < minimum or (above and value == minimum):
            self.fail(where, f"must be {'above' if above else 'at least'} {minimum:g}, not {value!r}")
            return None
        if maximum is not None and value > maximum:
            self.fail(where, f"must be at most {maximum:g}, not {value!r}")
            return None
        return float(value)

    def shares(self, where: str, value, known: set[str], kind: str) -> dict[str, float]:
        table = self.table(where, value)
        if table is None:
            return {}
        result = {}
        for key, share in table.items():
            if key not in known:
                self.fail(f"{where}.{key}", f"unknown {kind}")
                continue
            number = self.number(f"{where}.{key}", share)
            if number is not None:
                result[key] = number
        if table and result and not sum(result.values()) > 0:
            self.fail(where, "the shares add up to nothing")
        return result


def _walk_in(check: _Checker, raw) -> WalkInScenario | None:
    where = "walk_in"
    table = check.table(where, raw)
    if table is None:
        return None
    check.unknown_keys(where, table, WALK_IN_KEYS)
    values = {}
    for key in ("arrivals_per_hour", "service_minutes", "hours"):
        if check.required(where, table, key):
            values[key] = check.number(f"{where}.{key}", table[key], above=key != "arrivals_per_hour")
    if check.required(where, table, "desks"):
        values["desks"] = check.integer(f"{where}.desks", table["desks"], minimum=1, maximum=100_000)
    values["seed"] = check.integer(f"{where}.seed", table.get("seed", 1), minimum=0)
    if len(values) < 5 or None in values.values():
        return None
    if values["arrivals_per_hour"] * values["hours"] > 50_000_000:
        check.fail(where, "more than 50 million arrivals: shorten hours")
        return None
    return WalkInScenario(**values)


def _backlog(check: _Checker, raw, base_dir: Path, given_network: NetworkSpec | None) -> BacklogScenario | None:
    where = "backlog"
    table = check.table(where, raw)
    if table is None:
        return None
    before = len(check.problems)
    check.unknown_keys(where, table, BACKLOG_KEYS)
    network = given_network if given_network is not None else _network(check, table, base_dir)
    start_date = check.date(f"{where}.start_date", table["start_date"]) if check.required(
        where, table, "start_date") else None
    weeks = check.integer(f"{where}.weeks", table["weeks"], minimum=1, maximum=520) if check.required(
        where, table, "weeks") else None
    demand = _demand_per_week(check, where, table, required=True)
    values: dict = {}
    for key in SHARE_KEYS:
        if key in table:
            values[key] = check.number(f"{where}.{key}", table[key], maximum=1.0)
    for key in ("initial_waiting", "initial_bookings", "initial_booked_days"):
        if key in table:
            values[key] = check.integer(f"{where}.{key}", table[key], minimum=0, maximum=10_000_000)
    if table.get("initial_bookings") and table.get("initial_booked_days"):
        check.fail(where, "give initial_bookings or initial_booked_days, not both")
    for key in ("refill_cancelled", "reminders"):
        if key in table:
            if isinstance(table[key], bool):
                values[key] = table[key]
            else:
                check.fail(f"{where}.{key}", f"must be true or false, not {table[key]!r}")
    if "no_show_reduction" in table and table.get("reminders") is not True:
        check.fail(f"{where}.no_show_reduction", "changes nothing without reminders = true")
    if "priority_release_days" in table:
        values["priority_release_days"] = check.integer(f"{where}.priority_release_days",
                                                        table["priority_release_days"], minimum=0, maximum=3660)
        if not table.get("priority_desk_share"):
            check.fail(f"{where}.priority_release_days", "changes nothing without a priority_desk_share above 0")
    values["seed"] = check.integer(f"{where}.seed", table.get("seed", 1), minimum=0)
    if network is None:
        return None
    points = {point.id: point for point in network.service_points}
    services = {service.code for service in network.services}
    horizon_days = network.horizon_days
    if "horizon_days" in table:
        horizon_days = check.integer(f"{where}.horizon_days", table["horizon_days"], minimum=1, maximum=3660)
    values["service_mix"] = check.shares(f"{where}.service_mix", table.get("service_mix", {}), services, "service")
    values["point_shares"] = check.shares(f"{where}.point_shares", table.get("point_shares", {}), set(points),
                                          "service point")
    levers = _levers(check, where, table, network)
    if len(check.problems) > before or None in (start_date, weeks, demand, horizon_days) or None in values.values():
        return None
    last_date = start_date + dt.timedelta(days=weeks * 7 + horizon_days + 1)
    plans = tuple(_point_plan(network, point, start_date, last_date) for point in network.service_points)
    return BacklogScenario(start_date=start_date, weeks=weeks, points=plans, demand_per_week=demand,
                           slot_minutes=network.slot_minutes, horizon_days=horizon_days, **levers, **values)


def _network(check: _Checker, table: dict, base_dir: Path) -> NetworkSpec | None:
    if not check.required("backlog", table, "network"):
        return None
    name = table["network"]
    if not isinstance(name, str) or not name.strip():
        check.fail("backlog.network", f"must be the path of a network file, not {name!r}")
        return None
    path = base_dir / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        check.fail("backlog.network", f"cannot read {path}: {error.strerror if isinstance(error, OSError) else error}")
        return None
    try:
        return parse_network(text, filename=str(path))
    except NetworkFileError as error:
        check.problems.extend(error.problems)
        return None


def _demand_per_week(check: _Checker, where: str, table: dict, *, required: bool) -> float | None:
    given = [key for key in ("demand_per_week", "demand_per_month") if key in table]
    if len(given) != 1:
        if given or required:
            check.fail(where, "give exactly one of demand_per_week and demand_per_month")
        return None
    number = check.number(f"{where}.{given[0]}", table[given[0]])
    if number is None:
        return None
    return number if given[0] == "demand_per_week" else number / WEEKS_PER_MONTH


def _items(check: _Checker, where: str, raw) -> list[tuple[str, dict]]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        check.fail(where, "must be an array of tables ([[...]])")
        return []
    return [(f"{where}[{index}]", item) for index, item in enumerate(raw)]


def _point_id(check: _Checker, where: str, item: dict, network: NetworkSpec) -> str | None:
    if not check.required(where, item, "service_point"):
        return None
    point_id = item["service_point"]
    if point_id not in {point.id for point in network.service_points}:
        check.fail(f"{where}.service_point", f"no service point {point_id!r} in the network file")
        return None
    return point_id


def _released(check: _Checker, where: str, item: dict) -> dt.date | None:
    return check.date(f"{where}.released_date", item["released_date"]) if "released_date" in item else None


def _levers(check: _Checker, where: str, table: dict, network: NetworkSpec) -> dict:
    extra_desks, extra_days, new_durations, demand_changes = [], [], [], []
    for here, item in _items(check, f"{where}.extra_desks", table.get("extra_desks", [])):
        check.unknown_keys(here, item, {"service_point", "from_date", "until_date", "desks", "released_date"})
        point_id = _point_id(check, here, item, network)
        first = check.date(f"{here}.from_date", item["from_date"]) if check.required(here, item, "from_date") else None
        last = check.date(f"{here}.until_date", item["until_date"]) if check.required(
            here, item, "until_date") else None
        desks = check.integer(f"{here}.desks", item["desks"], minimum=1, maximum=1000) if check.required(
            here, item, "desks") else None
        if first and last and last < first:
            check.fail(f"{here}.until_date", "is before from_date")
        if None not in (point_id, first, last, desks):
            extra_desks.append(ExtraDesks(point_id=point_id, first_date=first, last_date=last, desks=desks,
                                          released_date=_released(check, here, item)))
    for here, item in _items(check, f"{where}.extra_days", table.get("extra_days", [])):
        check.unknown_keys(here, item, {"service_point", "dates", "hours", "desks", "released_date"})
        point_id = _point_id(check, here, item, network)
        dates = []
        if check.required(here, item, "dates"):
            if isinstance(item["dates"], list) and item["dates"]:
                dates = [check.date(f"{here}.dates[{n}]", value) for n, value in enumerate(item["dates"])]
            else:
                check.fail(f"{here}.dates", "must be a list of dates")
        span = _hours(check, f"{here}.hours", item["hours"]) if check.required(here, item, "hours") else None
        desks = check.integer(f"{here}.desks", item["desks"], minimum=1, maximum=1000) if check.required(
            here, item, "desks") else None
        released = _released(check, here, item)
        if point_id and span and desks and dates and None not in dates:
            extra_days += [ExtraDay(point_id=point_id, date=date, opens=span[0], closes=span[1], desks=desks,
                                    released_date=released) for date in dates]
    codes = {service.code for service in network.services}
    for here, item in _items(check, f"{where}.new_durations", table.get("new_durations", [])):
        check.unknown_keys(here, item, {"service", "minutes", "from_date", "service_points", "released_date"})
        service = item.get("service")
        if check.required(here, item, "service") and service not in codes:
            check.fail(f"{here}.service", f"no service {service!r} in the network file")
            service = None
        minutes = check.integer(f"{here}.minutes", item["minutes"], minimum=1, maximum=1440) if check.required(
            here, item, "minutes") else None
        if minutes and minutes % network.slot_minutes:
            check.fail(f"{here}.minutes", f"{minutes} is not a multiple of slot_minutes ({network.slot_minutes})")
            minutes = None
        first = check.date(f"{here}.from_date", item["from_date"]) if check.required(here, item, "from_date") else None
        point_ids = item.get("service_points", [])
        offering = {point.id for point in network.service_points if service in point.services}
        if not isinstance(point_ids, list) or not all(isinstance(point_id, str) for point_id in point_ids):
            check.fail(f"{here}.service_points", "must be a list of service point ids")
            point_ids = None
        else:
            for point_id in point_ids:
                if service and point_id not in offering:
                    check.fail(f"{here}.service_points", f"{point_id!r} does not offer {service!r}")
        if None not in (service, minutes, first, point_ids):
            new_durations.append(NewDuration(service=service, minutes=minutes, from_date=first,
                                             point_ids=tuple(point_ids), released_date=_released(check, here, item)))
    for here, item in _items(check, f"{where}.demand_changes", table.get("demand_changes", [])):
        check.unknown_keys(here, item, {"from_date", "demand_per_week", "demand_per_month", "deflection_share"})
        first = check.date(f"{here}.from_date", item["from_date"]) if check.required(here, item, "from_date") else None
        demand = _demand_per_week(check, here, item, required=False)
        deflection = None
        if "deflection_share" in item:
            deflection = check.number(f"{here}.deflection_share", item["deflection_share"], maximum=1.0)
        if demand is None and deflection is None and not any(k in item for k in ("demand_per_week",
                                                                                "demand_per_month")):
            check.fail(here, "changes nothing: give demand_per_week, demand_per_month or deflection_share")
        if first is not None:
            demand_changes.append(DemandChange(from_date=first, demand_per_week=demand, deflection_share=deflection))
    return {"extra_desks": tuple(extra_desks), "extra_days": tuple(extra_days),
            "new_durations": tuple(new_durations), "demand_changes": tuple(demand_changes)}


def _hours(check: _Checker, where: str, value) -> tuple[dt.time, dt.time] | None:
    match = HOURS_RE.match(value) if isinstance(value, str) else None
    if match:
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h2, m2) > (h1, m1):
            return dt.time(h1, m1), dt.time(h2, m2)
    check.fail(where, f'{value!r} is not opening hours such as "09:00-15:00"')
    return None


def _point_plan(network: NetworkSpec, point, start_date: dt.date, last_date: dt.date) -> PointPlan:
    holidays: frozenset[dt.date] = frozenset()
    if network.holidays:
        years = range(start_date.year, last_date.year + 1)
        holidays = frozenset(holidays_lib.country_holidays(network.holidays, years=years).keys())
    calendar = PointCalendar(
        zone=ZoneInfo(point.timezone),
        desks=point.desks,
        weekly={weekday: (span.opens, span.closes) for weekday, span in point.hours.items()},
        exceptions={
            exception.date: DayException(
                hours=(exception.hours.opens, exception.hours.closes) if exception.hours else None,
                desks=exception.desks,
            )
            for exception in point.exceptions
        },
        holidays=holidays,
    )
    durations = {code: point.durations.get(code, network.service(code).duration_minutes) for code in point.services}
    return PointPlan(id=point.id, calendar=calendar, durations_minutes=durations)
