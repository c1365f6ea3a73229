"""Plan from today: a scenario built from the live network, the recorded demand and today's waiting.

`today_state_get` reads what happened (bookings made per week and service, walk-in tickets, the
no-show and cancellation rates) and where things stand now (bookings ahead, days to the first
free time per service). `today_scenario_toml` turns that and the manager's levers into a scenario
(the TOML of docs/simulate.md, so nothing the form makes is beyond a power user's text), and
`backtest_run` checks the model's first week against what was recorded. `now` is always passed in.
The definitions are in docs/simulate.md, "Plan from today".
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.db.models import Count
from django.db.models.functions import TruncDate

from vuoro.booking.models import Booking
from vuoro.insights.leadtimes import lead_time_list
from vuoro.network.networkfile import NetworkSpec
from vuoro.network.selectors import network_export
from vuoro.network.state import network_state
from vuoro.planning.scenario import Scenario, parse_scenario, run_scenario
from vuoro.walkin.models import Outcome, Ticket

MAX_HISTORY_WEEKS = 52
DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RecordedWeek:
    """Seven local days from `first_date`: bookings made in them (per service), walk-in tickets
    issued, and the mean days from booking to visit of the bookings made (None: none made)."""

    first_date: dt.date
    bookings: dict[str, int]
    walk_in: int
    walk_in_by_service: dict[str, int]
    lead_time_days: float | None

    @property
    def booked(self) -> int:
        return sum(self.bookings.values())


@dataclass(frozen=True)
class TodayState:
    """What the scenario is built from (docs/simulate.md, "Plan from today")."""

    now: dt.datetime
    start_date: dt.date  # today, in the network's zone: the scenario's first day
    network: NetworkSpec
    weeks: tuple[RecordedWeek, ...]  # the last `history_weeks` weeks, oldest first
    point_bookings: dict[str, int]  # bookings made in those weeks, per point
    no_show_rate: float  # of the visits due in those weeks and marked (served or absent), the absent
    visits_marked: int
    cancellation_rate: float  # of the bookings made in those weeks, those cancelled since
    bookings_ahead: int  # live bookings whose visit starts at or after `now`
    # service -> (days to the earliest free time anywhere, mean over the points offering it);
    # None: nothing free within the horizon
    first_free_days: dict[str, tuple[int, float] | None] = field(default_factory=dict)

    @property
    def history_weeks(self) -> int:
        return len(self.weeks)

    @property
    def bookings_per_week(self) -> float:
        return sum(week.booked for week in self.weeks) / len(self.weeks) if self.weeks else 0.0

    @property
    def walk_in_per_week(self) -> float:
        return sum(week.walk_in for week in self.weeks) / len(self.weeks) if self.weeks else 0.0

    @property
    def no_show_percent(self) -> float:
        return self.no_show_rate * 100

    @property
    def cancellation_percent(self) -> float:
        return self.cancellation_rate * 100

    def service_counts(self, walk_in_share: float = 0.0) -> dict[str, float]:
        """Requests per service over the weeks: bookings, plus that share of the walk-in tickets of a service."""
        counts: dict[str, float] = defaultdict(float)
        for week in self.weeks:
            for code, count in week.bookings.items():
                counts[code] += count
            for code, count in week.walk_in_by_service.items():
                counts[code] += walk_in_share * count
        return dict(counts)


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def recorded_weeks(*, start_date: dt.date, weeks: int, zone: ZoneInfo) -> tuple[RecordedWeek, ...]:
    """`weeks` weeks of seven local days from `start_date`: bookings made (held times, which are
    no one's booking yet, left out; cancelled ones counted: they were asked for), tickets issued.

    Counted in the database, a row per (day made, day of the visit, service): a national network
    makes a million bookings a month, and none of them needs to come into Python.
    """
    first = _local_midnight(start_date, zone)
    last = _local_midnight(start_date + dt.timedelta(days=7 * weeks), zone)
    made: list[Counter] = [Counter() for _ in range(weeks)]
    lead = [[0, 0] for _ in range(weeks)]
    rows = (Booking.objects.filter(created_at__gte=first, created_at__lt=last).exclude(status=Booking.Status.HELD)
            .annotate(made_date=TruncDate("created_at", tzinfo=zone)).order_by()
            .values_list("made_date", "local_date", "service__code").annotate(count=Count("id")))
    for made_date, local_date, code, number in rows:
        index = (made_date - start_date).days // 7
        made[index][code] += number
        # Days from booking to visit, by local dates: booked on Monday for Friday is 4.
        lead[index][0] += (local_date - made_date).days * number
        lead[index][1] += number
    walk_in: list[Counter] = [Counter() for _ in range(weeks)]
    totals = [0] * weeks
    # A ticket that ended in an appointment booked for the customer is that booking: not counted twice.
    end_date = start_date + dt.timedelta(days=7 * weeks)
    tickets = (Ticket.objects.filter(local_date__gte=start_date, local_date__lt=end_date)
               .exclude(outcome=Outcome.APPOINTMENT_BOOKED).order_by()
               .values_list("local_date", "service__code").annotate(count=Count("id")))
    for local_date, code, number in tickets:
        index = (local_date - start_date).days // 7
        totals[index] += number
        if code:
            walk_in[index][code] += number
    return tuple(
        RecordedWeek(first_date=start_date + dt.timedelta(days=7 * n), bookings=dict(made[n]), walk_in=totals[n],
                     walk_in_by_service=dict(walk_in[n]),
                     lead_time_days=lead[n][0] / lead[n][1] if lead[n][1] else None)
        for n in range(weeks))


def bookings_ahead_at(moment: dt.datetime) -> int:
    """Bookings held at `moment` for a visit starting then or later: made by then, not cancelled by then."""
    return (Booking.objects.filter(created_at__lte=moment, start_at__gte=moment)
            .exclude(status=Booking.Status.HELD)
            .exclude(status=Booking.Status.CANCELLED, cancelled_at__lt=moment)
            .exclude(status=Booking.Status.CANCELLED, cancelled_at__isnull=True).count())


def _first_free_days(*, now: dt.datetime, codes: list[str]) -> dict[str, tuple[int, float] | None]:
    """Each service → (the fewest, the mean) whole local days to its first free time over the points
    offering it, as the lead-times API counts them (vuoro.insights.leadtimes); None: none free."""
    state = network_state()
    found: dict[str, tuple[int, float] | None] = {}
    for code in codes:
        days = [lead.days_to_first_free for lead in lead_time_list(state=state, now=now, service_code=code)
                if lead.days_to_first_free is not None]
        found[code] = (min(days), sum(days) / len(days)) if days else None
    return found


def today_state_get(*, now: dt.datetime, history_weeks: int) -> TodayState:
    """The live network, the last `history_weeks` weeks as recorded (up to yesterday), and today's waiting."""
    network = network_export()
    zone = ZoneInfo(network.timezone)
    today = now.astimezone(zone).date()
    history_start = today - dt.timedelta(days=7 * history_weeks)
    weeks = recorded_weeks(start_date=history_start, weeks=history_weeks, zone=zone)
    first, last = _local_midnight(history_start, zone), _local_midnight(today, zone)
    known_points = {point.id for point in network.service_points}
    made = Booking.objects.filter(created_at__gte=first, created_at__lt=last).exclude(status=Booking.Status.HELD)
    # A point no longer in the network takes no demand.
    point_bookings = {point_id: number for point_id, number in made.order_by().values_list("service_point_id")
                      .annotate(count=Count("id")) if point_id in known_points}
    cancelled = made.filter(status=Booking.Status.CANCELLED).count()
    made_count = made.count()
    due = Booking.objects.filter(start_at__gte=first, start_at__lt=last)
    absent = due.filter(status=Booking.Status.NO_SHOW).count()
    marked = absent + due.filter(status=Booking.Status.DONE).count()
    return TodayState(
        now=now, start_date=today, network=network, weeks=weeks, point_bookings=point_bookings,
        no_show_rate=absent / marked if marked else 0.0, visits_marked=marked,
        cancellation_rate=cancelled / made_count if made_count else 0.0,
        bookings_ahead=bookings_ahead_at(now),
        first_free_days=_first_free_days(now=now, codes=[s.code for s in network.services]),
    )


# -- the scenario --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ExtraDesksLever:
    point_id: str
    from_date: dt.date
    until_date: dt.date
    desks: int


@dataclass(frozen=True)
class Levers:
    """What the manager changes on the form (docs/simulate.md, "Plan from today")."""

    weeks: int = 26
    extra_desks: tuple[ExtraDesksLever, ...] = ()
    saturday_points: tuple[str, ...] = ()
    saturday_opens: dt.time | None = None
    saturday_closes: dt.time | None = None
    saturday_desks: int = 1
    saturday_until: dt.date | None = None  # the last Saturday; None: every Saturday of the run
    durations: dict[str, int] = field(default_factory=dict)  # service -> minutes, where changed
    deflection_share: float = 0.0
    reminders: bool = False
    no_show_reduction: float = 0.3
    waitlist_share: float = 0.0
    walk_in_share: float = 0.0  # of the walk-in tickets, those that would be appointments (demand, not a lever)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, int | dt.date):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{key}" = {_toml_value(item)}' for key, item in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table(name: str, values: dict) -> list[str]:
    return [name] + [f"{key} = {_toml_value(value)}" for key, value in values.items() if value is not None]


def _saturdays(first: dt.date, last: dt.date, country: str | None) -> list[dt.date]:
    """The Saturdays from `first` to `last`, public holidays of the network's country left out."""
    closed = holidays_lib.country_holidays(country, years=range(first.year, last.year + 1)) if country else {}
    day = first + dt.timedelta(days=(5 - first.weekday()) % 7)
    days = []
    while day <= last:
        if day not in closed:
            days.append(day)
        day += dt.timedelta(days=7)
    return days


def scenario_values(*, state: TodayState, levers: Levers) -> dict:
    """The [backlog] table the state and the levers make (levers as the tables of docs/simulate.md)."""
    known = {service.code for service in state.network.services}
    counts = {code: count for code, count in state.service_counts(levers.walk_in_share).items() if code in known}
    weeks = max(state.history_weeks, 1)
    demand = sum(counts.values()) / weeks
    demand += levers.walk_in_share * sum(week.walk_in - sum(week.walk_in_by_service.values())
                                         for week in state.weeks) / weeks
    values: dict = {
        "start_date": state.start_date, "weeks": levers.weeks, "demand_per_week": round(demand, 3),
        "service_mix": {code: round(count, 3) for code, count in sorted(counts.items()) if count > 0} or None,
        "point_shares": dict(sorted(state.point_bookings.items())) or None,
        "initial_bookings": state.bookings_ahead,
        "no_show_rate": round(state.no_show_rate, 4),
        "cancellation_rate": round(state.cancellation_rate, 4),
    }
    if levers.reminders:
        values["reminders"] = True
        values["no_show_reduction"] = levers.no_show_reduction
    if levers.waitlist_share:
        values["waitlist_share"] = levers.waitlist_share
    last_date = state.start_date + dt.timedelta(days=7 * levers.weeks - 1)
    tables: list[tuple[str, dict]] = []
    for lever in levers.extra_desks:
        tables.append(("[[backlog.extra_desks]]", {"service_point": lever.point_id, "from_date": lever.from_date,
                                                   "until_date": lever.until_date, "desks": lever.desks}))
    if levers.saturday_points and levers.saturday_opens and levers.saturday_closes:
        dates = _saturdays(state.start_date, min(levers.saturday_until or last_date, last_date),
                           state.network.holidays)
        hours = f"{levers.saturday_opens:%H:%M}-{levers.saturday_closes:%H:%M}"
        for point_id in levers.saturday_points:
            if dates:
                tables.append(("[[backlog.extra_days]]", {"service_point": point_id, "dates": dates, "hours": hours,
                                                          "desks": levers.saturday_desks}))
    for code, minutes in sorted(levers.durations.items()):
        tables.append(("[[backlog.new_durations]]", {"service": code, "minutes": minutes,
                                                     "from_date": state.start_date}))
    if levers.deflection_share:
        # A demand change from the first day rather than the base key: the baseline leaves it out.
        tables.append(("[[backlog.demand_changes]]", {"from_date": state.start_date,
                                                      "deflection_share": levers.deflection_share}))
    return {"values": values, "tables": tables}


def today_scenario_toml(*, state: TodayState, levers: Levers) -> str:
    """The scenario as TOML (docs/simulate.md): what the page runs, and what the advanced section shows."""
    made = scenario_values(state=state, levers=levers)
    lines = [f"# Planned from today, {state.start_date}: the network stored in vuoro, the last "
             f"{state.history_weeks} weeks as recorded, today's bookings ahead.", "[backlog]"]
    lines += _table("", made["values"])[1:]
    for name, values in made["tables"]:
        lines += [""] + _table(name, values)
    return "\n".join(lines) + "\n"


def _parse(text: str, network: NetworkSpec) -> Scenario:
    return parse_scenario(text, filename="scenario", base_dir=Path("."), network=network)


# -- the back-test -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Backtest:
    """The model's first week from a recorded state, beside what was recorded that week."""

    week_start_date: dt.date
    bookings_ahead: int  # held at the start of that week
    demand: int  # bookings made that week (plus the walk-in share of its tickets)
    model_lead_time_days: float | None
    recorded_lead_time_days: float | None

    @property
    def difference_days(self) -> float | None:
        if self.model_lead_time_days is None or self.recorded_lead_time_days is None:
            return None
        return self.model_lead_time_days - self.recorded_lead_time_days


def backtest_run(*, state: TodayState, walk_in_share: float = 0.0) -> Backtest | None:
    """Run the model one week from the start of the first recorded week with a booking made in it
    (the oldest of the history's weeks when it has one), with that week's recorded demand and mix
    and the history's rates, on today's network; None when no week of the history has a booking."""
    week = next((week for week in state.weeks if week.booked), None)
    if week is None:
        return None
    zone = ZoneInfo(state.network.timezone)
    ahead = bookings_ahead_at(_local_midnight(week.first_date, zone))
    one_week = dataclasses.replace(state, start_date=week.first_date, weeks=(week,), bookings_ahead=ahead)
    text = today_scenario_toml(state=one_week, levers=Levers(weeks=1, walk_in_share=walk_in_share))
    scenario = _parse(text, state.network)
    result = run_scenario(scenario=scenario).backlog
    first = result.weeks[0]
    return Backtest(week_start_date=week.first_date, bookings_ahead=ahead, demand=first.demand,
                    model_lead_time_days=first.lead_time_days, recorded_lead_time_days=week.lead_time_days)
