"""The appointment backlog, day by day: will more desks, Saturdays or shorter visits cut the wait?

A what-if model of a whole network of service points. Each day:

1. cancellations due that day free their desk time, which others can then book when
   `refill_cancelled` is on (otherwise nobody finds it in time and it is lost);
2. the day's appointments happen: customers who come are served, no-shows leave their desk
   time unused (and some of them book again);
3. capacity a lever releases that day (extra desks, extra opening days, new durations)
   becomes bookable;
4. people book: first those still looking for a time (first come, first served), then the
   day's new requests. Each takes the earliest day, from tomorrow to `horizon_days` ahead,
   on which a desk still has room for their service; who finds none keeps looking tomorrow.

Software levers: `reminders` prevent a share of the no-shows; with a `waitlist_share`, time a
cancellation frees before its day goes first to waitlisted people holding a later time there
(step 1), and the time each of them leaves is offered to everyone; with pooled capacity
(`priority_desk_share`), part of each desk's time is kept for priority requests until
`priority_release_days` before the day.

Desk time and where a visit fits are the appointment book's business (`backlog_book`).

Demand is deterministic (requests spread evenly over the days, split among points and
services by share and rounded so that nothing is lost). Who is deflected by guidance,
who takes the earliest time at any point, who cancels and when, and who does not come are
drawn per customer from a hash of (seed, customer, purpose) (and so are who is on the waitlist and
who is a priority request): the same customer has the same
fate in every variant of a scenario, so two variants differ only by what was changed.

Pure Python: no Django, no clock; calendars come in as `PointCalendar`s.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable

from vuoro.scheduling.backlog_book import AppointmentBook
from vuoro.scheduling.backlog_model import (
    BacklogResult,
    BacklogScenario,
    BacklogWeek,
    DemandChange,
    ExtraDay,
    ExtraDesks,
    NewDuration,
    PointPlan,
)

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


_MASK64 = (1 << 64) - 1
_UNIT = 1.0 / 65536  # each decision reads 16 of the 64 bits: shares to 1/65,536 are plenty here


def _draws(seed: int, customer: int, round_number: int) -> int:
    """64 random bits fixed by (seed, customer, round): SplitMix64's finaliser.

    Round 0 decides a request (bits 0-15: deflected?, 16-31: any point?, 32-47: on the
    waitlist?, 48-63: a priority request?); round n >= 1 the
    customer's n-th booking (0-15: cancelled?, 16-31: on which day, 32-47: no-show?,
    48-63: books again?).
    """
    z = (seed * 0x9E3779B97F4A7C15 + customer * 0xBF58476D1CE4E5B9 + round_number * 0x94D049BB133111EB) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


class _Booking:
    """A time held: who, where, which desk, how many cells, since when."""

    __slots__ = ("customer", "point", "service", "day", "desk", "cells", "request_day", "attempt", "draws",
                 "cancelled", "priority")

    def __init__(self, customer, point, service, day, desk, cells, request_day, attempt, draws, priority=False):
        self.customer, self.point, self.service, self.day = customer, point, service, day
        self.desk, self.cells, self.request_day = desk, cells, request_day
        self.attempt, self.draws, self.cancelled, self.priority = attempt, draws, False, priority


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
        # Reminders prevent a share of the no-shows: those whose draw falls below the lower rate
        # still stay away, so the people who come anyway are the same in both variants.
        self.no_show_rate = s.no_show_rate * (1 - s.no_show_reduction) if s.reminders else s.no_show_rate
        self.waitlists: list[list[_Booking]] | None = [[] for _ in s.points] if s.waitlist_share else None
        self.days = s.weeks * 7
        self.book = AppointmentBook(s, days=self.days)
        self.pooled = self.book.pooled
        self.services = self.book.services
        self.service_index = self.book.service_index
        self._build_shares()

    # -- demand ---------------------------------------------------------------------------
    def _build_shares(self) -> None:
        s = self.scenario
        mix = {code: s.service_mix.get(code, 0.0) if s.service_mix else 1.0 for code in self.services}
        if s.point_shares:
            weights = [s.point_shares.get(plan.id, 0.0) for plan in s.points]
        else:  # by open desk time over the run
            weights = [sum(sum(self.book.desk_cells_on(point, day)) for day in range(self.days))
                       for point in range(len(s.points))]
            if not any(weights):  # nowhere open: demand still comes, and waits
                weights = [1.0] * len(s.points)
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

    def _flags(self, customer: int) -> int:
        """Round 0's draws: bits 32-47 decide the waitlist, 48-63 a priority request."""
        s = self.scenario
        return _draws(s.seed, customer, 0) if s.waitlist_share or s.priority_share else 0

    def _is_priority(self, customer: int, request_day: int) -> bool:
        """Priority requests are drawn among the requests made during the run: not those at the start."""
        return request_day >= 0 and (self._flags(customer) >> 48) * _UNIT < self.scenario.priority_share

    def _book(self, customer, home, service, anywhere, today, request_day, attempt, last_day=None,
              priority=False) -> bool:
        s = self.scenario
        book = self.book
        last = today + s.horizon_days if last_day is None else last_day
        # Times held at the start were booked before any pooling: only later searches are public.
        public = self.pooled and not priority and today >= 0
        if anywhere:
            found = book.earliest(home, service, True, today + 1, last, public)
            if found is None:
                return False
            point, day, desk = found
        else:
            found = book.earliest_at(home, service, today + 1, last, public) if book.visit_cells[home][service] \
                else None
            if found is None:
                return False
            point = home
            day, desk = found
        cells = book.visit_cells[point][service][day]
        book.take(point, day, desk, cells, priority=priority)
        draws = _draws(s.seed, customer, attempt + 1) if self.fates_drawn else 0
        booking = _Booking(customer, point, service, day, desk, cells, request_day, attempt, draws, priority)
        self.appointments[day].append(booking)
        self.booked += 1
        if self.waitlists is not None and ((self._flags(customer) >> 32) & 0xFFFF) * _UNIT < s.waitlist_share:
            self.waitlists[point].append(booking)
        if today >= 0:
            if (draws & 0xFFFF) * _UNIT < s.cancellation_rate:
                self._cancel_later(booking, today)
            self.week_lead_days += day - today
            self.week_request_days += day - request_day
            self.week_bookings += 1
            if priority:
                self.week_priority_lead_days += day - today
                self.week_priority_bookings += 1
        return True

    def _cancel_later(self, booking: _Booking, booked_day: int) -> None:
        """Cancelled on a day after booking, before the visit (on the day itself at the latest)."""
        span = booking.day - booked_day - 1
        cancel_day = booked_day + 1 + int(((booking.draws >> 16) & 0xFFFF) * _UNIT * span)
        if cancel_day >= 0:
            self.cancellations.setdefault(cancel_day, []).append(booking)

    # -- the run --------------------------------------------------------------------------
    def run(self, on_progress) -> BacklogResult:
        s = self.scenario
        self.appointments: list[list[_Booking]] = [[] for _ in range(self.book.calendar_days)]
        self.cancellations: dict[int, list[_Booking]] = {}
        self.looking: dict[tuple[int, int, bool], deque] = {}  # (point, service, anywhere) -> FIFO
        self.booked = 0
        self.week_lead_days = self.week_request_days = self.week_bookings = 0
        self.week_priority_lead_days = self.week_priority_bookings = 0
        self.moved_earlier = 0
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
            self.book.release_due(today)
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
            unbooked_at_end=unbooked, moved_earlier=self.moved_earlier, served_customer_ids=tuple(served_ids),
        )

    def _seed_initial_state(self) -> None:
        """The calendar and the waiting list at the start.

        Those holding a time at the start take negative customer numbers, so that however
        many there are, the fates of everyone after them stay the same.
        """
        s = self.scenario
        self.customers = 0
        self.rebooking: list[tuple] = []
        if s.initial_booked_days:
            self._fill_first_days(s.initial_booked_days)
        for number in range(s.initial_bookings):
            # Spread like the demand; who finds no time within the horizon is still looking.
            point, service = self._stream_for((number + 0.5) / s.initial_bookings)
            if not self._book(-1 - self.customers, point, service, False, -1, -1, 0):
                self._wait(-1 - self.customers, point, service, False, -1)
            self.customers += 1
        if s.cancellation_rate:
            # Those holding a time booked it about as far ahead as the last of them lies now;
            # some cancel before their visit. Cancellations that would have fallen before the
            # start were refilled long ago: those are not drawn again.
            lead_days = max((day for day, visits in enumerate(self.appointments) if visits), default=0) + 1
            for visits in self.appointments:
                for booking in visits:
                    if (booking.draws & 0xFFFF) * _UNIT < s.cancellation_rate:
                        self._cancel_later(booking, booking.day - lead_days)
        for number in range(s.initial_waiting):
            point, service = self._stream_for((number + 0.5) / s.initial_waiting)
            self._wait(number, point, service, False, -1)
        self.customers += s.initial_waiting
        self.next_customer = s.initial_waiting

    def _fill_first_days(self, days: int) -> None:
        """Take every time in the first `days` days, service by service in the mix's proportions."""
        full = [share <= 0 for _, _, share in self.streams]  # a stream nobody asks for never fills
        due = [0.0] * len(self.streams)
        round_size = 64  # requests per round of the fill, spread over the streams by share
        while not all(full):
            for index, (point, service, share) in enumerate(self.streams):
                due[index] += share * round_size
                while not full[index] and due[index] >= 1:
                    due[index] -= 1
                    if self._book(-1 - self.customers, point, service, False, -1, -1, 0, days - 1):
                        self.customers += 1
                    else:
                        full[index] = True

    def _stream_for(self, fraction: float) -> tuple[int, int]:
        cumulative = 0.0
        for point, service, share in self.streams:
            cumulative += share
            if fraction < cumulative:
                return point, service
        point, service, _ = self.streams[-1]
        return point, service

    def _wait(self, customer, point, service, anywhere, request_day, attempt=0, priority=False) -> None:
        self.looking.setdefault((point, service, anywhere, priority), deque()).append(
            (customer, request_day, attempt))

    def _book_or_wait(self, customer, point, service, anywhere, today, request_day, attempt=0) -> None:
        priority = self._is_priority(customer, request_day) if self.scenario.priority_share else False
        # Only with pooled capacity do priority requests see other times, and look apart.
        key_priority = priority and self.pooled
        queue = self.looking.get((point, service, anywhere, key_priority))
        if queue or not self._book(customer, point, service, anywhere, today, request_day, attempt,
                                   priority=priority):
            # Someone with the same needs is still looking: then there is no room for this one either.
            self._wait(customer, point, service, anywhere, request_day, attempt, key_priority)

    def _serve(self, today, week, totals, served_ids) -> None:
        s = self.scenario
        for booking in self.appointments[today]:
            if booking.cancelled:
                continue
            self.booked -= 1
            if ((booking.draws >> 32) & 0xFFFF) * _UNIT < self.no_show_rate:
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
            opened = self.book.desk_cells_on(point, today)
            if not opened:
                continue
            mean_cells = sum(share * self.book.visit_cells[point][service][today]
                             for service, share in self.point_mix[point].items())
            # The epsilon keeps 33 / 2.2 at 15: the mix's mean is a float sum of shares.
            week.capacity += sum(int(cells / mean_cells + 1e-9) for cells in opened) if mean_cells else 0
            week.desk_hours += sum(opened) * slot_hours
            week.booked_desk_hours += self.book.cells_taken_on(point, today) * slot_hours

    def _cancel(self, today, week, totals) -> None:
        for booking in self.cancellations.pop(today, ()):
            if booking.cancelled or booking.day < today:
                continue
            booking.cancelled = True
            self.booked -= 1
            week.cancelled += 1
            totals["cancelled"] += 1
            cells = booking.cells
            if self.waitlists is not None and booking.day > today:
                cells = self._offer_to_waitlist(booking.point, booking.day, booking.desk, cells, today, week)
            if cells and self.scenario.refill_cancelled:
                self.book.give_back(booking.point, booking.day, booking.desk, cells, today=today)

    def _offer_to_waitlist(self, point, day, desk, cells, today, week) -> int:
        """Freed time on a desk goes to waitlisted people holding a later time there, in the order
        they booked, while their visit fits in what is left; returns the cells nobody took.

        Whoever moves leaves a later time behind: it lies further ahead, and is offered to
        everyone at once (whatever `refill_cancelled` says), like any time never booked.
        """
        queue = self.waitlists[point]
        needs = self.book.visit_cells[point]
        index = 0
        while cells and index < len(queue):
            waiting = queue[index]
            if waiting.cancelled or waiting.day <= today:
                del queue[index]  # visited, cancelled or gone: off the list
                continue
            if waiting.day > day and needs[waiting.service][day] <= cells:
                need = needs[waiting.service][day]
                old_day, old_desk, old_cells = waiting.day, waiting.desk, waiting.cells
                self.appointments[old_day].remove(waiting)
                waiting.day, waiting.desk, waiting.cells = day, desk, need
                self.appointments[day].append(waiting)
                cells -= need
                week.moved_earlier += 1
                week.days_moved_earlier += old_day - day
                self.moved_earlier += 1
                self.book.give_back(point, old_day, old_desk, old_cells, today=today)
            index += 1
        return cells

    def _look_again(self, today) -> None:
        counting = self.scenario.priority_share and not self.pooled  # priority only counted apart
        for (point, service, anywhere, priority), queue in self.looking.items():
            while queue:
                customer, request_day, attempt = queue[0]
                if not self._book(customer, point, service, anywhere, today, request_day, attempt,
                                  priority=self._is_priority(customer, request_day) if counting else priority):
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
            # With pooled capacity: the earliest time the public can book.
            found = self.book.earliest_at(point, service, today + 1, today + s.horizon_days, self.pooled)
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
            moved_earlier=week.moved_earlier,
            days_moved_earlier=week.days_moved_earlier / week.moved_earlier if week.moved_earlier else None,
            priority_lead_time_days=(self.week_priority_lead_days / self.week_priority_bookings
                                     if self.week_priority_bookings else None),
            public_lead_time_days=((self.week_lead_days - self.week_priority_lead_days) / public
                                   if (public := bookings - self.week_priority_bookings) else None),
        )
        self.week_lead_days = self.week_request_days = self.week_bookings = 0
        self.week_priority_lead_days = self.week_priority_bookings = 0
        return result


class _WeekTally:
    __slots__ = ("capacity", "demand", "deflected", "served", "no_shows", "cancelled", "desk_hours",
                 "booked_desk_hours", "moved_earlier", "days_moved_earlier")

    def __init__(self):
        self.capacity = self.demand = self.deflected = self.served = self.no_shows = self.cancelled = 0
        self.moved_earlier = self.days_moved_earlier = 0
        self.desk_hours = self.booked_desk_hours = 0.0
