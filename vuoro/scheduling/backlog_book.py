"""The appointment book of a whole network: desk time per point and day, and where a visit fits.

Part of the backlog model (`backlog`). Time is counted in grid cells of `slot_minutes`: a
desk open 8 h 15 min on a 15-minute grid has 33 cells, and a 30-minute visit takes 2 of them,
on one desk. A day fits a visit while one of its desks has that many cells left (a desk's
time is taken as one block, the way a day booked from the morning on fills up).

Searching is the hot path. Per point and service a cursor remembers the first day that may
still have room, so a search starts where the last one stopped; days a cancellation gave
time back on are kept aside (`holes`) and looked at first.

Pooled capacity (`priority_desk_share`): on each desk a share of the day's cells is kept for
priority requests (`reserve`) until `priority_release_days` before the day; until then the
public sees only the rest. Public searches have cursors of their own (`public_cursors`).
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable

from vuoro.scheduling.backlog_model import BacklogScenario, ExtraDay, ExtraDesks, NewDuration


def _minutes_between(opens: dt.time, closes: dt.time) -> int:
    return (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)


class AppointmentBook:
    """Desk time of every point over the run and the horizon beyond it; levers change it by date.

    Points and services are numbered (`point_index`, `service_index`); days count from the
    scenario's start date.
    """

    def __init__(self, scenario: BacklogScenario, *, days: int):
        self.scenario = scenario
        # Visits can be booked up to the horizon beyond the last simulated day.
        self.calendar_days = days + scenario.horizon_days + 1
        self.point_index = {plan.id: index for index, plan in enumerate(scenario.points)}
        self.services = sorted({code for plan in scenario.points for code in plan.durations_minutes})
        self.service_index = {code: index for index, code in enumerate(self.services)}
        self._build_capacity()
        self.pooled = scenario.priority_desk_share > 0
        self.release_days = scenario.priority_release_days
        if self.pooled:
            share = scenario.priority_desk_share
            # point -> day -> cells still kept for priority requests on each desk
            self.reserve = [[[int(cells * share + 1e-9) for cells in day] for day in point]
                            for point in self.desk_cells]
            self.public_cursors = [list(row) for row in self.cursors]
            self.public_holes: list[list[int]] = [[] for _ in scenario.points]  # days to look at again
        self.pending_releases: dict[int, list[Callable[[int], None]]] = {}
        self._schedule_levers()

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
        # cursors[p][s]: no day before it has room for service s at point p (a search cursor),
        # except the days in holes[p]: those where a cancellation gave time back (sorted).
        self.cursors = [[0] * len(self.services) for _ in s.points]
        self.holes: list[list[int]] = [[] for _ in s.points]
        self.offering = [[point for point in range(len(s.points)) if self.visit_cells[point][service] is not None]
                         for service in range(len(self.services))]
        self.smallest_visit = [self._smallest_visit(point) for point in range(len(s.points))]

    def _smallest_visit(self, point: int) -> list[int]:
        """Per day, the cells of the shortest visit the point offers."""
        rows = [row for row in self.visit_cells[point] if row is not None]
        return [min(cells) for cells in zip(*rows, strict=True)] if rows else [0] * self.calendar_days

    def _reopen(self, point: int, day: int) -> None:
        """A lever added room from `day` on: every search at the point must look there again."""
        rows = [self.cursors[point]] + ([self.public_cursors[point]] if self.pooled else [])
        for row in rows:
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
                    if self.pooled:
                        self.reserve[point][day].extend([0] * lever.desks)  # a lever's desks are public
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
                if self.pooled:
                    self.reserve[point][day].extend([0] * lever.desks)
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

    def earliest_at(self, point: int, service: int, first: int, last: int,
                    public: bool = False) -> tuple[int, int] | None:
        """(day, desk) of the earliest room for `service` at `point` in [first, last].

        Looks at the days cancellations reopened first, then walks on from the cursor. A
        `public` search (pooled capacity only) leaves the cells kept for priority requests alone
        on days more than `priority_release_days` after `first - 1` (today).
        """
        if public:
            return self._earliest_public(point, service, first, last)
        cursor = self.cursors[point]
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

    def _earliest_public(self, point: int, service: int, first: int, last: int) -> tuple[int, int] | None:
        """`earliest_at` for a public request while part of the desk time is kept for priority."""
        cursor = self.public_cursors[point]
        needs = self.visit_cells[point][service]
        rooms = self.room[point]
        reserve = self.reserve[point]
        released_until = first - 1 + self.release_days  # days the kept time is everyone's

        def desk_on(day: int) -> int | None:
            cells = needs[day]
            kept = reserve[day] if day > released_until else None
            for desk, left in enumerate(rooms[day]):
                if (left - kept[desk] if kept else left) >= cells:
                    return desk
            return None

        holes = self.public_holes[point]
        while holes and holes[0] < first:
            holes.pop(0)
        smallest = self.smallest_visit[point]
        for day in list(holes):
            if day > last or day >= cursor[service]:
                break
            row = rooms[day]
            most = max(row)
            if most >= smallest[day] and day > released_until:
                most = max(map(int.__sub__, row, reserve[day]))
            if most < smallest[day]:
                holes.remove(day)  # nothing the public may book there (until the day is released)
                continue
            if most < needs[day]:
                continue
            desk = desk_on(day)
            if desk is not None:
                return day, desk
        if cursor[service] < first:
            cursor[service] = first  # searches only ever start later: the days before are gone by
        day = cursor[service]
        last = min(last, self.calendar_days - 1)
        while day <= last:
            if rooms[day]:
                desk = desk_on(day)
                if desk is not None:
                    cursor[service] = day
                    return day, desk
            day += 1
        cursor[service] = day
        return None

    def take(self, point: int, day: int, desk: int, cells: int, *, priority: bool = False) -> None:
        """Book `cells` of a desk's time; a priority visit uses the time kept for priority first."""
        room = self.room[point][day]
        room[desk] -= cells
        if self.pooled:  # the time kept is never more than the time left
            kept = self.reserve[point][day]
            kept[desk] = max(0, kept[desk] - cells) if priority else min(kept[desk], room[desk])

    def earliest(self, home: int, service: int, anywhere: bool, first: int, last: int, public: bool = False):
        """(point, day, desk) of the earliest room for `service` at `home`, or at any point offering it."""
        if not anywhere:
            found = self.earliest_at(home, service, first, last, public) if self.visit_cells[home][service] else None
            return (home, *found) if found else None
        found = self.earliest_at(home, service, first, last, public) if self.visit_cells[home][service] else None
        best = (home, *found) if found else None
        cursors, all_holes = (self.public_cursors, self.public_holes) if public else (self.cursors, self.holes)
        for point in self.offering[service]:
            if point == home:
                continue
            if best is not None:
                holes = all_holes[point]
                bound = cursors[point][service]
                if holes and holes[0] < bound:
                    bound = holes[0]
                if bound >= best[1] or first >= best[1]:
                    continue  # nothing there before the best found so far
            found = self.earliest_at(point, service, first, last if best is None else best[1] - 1, public)
            if found and (best is None or found[0] < best[1]):
                best = (point, *found)
        return best

    def give_back(self, point: int, day: int, desk: int, cells: int, *, today: int) -> None:
        """A cancelled visit's time is free again, for anyone booking from `today` on."""
        self.room[point][day][desk] += cells
        for holes in [self.holes[point]] + ([self.public_holes[point]] if self.pooled else []):
            if day > today and day not in holes:
                bisect.insort(holes, day)

    def release_due(self, today: int) -> None:
        """Make bookable what the levers release on `today`."""
        for action in self.pending_releases.pop(today, ()):
            action(today)
        if self.pooled:
            # From tomorrow's searches on, the day `release_days` ahead is everyone's: where time
            # was still kept there, public searches must look at it again, like at a hole.
            day = today + self.release_days
            if day < self.calendar_days:
                for point, kept in enumerate(self.reserve):
                    holes = self.public_holes[point]
                    if any(kept[day]) and day not in holes:
                        bisect.insort(holes, day)

    def desk_cells_on(self, point: int, day: int) -> list[int]:
        """The cells each desk opens with that day (levers included)."""
        return self.desk_cells[point][day]

    def cells_taken_on(self, point: int, day: int) -> int:
        return sum(self.desk_cells[point][day]) - sum(self.room[point][day])
