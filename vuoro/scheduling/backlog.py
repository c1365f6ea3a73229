"""The appointment backlog, day by day: will more desks, Saturdays or shorter visits cut the wait?

A what-if model of a whole network of service points. Each day:

1. the day's appointments happen: customers who come are served, no-shows leave their desk
   time unused (and some of them book again);
2. capacity released that day (a lever's extra desks, extra opening days or new durations)
   becomes bookable;
3. cancellations due that day free their desk time, which others can then book when
   `refill_cancelled` is on (otherwise nobody finds it in time and it is lost);
4. people book: first those still looking for a time (first come, first served), then the
   day's new requests. Each takes the earliest day, from tomorrow to `horizon_days` ahead,
   on which a desk still has room for their service; who finds none keeps looking tomorrow.

Capacity is counted in grid cells of `slot_minutes`: a desk open 8 h 15 min on a 15-minute
grid has 33 cells, a 30-minute visit takes 2 of them, on one desk. A day fits a visit while
one of its desks has enough cells left (the time left on a desk is taken as one block, which
is how a day booked from the morning on fills up).

Demand is deterministic (requests spread evenly over the days, split among points and
services by share and rounded so that nothing is lost). Who is deflected by guidance,
who takes the earliest time at any point, who cancels and when, and who does not come are
drawn per customer from a hash of (seed, customer, purpose): the same customer has the same
fate in every variant of a scenario, so two variants differ only by what was changed.

Pure Python: no Django, no clock; calendars come in as `PointCalendar`s.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from vuoro.scheduling.calendar import PointCalendar

__all__ = [
    "BacklogResult",
    "BacklogScenario",
    "BacklogWeek",
    "DemandChange",
    "ExtraDay",
    "ExtraDesks",
    "NewDuration",
    "PointPlan",
    "simulate_backlog",
]


@dataclass(frozen=True, slots=True)
class PointPlan:
    """A service point as the model needs it: its calendar and each service's visit length."""

    id: str
    calendar: PointCalendar
    durations_minutes: Mapping[str, int]  # service code -> minutes, only services offered here


@dataclass(frozen=True, slots=True)
class ExtraDesks:
    """`desks` more desks on every open day from `first_date` to `last_date` (both included)."""

    point_id: str
    first_date: dt.date
    last_date: dt.date
    desks: int
    released_date: dt.date | None = None  # when they become bookable; None: from the start


@dataclass(frozen=True, slots=True)
class ExtraDay:
    """An extra opening (a Saturday, say) with its own hours and desks, on top of any usual ones."""

    point_id: str
    date: dt.date
    opens: dt.time
    closes: dt.time
    desks: int
    released_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class NewDuration:
    """From `from_date`, visits for `service` take `minutes` (at `point_ids`, or everywhere).

    Applies to visits booked from `released_date` on (default: the start) for days from
    `from_date`; visits booked earlier keep the length they were booked with.
    """

    service: str
    minutes: int
    from_date: dt.date
    point_ids: tuple[str, ...] = ()
    released_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class DemandChange:
    """From `from_date`, new requests per week and/or the share deflected by guidance change."""

    from_date: dt.date
    demand_per_week: float | None = None
    deflection_share: float | None = None


@dataclass(frozen=True)
class BacklogScenario:
    """Everything one run needs, as plain data."""

    start_date: dt.date
    weeks: int
    points: tuple[PointPlan, ...]
    demand_per_week: float
    slot_minutes: int = 15
    horizon_days: int = 180
    service_mix: Mapping[str, float] = field(default_factory=dict)  # empty: all services alike
    point_shares: Mapping[str, float] = field(default_factory=dict)  # empty: by desk time
    any_point_share: float = 0.0  # who takes the earliest time at any point offering the service
    initial_waiting: int = 0  # looking for a time at the start, none found yet
    initial_bookings: int = 0  # holding a time at the start: this many, booked earliest first
    initial_booked_days: int = 0  # ... or: every time in the first this many days is taken
    no_show_rate: float = 0.0
    no_show_rebook_share: float = 0.0  # of the no-shows, who books again the same day
    cancellation_rate: float = 0.0  # of bookings, cancelled on a day between booking and visit
    refill_cancelled: bool = True  # freed times are offered again (else they go unused)
    deflection_share: float = 0.0  # of requests, sent online by guidance: no visit needed
    extra_desks: tuple[ExtraDesks, ...] = ()
    extra_days: tuple[ExtraDay, ...] = ()
    new_durations: tuple[NewDuration, ...] = ()
    demand_changes: tuple[DemandChange, ...] = ()
    seed: int = 1


@dataclass(frozen=True, slots=True)
class BacklogWeek:
    """One week's figures. Counts are people; times are days."""

    week_start_date: dt.date
    capacity: int  # visits of the week's service mix its open desk time holds
    demand: int  # new requests for a visit
    deflected: int  # of those, sent online by guidance
    served: int
    no_shows: int
    cancelled: int
    waiting: int  # at the week's end: holding a future time, or still looking for one
    booked: int  # ... of them holding a time
    unbooked: int  # ... of them still looking
    lead_time_days: float | None  # mean, booking day to visit, of those who booked this week
    request_to_visit_days: float | None  # mean, request to visit (looking included), same people
    days_to_earliest_free: float | None  # at the week's end, weighted over points (see README)
    desk_hours: float  # open desk time of the week
    booked_desk_hours: float  # of it, taken by visits (no-shows included)


@dataclass(frozen=True, slots=True)
class BacklogResult:
    """The weeks, and the fate of everybody who took part (for checking that nobody is lost)."""

    weeks: tuple[BacklogWeek, ...]
    customers: int  # initial bookings + initial waiting + requests
    served: int
    deflected: int
    cancelled: int
    no_shows_gone: int  # no-shows who did not book again
    booked_at_end: int
    unbooked_at_end: int
    served_customer_ids: tuple[int, ...] = ()  # only with record_served=True


_MASK64 = (1 << 64) - 1
_UNIT = 1.0 / 65536  # each decision reads 16 of the 64 bits: shares to 1/65,536 are plenty here


def _draws(seed: int, customer: int, round_number: int) -> int:
    """64 random bits fixed by (seed, customer, round): SplitMix64's finaliser.

    Round 0 decides a request (bits 0-15: deflected?, 16-31: any point?); round n >= 1 the
    customer's n-th booking (0-15: cancelled?, 16-31: on which day, 32-47: no-show?,
    48-63: books again?).
    """
    z = (seed * 0x9E3779B97F4A7C15 + customer * 0xBF58476D1CE4E5B9 + round_number * 0x94D049BB133111EB) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _minutes_between(opens: dt.time, closes: dt.time) -> int:
    return (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)


class _Booking:
    """A time held: who, where, which desk, how many cells, since when."""

    __slots__ = ("customer", "point", "service", "day", "desk", "cells", "request_day", "attempt", "draws",
                 "cancelled")

    def __init__(self, customer, point, service, day, desk, cells, request_day, attempt, draws):
        self.customer, self.point, self.service, self.day = customer, point, service, day
        self.desk, self.cells, self.request_day = desk, cells, request_day
        self.attempt, self.draws, self.cancelled = attempt, draws, False


def simulate_backlog(
    *,
    scenario: BacklogScenario,
    on_progress: Callable[[float], None] | None = None,
    record_served: bool = False,
) -> BacklogResult:
    """Run the backlog model over `scenario.weeks` weeks and report each week.

    The same scenario always gives the same result. `on_progress`, when given, is called with
    the share of weeks done after each week. Raises ValueError for a scenario the model
    cannot run (no points, a service nobody offers, shares that sum to nothing).
    """
    return _Run(scenario, record_served).run(on_progress)


class _Run:
    def __init__(self, scenario: BacklogScenario, record_served: bool):
        self.scenario = s = scenario
        if not s.points:
            raise ValueError("the scenario has no service points")
        if s.weeks < 1 or s.horizon_days < 1 or s.slot_minutes < 1:
            raise ValueError("weeks, horizon_days and slot_minutes must be at least 1")
        self.record_served = record_served
        # Without cancellations or no-shows nobody's booking needs random draws.
        self.fates_drawn = bool(s.cancellation_rate or s.no_show_rate)
        self.days = s.weeks * 7
        # Visits can be booked up to the horizon beyond the last simulated day.
        self.calendar_days = self.days + s.horizon_days + 1
        self.point_index = {plan.id: index for index, plan in enumerate(s.points)}
        services = sorted({code for plan in s.points for code in plan.durations_minutes})
        self.services = services
        self.service_index = {code: index for index, code in enumerate(services)}
        self._build_capacity()
        self._build_shares()
        self.pending_releases: dict[int, list[Callable[[int], None]]] = {}
        self._schedule_levers()

    # -- capacity -------------------------------------------------------------------------
    def _day(self, date: dt.date) -> int:
        return (date - self.scenario.start_date).days

    def _cells(self, minutes: int) -> int:
        return -(-minutes // self.scenario.slot_minutes)  # a visit takes every cell it touches

    def _build_capacity(self) -> None:
        s = self.scenario
        slot = s.slot_minutes
        self.room: list[list[list[int]]] = []  # point -> day -> cells left on each desk
        self.desk_cells: list[list[list[int]]] = []  # point -> day -> cells each desk opens with
        self.visit_cells: list[list[list[int] | None]] = []  # point -> service -> day -> cells a visit takes
        one_day = dt.timedelta(days=1)
        for plan in s.points:
            room, opened = [], []
            date = s.start_date
            for _ in range(self.calendar_days):
                opening = plan.calendar.opening_on(date)
                if opening is None:
                    room.append([])
                    opened.append([])
                else:
                    cells = int(opening.interval.duration.total_seconds() // 60) // slot
                    room.append([cells] * opening.desks)
                    opened.append([cells] * opening.desks)
                date += one_day
            self.room.append(room)
            self.desk_cells.append(opened)
            self.visit_cells.append([
                [self._cells(plan.durations_minutes[code])] * self.calendar_days if code in plan.durations_minutes
                else None
                for code in self.services
            ])
        # earliest[p][s]: no day before it has room for service s at point p (a search cursor),
        # except the days in holes[p]: those where a cancellation gave time back (sorted).
        self.earliest = [[0] * len(self.services) for _ in s.points]
        self.holes: list[list[int]] = [[] for _ in s.points]
        self.smallest_visit = [self._smallest_visit(point) for point in range(len(s.points))]

    def _smallest_visit(self, point: int) -> list[int]:
        """Per day, the cells of the shortest visit the point offers."""
        rows = [row for row in self.visit_cells[point] if row is not None]
        return [min(cells) for cells in zip(*rows, strict=True)] if rows else [0] * self.calendar_days

    def _reopen(self, point: int, day: int) -> None:
        """A lever added room from `day` on: every search at the point must look there again."""
        row = self.earliest[point]
        for service, cursor in enumerate(row):
            if day < cursor:
                row[service] = day

    def _schedule_levers(self) -> None:
        s = self.scenario

        def release_day(released_date: dt.date | None) -> int:
            return 0 if released_date is None else max(0, self._day(released_date))

        def point_of(point_id: str) -> int:
            if point_id not in self.point_index:
                raise ValueError(f"a lever names an unknown service point {point_id!r}")
            return self.point_index[point_id]

        for lever in s.extra_desks:
            point = point_of(lever.point_id)
            self._at(release_day(lever.released_date), self._extra_desks_release(point, lever))
        for lever in s.extra_days:
            point = point_of(lever.point_id)
            self._at(release_day(lever.released_date), self._extra_day_release(point, lever))
        for lever in s.new_durations:
            if lever.service not in self.service_index:
                raise ValueError(f"a lever names a service no point offers: {lever.service!r}")
            points = [point_of(point_id) for point_id in lever.point_ids] or range(len(s.points))
            self._at(release_day(lever.released_date), self._duration_release(points, lever))

    def _at(self, day: int, action: Callable[[int], None]) -> None:
        self.pending_releases.setdefault(day, []).append(action)

    def _extra_desks_release(self, point: int, lever: ExtraDesks) -> Callable[[int], None]:
        def release(today: int) -> None:
            first = max(self._day(lever.first_date), today + 1)
            last = min(self._day(lever.last_date), self.calendar_days - 1)
            for day in range(first, last + 1):
                opened = self.desk_cells[point][day]
                if opened:  # only on days the point is open anyway
                    cells = max(opened)
                    opened.extend([cells] * lever.desks)
                    self.room[point][day].extend([cells] * lever.desks)
            if first <= last:
                self._reopen(point, first)

        return release

    def _extra_day_release(self, point: int, lever: ExtraDay) -> Callable[[int], None]:
        def release(today: int) -> None:
            day = self._day(lever.date)
            if today < day < self.calendar_days:
                cells = _minutes_between(lever.opens, lever.closes) // self.scenario.slot_minutes
                self.desk_cells[point][day].extend([cells] * lever.desks)
                self.room[point][day].extend([cells] * lever.desks)
                self._reopen(point, day)

        return release

    def _duration_release(self, points, lever: NewDuration) -> Callable[[int], None]:
        def release(today: int) -> None:
            service = self.service_index[lever.service]
            first = max(self._day(lever.from_date), today + 1)
            cells = self._cells(lever.minutes)
            for point in points:
                row = self.visit_cells[point][service]
                if row is None or first >= self.calendar_days:
                    continue
                row[first:] = [cells] * (self.calendar_days - first)
                self.smallest_visit[point] = self._smallest_visit(point)
                self._reopen(point, first)

        return release

    # -- demand ---------------------------------------------------------------------------
    def _build_shares(self) -> None:
        s = self.scenario
        mix = {code: s.service_mix.get(code, 0.0) if s.service_mix else 1.0 for code in self.services}
        if s.point_shares:
            weights = [s.point_shares.get(plan.id, 0.0) for plan in s.points]
        else:  # by open desk time over the run
            weights = [sum(sum(desks) for desks in self.desk_cells[p][: self.days]) for p in range(len(s.points))]
        # stream[p][s] = share of all requests that are for service s at point p
        self.streams: list[tuple[int, int, float]] = []
        point_weights = []
        for point, plan in enumerate(s.points):
            offered = {code: mix[code] for code in plan.durations_minutes if mix[code] > 0}
            point_weights.append(weights[point] if offered else 0.0)
        total_weight = sum(point_weights)
        if total_weight <= 0:
            raise ValueError("no service point offers a service of the mix, or every share is zero")
        self.point_share = [weight / total_weight for weight in point_weights]
        self.main_service: list[int | None] = []
        for point, plan in enumerate(s.points):
            offered = {code: mix[code] for code in plan.durations_minutes if mix[code] > 0}
            mass = sum(offered.values())
            self.main_service.append(self.service_index[max(offered, key=offered.get)] if offered else None)
            for code, weight in sorted(offered.items()):
                self.streams.append((point, self.service_index[code], self.point_share[point] * weight / mass))
        self.point_mix = [
            {self.service_index[code]: mix[code] / sum(mix[c] for c in plan.durations_minutes if mix[c] > 0)
             for code in plan.durations_minutes if mix[code] > 0}
            for plan in s.points
        ]
        self.stream_due = [0.0] * len(self.streams)  # requests owed so far, fractions included
        self.stream_made = [0] * len(self.streams)

    def _demand_on(self, date: dt.date) -> tuple[float, float]:
        per_week, deflection = self.scenario.demand_per_week, self.scenario.deflection_share
        for change in sorted(self.scenario.demand_changes, key=lambda change: change.from_date):
            if change.from_date <= date:
                if change.demand_per_week is not None:
                    per_week = change.demand_per_week
                if change.deflection_share is not None:
                    deflection = change.deflection_share
        return per_week, deflection

    # -- booking --------------------------------------------------------------------------
    def _earliest_at(self, point: int, service: int, first: int, last: int) -> tuple[int, int] | None:
        """(day, desk) of the earliest room for `service` at `point` in [first, last].

        Looks at the days cancellations reopened first, then walks on from the cursor.
        """
        cursor = self.earliest[point]
        needs = self.visit_cells[point][service]
        rooms = self.room[point]
        holes = self.holes[point]
        if holes:
            while holes and holes[0] < first:
                holes.pop(0)  # gone by: nobody books for the past again
            smallest = self.smallest_visit[point]
            for day in list(holes):
                if day > last or day >= cursor[service]:
                    break
                most = max(rooms[day])
                if most < smallest[day]:
                    holes.remove(day)  # filled again: no visit fits there any more
                elif day >= first and most >= needs[day]:
                    for desk, left in enumerate(rooms[day]):
                        if left >= needs[day]:
                            return day, desk
        day = cursor[service]
        if day < first:
            day = first
        if last >= self.calendar_days:
            last = self.calendar_days - 1
        while day <= last:
            row = rooms[day]
            cells = needs[day]
            if row and max(row) >= cells:
                if first <= cursor[service]:
                    cursor[service] = day
                for desk, left in enumerate(row):
                    if left >= cells:
                        return day, desk
            day += 1
        if first <= cursor[service]:
            cursor[service] = day
        return None

    def _earliest(self, home: int, service: int, anywhere: bool, first: int, last: int):
        if not anywhere:
            found = self._earliest_at(home, service, first, last) if self.visit_cells[home][service] else None
            return (home, *found) if found else None
        best = None
        for point in [home, *(p for p in range(len(self.scenario.points)) if p != home)]:
            if self.visit_cells[point][service] is None:
                continue
            holes = self.holes[point]
            bound = min(self.earliest[point][service], holes[0]) if holes else self.earliest[point][service]
            if best is not None and max(first, bound) >= best[1]:
                continue  # nothing there before the best found so far
            found = self._earliest_at(point, service, first, last if best is None else best[1] - 1)
            if found and (best is None or found[0] < best[1]):
                best = (point, *found)
        return best

    def _book(self, customer, home, service, anywhere, today, request_day, attempt, last_day=None) -> bool:
        s = self.scenario
        found = self._earliest(home, service, anywhere, today + 1, today + s.horizon_days if last_day is None
                               else last_day)
        if found is None:
            return False
        point, day, desk = found
        cells = self.visit_cells[point][service][day]
        self.room[point][day][desk] -= cells
        draws = _draws(s.seed, customer, attempt + 1) if self.fates_drawn else 0
        booking = _Booking(customer, point, service, day, desk, cells, request_day, attempt, draws)
        self.appointments[day].append(booking)
        self.booked += 1
        if (draws & 0xFFFF) * _UNIT < s.cancellation_rate:
            # Cancelled on a day after booking, before the visit (on the day itself at the latest).
            span = day - today - 1
            cancel_day = today + 1 + int(((draws >> 16) & 0xFFFF) * _UNIT * span)
            self.cancellations.setdefault(max(cancel_day, 0), []).append(booking)
        if today >= 0:
            self.week_lead_days += day - today
            self.week_request_days += day - request_day
            self.week_bookings += 1
        return True

    # -- the run --------------------------------------------------------------------------
    def run(self, on_progress) -> BacklogResult:
        s = self.scenario
        self.appointments: list[list[_Booking]] = [[] for _ in range(self.calendar_days)]
        self.cancellations: dict[int, list[_Booking]] = {}
        self.looking: dict[tuple[int, int, bool], deque] = {}  # (point, service, anywhere) -> FIFO
        self.booked = 0
        self.week_lead_days = self.week_request_days = self.week_bookings = 0
        totals = dict(served=0, deflected=0, cancelled=0, no_shows_gone=0)
        served_ids: list[int] = []
        self._seed_initial_state()
        weeks: list[BacklogWeek] = []
        week = _WeekTally()
        one_day = dt.timedelta(days=1)
        date = s.start_date
        for today in range(self.days):
            # Cancellations first: a visit cancelled for today must not also be served today.
            self._cancel(today, week, totals)
            self._serve(today, week, totals, served_ids)
            for action in self.pending_releases.pop(today, ()):
                action(today)
            self._look_again(today)
            self._new_requests(today, date, week, totals)
            for customer, point, service, anywhere, request_day, attempt in self.rebooking:
                self._book_or_wait(customer, point, service, anywhere, today, request_day, attempt)
            self.rebooking = []
            if today % 7 == 6:
                weeks.append(self._close_week(today, date - dt.timedelta(days=6), week))
                week = _WeekTally()
                if on_progress is not None:
                    on_progress(len(weeks) / s.weeks)
            date += one_day
        unbooked = sum(len(queue) for queue in self.looking.values())
        return BacklogResult(
            weeks=tuple(weeks), customers=self.customers, served=totals["served"], deflected=totals["deflected"],
            cancelled=totals["cancelled"], no_shows_gone=totals["no_shows_gone"], booked_at_end=self.booked,
            unbooked_at_end=unbooked, served_customer_ids=tuple(served_ids),
        )

    def _seed_initial_state(self) -> None:
        s = self.scenario
        self.customers = 0
        self.rebooking: list[tuple] = []
        # Initial bookings take negative ids, so that they never shift the fates of later customers.
        if s.initial_bookings or s.initial_booked_days:
            limit = s.initial_bookings or math.inf
            last_day = s.initial_booked_days - 1 if s.initial_booked_days else None
            full = [False] * len(self.streams)
            made, due = 0, [0.0] * len(self.streams)
            round_size = 64  # requests per round of the fill, spread over the streams by share
            while made < limit and not all(full):
                for index, (point, service, share) in enumerate(self.streams):
                    if full[index] or made >= limit:
                        continue
                    due[index] += share * round_size
                    while due[index] >= 1 and made < limit:
                        due[index] -= 1
                        customer = -1 - made
                        if not self._book(customer, point, service, False, -1, -1, 0, last_day):
                            full[index] = True
                            break
                        made += 1
            self.customers += made
        for number in range(s.initial_waiting):
            point, service = self._stream_for(number / max(s.initial_waiting, 1))
            self._wait(number, point, service, False, -1)
        self.customers += s.initial_waiting
        self.next_customer = s.initial_waiting

    def _stream_for(self, fraction: float) -> tuple[int, int]:
        cumulative = 0.0
        for point, service, share in self.streams:
            cumulative += share
            if fraction < cumulative:
                return point, service
        point, service, _ = self.streams[-1]
        return point, service

    def _wait(self, customer, point, service, anywhere, request_day, attempt=0) -> None:
        self.looking.setdefault((point, service, anywhere), deque()).append((customer, request_day, attempt))

    def _book_or_wait(self, customer, point, service, anywhere, today, request_day, attempt=0) -> None:
        queue = self.looking.get((point, service, anywhere))
        if queue or not self._book(customer, point, service, anywhere, today, request_day, attempt):
            # Someone with the same needs is still looking: then there is no room for this one either.
            self._wait(customer, point, service, anywhere, request_day, attempt)

    def _serve(self, today, week, totals, served_ids) -> None:
        s = self.scenario
        for booking in self.appointments[today]:
            if booking.cancelled:
                continue
            self.booked -= 1
            if ((booking.draws >> 32) & 0xFFFF) * _UNIT < s.no_show_rate:
                week.no_shows += 1
                if (booking.draws >> 48) * _UNIT < s.no_show_rebook_share:
                    self.rebooking.append((booking.customer, booking.point, booking.service, False,
                                           booking.request_day, booking.attempt + 1))
                else:
                    totals["no_shows_gone"] += 1
                continue
            week.served += 1
            totals["served"] += 1
            if self.record_served:
                served_ids.append(booking.customer)
        self.appointments[today] = []
        slot_hours = s.slot_minutes / 60
        for point in range(len(s.points)):
            opened = self.desk_cells[point][today]
            if not opened:
                continue
            mean_cells = sum(share * self.visit_cells[point][service][today]
                             for service, share in self.point_mix[point].items())
            week.capacity += sum(int(cells // mean_cells) for cells in opened) if mean_cells else 0
            week.desk_hours += sum(opened) * slot_hours
            week.booked_desk_hours += (sum(opened) - sum(self.room[point][today])) * slot_hours

    def _cancel(self, today, week, totals) -> None:
        for booking in self.cancellations.pop(today, ()):
            if booking.cancelled or booking.day < today:
                continue
            booking.cancelled = True
            self.booked -= 1
            week.cancelled += 1
            totals["cancelled"] += 1
            if self.scenario.refill_cancelled:
                self.room[booking.point][booking.day][booking.desk] += booking.cells
                holes = self.holes[booking.point]
                if booking.day > today and booking.day not in holes:
                    bisect.insort(holes, booking.day)

    def _look_again(self, today) -> None:
        for (point, service, anywhere), queue in self.looking.items():
            while queue:
                customer, request_day, attempt = queue[0]
                if not self._book(customer, point, service, anywhere, today, request_day, attempt):
                    break  # nobody behind with the same needs finds room either
                queue.popleft()

    def _new_requests(self, today, date, week, totals) -> None:
        s = self.scenario
        per_week, deflection = self._demand_on(date)
        daily = per_week / 7
        for index, (point, service, share) in enumerate(self.streams):
            self.stream_due[index] += daily * share
            count = int(self.stream_due[index] + 1e-9) - self.stream_made[index]
            self.stream_made[index] += count
            for _ in range(count):
                customer = self.next_customer
                self.next_customer += 1
                self.customers += 1
                week.demand += 1
                draws = _draws(s.seed, customer, 0) if deflection or s.any_point_share else 0
                if (draws & 0xFFFF) * _UNIT < deflection:
                    week.deflected += 1
                    totals["deflected"] += 1
                    continue
                anywhere = ((draws >> 16) & 0xFFFF) * _UNIT < s.any_point_share
                self._book_or_wait(customer, point, service, anywhere, today, today)

    def _close_week(self, today, week_start_date, week) -> BacklogWeek:
        s = self.scenario
        unbooked = sum(len(queue) for queue in self.looking.values())
        weighted = mass = 0.0
        for point in range(len(s.points)):
            service = self.main_service[point]
            if service is None or not self.point_share[point]:
                continue
            found = self._earliest_at(point, service, today + 1, today + s.horizon_days)
            if found is not None:
                weighted += self.point_share[point] * (found[0] - today)
                mass += self.point_share[point]
        bookings = self.week_bookings
        result = BacklogWeek(
            week_start_date=week_start_date,
            capacity=week.capacity,
            demand=week.demand,
            deflected=week.deflected,
            served=week.served,
            no_shows=week.no_shows,
            cancelled=week.cancelled,
            waiting=self.booked + unbooked,
            booked=self.booked,
            unbooked=unbooked,
            lead_time_days=self.week_lead_days / bookings if bookings else None,
            request_to_visit_days=self.week_request_days / bookings if bookings else None,
            days_to_earliest_free=weighted / mass if mass else None,
            desk_hours=week.desk_hours,
            booked_desk_hours=week.booked_desk_hours,
        )
        self.week_lead_days = self.week_request_days = self.week_bookings = 0
        return result


class _WeekTally:
    __slots__ = ("capacity", "demand", "deflected", "served", "no_shows", "cancelled", "desk_hours",
                 "booked_desk_hours")

    def __init__(self):
        self.capacity = self.demand = self.deflected = self.served = self.no_shows = self.cancelled = 0
        self.desk_hours = self.booked_desk_hours = 0.0
