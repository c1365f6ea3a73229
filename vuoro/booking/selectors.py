"""Reads of bookings: availability across service points, and one booking by key and PIN."""
from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import NamedTuple

from django.db import connection
from django.db.models import Q

from vuoro import prepared
from vuoro.booking.models import Booking, DayLoad
from vuoro.network.state import (
    VERSION_SUBQUERY,
    NetworkState,
    PointState,
    network_state,
    network_state_at,
)
from vuoro.scheduling.availability import (
    Busy,
    Slot,
    first_start_bound,
    free_cells_by_desk,
    longest_run,
    start_cells,
    start_desks,
)
from vuoro.scheduling.calendar import Opening

MAX_SLOTS = 20000  # the longest list one availability answer holds
SEARCH_CHUNK_DAYS = 7  # with a limit, at most this many days are read at once...
BATCH_POINT_DAYS = 60  # ...and fewer once this many point-days may hold free time
FULL_DAYS_QUERY_FROM = 62  # point-days searched from which full days are first left out by a query
FULL_DAYS_ANY_POINT_FROM = 20  # points searched from which the full days are looked up without naming them
FIRST_WINDOW_DAYS = 14  # with a limit, full days are looked up for this many days first, then twice as many...
FIRST_FREE_MARGIN_DAYS = 7  # ...or, first, up to this many days past the first free day the last such search found

# The first free day the last limited search across every point found, per service, persons and
# pools: the next one's first window reaches past it, so a service booked up for months looks up
# its full days in one read rather than in several growing windows. A hint for this process
# alone, never part of an answer: each search still reads every day up to its own first free one.
_FIRST_FREE_SEEN: dict[tuple[str, int, frozenset[str]], dt.date] = {}


@dataclass(frozen=True, slots=True)
class SlotDay:
    """One point's opening on one day, for a service of `duration_minutes`: what its slots share."""

    point: PointState
    opening: Opening
    slot_minutes: int
    duration_minutes: int

    def at(self, cell: int) -> int:
        """A start's cell as seconds since the Unix epoch."""
        return int(self.opening.interval.start.timestamp()) + cell * self.slot_minutes * 60


class PointSlot(NamedTuple):
    """An offered start at a point. Tuples of plain integers sort by (start, point) as they are,
    and become datetimes (`slot`) only where they are shown."""

    at: int  # the start in seconds since the Unix epoch
    service_point: str
    cell: int  # the start's cell on the day's grid
    free_desks: int
    day: SlotDay

    @property
    def slot(self) -> Slot:
        start = self.day.opening.interval.start + dt.timedelta(minutes=self.cell * self.day.slot_minutes)
        return Slot(start=start, end=start + dt.timedelta(minutes=self.day.duration_minutes),
                    free_desks=self.free_desks)


def busy_by_point_day(points: Iterable[PointState], days: Iterable[dt.date]) -> dict[tuple[str, dt.date], list[Busy]]:
    """Live bookings of the given points and local dates as desk-numbered busy intervals."""
    points = list(points)
    days = set(days)
    if not points or not days:
        return {}
    by_id = {p.id: p for p in points}
    # A date range rather than a list of dates: one range scan of the (point, date) index.
    rows = (Booking.objects.filter(service_point_id__in=list(by_id), local_date__range=(min(days), max(days)))
            .exclude(status=Booking.Status.CANCELLED)
            .values_list("service_point_id", "local_date", "desk_id", "start_at", "end_at"))
    busy: dict[tuple[str, dt.date], list[Busy]] = defaultdict(list)
    for point_id, day, desk_id, start_at, end_at in rows:
        number = by_id[point_id].desk_numbers.get(desk_id)
        if number is not None and day in days:
            busy[(point_id, day)].append(Busy(number, start_at, end_at))
    return busy


def encode_free_cells(free: Iterable[int]) -> str:
    return ",".join(format(bits, "x") for bits in free)


def decode_free_cells(text: str) -> list[int]:
    return [int(bits, 16) for bits in text.split(",")] if text else []


@lru_cache(maxsize=4096)
def _decoded(text: str) -> tuple[int, ...]:
    """`decode_free_cells`, kept for the searches with a limit: they read the same days' summaries
    again and again (the first free days of a service, by everyone looking for them), and parsing
    their text was a tenth of a search across all points. A summary changes its text when it
    changes. (Reads of a whole range, spread over every day, would only churn it.)"""
    return tuple(decode_free_cells(text))


def day_summary(opening: Opening | None, busy: Iterable[Busy], *, slot_minutes: int) -> tuple[str, int]:
    """A day's free cells per staffed desk (as stored in DayLoad) and its longest free run in minutes."""
    if opening is None:
        return "", 0
    free = list(free_cells_by_desk(opening, busy, slot_minutes=slot_minutes).values())
    return encode_free_cells(free), max((longest_run(bits) for bits in free), default=0) * slot_minutes


def _date(value: dt.date | str) -> dt.date:
    """A date column read by plain SQL: a date on PostgreSQL, ISO text on SQLite."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _certainly_full(opening: Opening, booked_minutes: int, duration_minutes: int) -> bool:
    desk_minutes = opening.desks * opening.interval.duration.total_seconds() / 60
    return desk_minutes - booked_minutes < duration_minutes


def _full_days(state: NetworkState, points: list[PointState], service_code: str, persons: int, first: dt.date,
               last: dt.date) -> dict[str, int]:
    """Per point, the dates whose current summary shows no desk free long enough for the visit,
    as a bitset: bit k set when first + k is full."""
    keys_by_duration: dict[int, list[str]] = defaultdict(list)
    for point in points:
        keys_by_duration[state.visit_minutes(point, service_code, persons)].append(point.calendar_key)
    point_ids = [p.id for p in points]
    if connection.vendor == "postgresql":
        # One short row per point, not one per day: a congested network has thousands of full days.
        # The lists go as one comma-joined text each (keys and ids hold no comma), which PostgreSQL
        # splits: psycopg writing a text array of a hundred items cost more than the search.
        condition = " OR ".join(["(calendar_key = ANY(string_to_array(%s, ',')) AND free_run_minutes < %s)"]
                                * len(keys_by_duration))
        params = [value for duration, keys in keys_by_duration.items() for value in (",".join(keys), duration)]
        span = (last - first).days + 1
        # Many points: the whole date range is read anyway, and a row whose calendar key is one of
        # theirs but of another point (same hours and desks) is left out below; a test per row less.
        if len(point_ids) > FULL_DAYS_ANY_POINT_FROM:
            where, ids = "", []
        else:
            where, ids = "service_point_id = ANY(string_to_array(%s, ',')) AND ", [",".join(point_ids)]
        with connection.cursor() as cursor:  # not prepared: the text varies with the span
            cursor.execute(
                f"SELECT service_point_id, bit_or(1::bit({span}) << (date - %s::date))::text "
                f"FROM {DayLoad._meta.db_table} WHERE {where}date BETWEEN %s AND %s AND ({condition}) "
                f"GROUP BY service_point_id", [first, *ids, first, last, *params])
            wanted = set(point_ids)
            return {point_id: int(bits, 2) for point_id, bits in cursor.fetchall() if point_id in wanted}
    condition = Q()
    for duration, keys in keys_by_duration.items():
        condition |= Q(calendar_key__in=keys, free_run_minutes__lt=duration)
    full: dict[str, int] = defaultdict(int)
    for point_id, day in DayLoad.objects.filter(condition, service_point_id__in=point_ids,
                                                date__range=(first, last)).values_list("service_point_id", "date"):
        full[point_id] |= 1 << (day - first).days
    return full


def _free_cells(state: NetworkState, wanted: list[tuple[PointState, Opening]],
                service_code: str, persons: int, *, kept: bool = False,
                versions: list[int | None] | None = None) -> dict[tuple[str, dt.date], Sequence[int]]:
    """Free cells per staffed desk of each wanted day, from its DayLoad summary where that is
    current, from the network alone where the day has no summary (no booking yet), else from the
    day's bookings; days certainly full are left out. With `versions`, the same statement reads
    the network's version too, and appends it there (`current_network`)."""
    days = [opening.day for _, opening in wanted]
    point_ids = sorted({p.id for p, _ in wanted})
    # The one read of every availability answer; on PostgreSQL one statement text whatever the
    # number of points (prepared once), the ids as one comma-joined text.
    adapt = connection.ops.adapt_datefield_value
    if connection.vendor == "postgresql":
        where, ids = "service_point_id = ANY(string_to_array(%s, ','))", [",".join(point_ids)]
    else:
        where, ids = f"service_point_id IN ({', '.join(['%s'] * len(point_ids))})", point_ids
    columns = "service_point_id, date, booked_minutes, calendar_key, free_cells"
    params = [*ids, adapt(min(days)), adapt(max(days))]
    if versions is None:
        found = prepared.rows(
            f"SELECT {columns} FROM {DayLoad._meta.db_table} WHERE {where} AND date BETWEEN %s AND %s", params)
    else:
        # One row at least, whatever the summaries: the version, beside each summary (or NULLs).
        found = prepared.rows(f"SELECT version, {columns} FROM (SELECT {VERSION_SUBQUERY} AS version) AS network "
                              f"LEFT JOIN {DayLoad._meta.db_table} ON {where} AND date BETWEEN %s AND %s", params)
        versions.append(found[0][0])
        found = [row[1:] for row in found if row[1] is not None]
    loads = {(point_id, _date(day)): rest for point_id, day, *rest in found}
    result: dict[tuple[str, dt.date], Sequence[int]] = {}
    unknown: list[tuple[PointState, Opening]] = []
    for point, opening in wanted:
        load = loads.get((point.id, opening.day))
        if load is None:
            # No summary row: no booking was ever written on the day, since every booking writer
            # makes the row under the day's lock (services._lock_day) in the booking's own
            # transaction. Every staffed desk is free all day, as the network says.
            result[(point.id, opening.day)] = list(
                free_cells_by_desk(opening, (), slot_minutes=state.slot_minutes).values())
            continue
        booked_minutes, calendar_key, free_cells = load
        if calendar_key and calendar_key == point.calendar_key:
            result[(point.id, opening.day)] = _decoded(free_cells) if kept else decode_free_cells(free_cells)
            continue
        if _certainly_full(opening, booked_minutes, state.visit_minutes(point, service_code, persons)):
            continue
        unknown.append((point, opening))
    if unknown:
        busy = busy_by_point_day({p.id: p for p, _ in unknown}.values(), {o.day for _, o in unknown})
        for point, opening in unknown:
            free = free_cells_by_desk(opening, busy.get((point.id, opening.day), ()), slot_minutes=state.slot_minutes)
            result[(point.id, opening.day)] = list(free.values())
    return result


def availability_list(
    *, state: NetworkState, service_code: str, point_ids: list[str] | None, from_date: dt.date | None,
    to_date: dt.date | None, limit: int | None, now: dt.datetime, persons: int = 1,
    pools: frozenset[str] = frozenset(), seen_at: dt.datetime | None = None,
    versions: list[int | None] | None = None,
) -> list[PointSlot]:
    """Offered starts for a service at the given points (None: every point offering it), sorted
    by start then point, from `from_date` to `to_date` (local dates, inclusive), at most `limit`;
    each start leaves room for the visit of `persons` people (docs/api.md, family time).

    `pools` are the capacity pools the caller is eligible for (empty: the public): the desks a
    pool keeps are left out unless the caller is eligible or the day is near enough
    (`NetworkState.kept_desks`).

    `seen_at` (the waitlist's look-ahead only, vuoro.booking.waitlist): releases and the horizon
    as they will stand at that later moment; everything else as at `now`.

    `versions` (`current_network`): each read of the summaries appends the network's version it
    saw, for a caller whose `state` is this process's copy, not checked.

    Days are searched earliest first across all points, a few at a time when a limit is given,
    and the search stops once `limit` slots are certain. Days whose stored summary
    (DayLoad) leaves no desk free long enough are skipped without reading anything more; the
    others are answered from that summary, from the network alone when it is missing (no booking
    was ever written on the day), or from their bookings when it is stale.
    """
    search = _Search.of(state, service_code, point_ids, from_date, to_date, now, persons, pools, seen_at, versions)
    if search is None:
        return []
    cap = min(limit, MAX_SLOTS) if limit is not None else MAX_SLOTS
    found: list[PointSlot] = []
    settled: list[dt.date] = []  # the last day that can change the answer, once known
    for day, group in search.days(batch_size=BATCH_POINT_DAYS if limit is not None else None, settled=settled):
        if settled and day > settled[0]:
            break
        if limit is None:
            found.extend(item for point, opening, cells in group
                         for item in _point_slots(point, opening, cells, state, service_code, persons, now,
                                                  search.not_after))
        else:
            found.extend(_first_slots(group, cap, state, service_code, persons, now, search.not_after))
        if not settled and len(found) >= cap:
            settled.append(max(s.day.opening.day for s in found) + search.settle)
    found.sort()
    if search.seen_key is not None and limit is not None:
        _FIRST_FREE_SEEN[search.seen_key] = found[0].day.opening.day if found else search.last_day
    return found[:cap]


class DayStarts(NamedTuple):
    """A point's offered starts on one day, all at once: their grid cells, earliest first, and in
    step the desks free all through each. What a long answer is made of without an object per start."""

    day: SlotDay
    cells: list[int]
    free_desks: list[int]

    def point_slot(self, index: int) -> PointSlot:
        cell = self.cells[index]
        return PointSlot(self.day.at(cell), self.day.point.id, cell, self.free_desks[index], self.day)


def availability_days(
    *, state: NetworkState, service_code: str, point_ids: list[str] | None, from_date: dt.date | None,
    to_date: dt.date | None, now: dt.datetime, persons: int = 1, pools: frozenset[str] = frozenset(),
    cap: int | None = MAX_SLOTS, versions: list[int | None] | None = None,
) -> list[DayStarts]:
    """`availability_list(limit=None)` a day at a time: the same starts, as each point-day's
    `DayStarts`, in date order (points in the network's order within a day). With a `cap`, the days
    enough to hold the first `cap` starts in (start, point) order (the caller cuts there after
    sorting); None: every day of the range."""
    search = _Search.of(state, service_code, point_ids, from_date, to_date, now, persons, pools, None, versions)
    if search is None:
        return []
    found: list[DayStarts] = []
    total = 0
    settled: list[dt.date] = []
    for day, group in search.days(batch_size=None, settled=settled):
        if settled and day > settled[0]:
            break
        for point, opening, cells in group:
            duration = state.visit_minutes(point, service_code, persons)
            starts, desks = start_desks(opening, cells, slot_minutes=state.slot_minutes, duration_minutes=duration,
                                        not_before=now, not_after=search.not_after)
            if starts:
                found.append(DayStarts(SlotDay(point=point, opening=opening, slot_minutes=state.slot_minutes,
                                               duration_minutes=duration), starts, desks))
                total += len(starts)
        if not settled and cap is not None and total >= cap:
            settled.append(day + search.settle)
    return found


NETWORK_TRIES = 3  # searches under a network that moved meanwhile, before one is run checked first


def current_network[T](state: NetworkState, search: Callable[[NetworkState, list[int | None] | None], T]) -> T:
    """`search(state, versions)` answered under the network as it is now, for a caller whose
    `state` is this process's copy unchecked (`network_state_unchecked`): the search's own reads
    of the summaries read the network's version too (`versions`), so the answer pays for no
    statement of its own to check the copy. When a read saw another version, the search runs
    again under that network; when it read no summary (nothing open, released or free in its
    range), one small statement checks the copy. An answer is thus never made under a network
    older than at its first read, as with `network_state()` before it."""
    for _ in range(NETWORK_TRIES):
        versions: list[int | None] = []
        found = search(state, versions)
        moved = [version for version in versions if (version or 0) != state.version]
        if versions and not moved:
            return found
        current = network_state_at(moved[-1]) if moved else network_state()
        if current.version == state.version:
            return found
        state = current
    return search(network_state(), None)


_Free = tuple[PointState, Opening, list[int]]  # a point's day and the free cells of its desks


@dataclass(frozen=True, slots=True)
class _Search:
    """What an availability search covers: the points, their local dates, the horizon's end."""

    state: NetworkState
    service_code: str
    points: list[PointState]
    first_day: dt.date
    last_day: dt.date
    now: dt.datetime
    not_after: dt.datetime
    persons: int
    pools: frozenset[str]
    seen_at: dt.datetime
    # In one zone a later local day starts after every earlier one: the day a limit is reached
    # settles the answer. Across zones (differing by less than a day) one more day does.
    settle: dt.timedelta
    seen_key: tuple[str, int, frozenset[str]] | None  # for _FIRST_FREE_SEEN: a search across every point
    versions: list[int | None] | None  # the network's version each read of summaries saw, when asked for

    @classmethod
    def of(cls, state: NetworkState, service_code: str, point_ids: list[str] | None, from_date: dt.date | None,
           to_date: dt.date | None, now: dt.datetime, persons: int, pools: frozenset[str],
           seen_at: dt.datetime | None, versions: list[int | None] | None = None) -> _Search | None:
        points = state.points_offering(service_code)
        if point_ids is not None:
            points = [p for p in points if p.id in point_ids]
        if not points:
            return None
        seen_at = seen_at or now
        not_after = state.horizon_end(seen_at)
        zones = {p.zone for p in points}  # most networks have one: a date per zone, not per point
        first_day = min(now.astimezone(zone).date() for zone in zones)
        last_day = max(not_after.astimezone(zone).date() for zone in zones)
        if from_date is not None:
            first_day = max(first_day, from_date)
        if to_date is not None:
            last_day = min(last_day, to_date)
        if first_day > last_day:
            return None
        return cls(state, service_code, points, first_day, last_day, now, not_after, persons, pools, seen_at,
                   dt.timedelta(days=0 if len(zones) == 1 else 1),
                   (service_code, persons, pools) if point_ids is None else None, versions)

    def days(self, *, batch_size: int | None, settled: list[dt.date]) -> Iterator[tuple[dt.date, list[_Free]]]:
        """Each day with free time, earliest first: (local date, [(point, opening, the free cells
        of the desks this caller may book)]). Summaries are read `batch_size` point-days (or a
        week) at a time, so a caller that stops early reads little; None: the whole range at once.
        Nothing is read for the days after `settled[0]` once the caller puts it there (its answer
        can change no more).

        With a `batch_size` the range is searched in windows, the first `FIRST_WINDOW_DAYS` long
        and each next one twice as long as the one before: the full days are looked up a window at
        a time (an index on the date reads only the window's summaries), so an answer found in the
        first days does not pay for finding the full days of the whole horizon, and one three
        months out pays for about as many days as it skips. A search across every point makes its
        first window reach a week past the first free day the last one found (_FIRST_FREE_SEEN)."""
        start, length = self.first_day, FIRST_WINDOW_DAYS if batch_size else (self.last_day - self.first_day).days + 1
        if batch_size and (seen := _FIRST_FREE_SEEN.get(self.seen_key)) is not None:
            length = max(length, (seen - start).days + 1 + FIRST_FREE_MARGIN_DAYS)
        while start <= self.last_day and not (settled and start > settled[0]):
            end = min(start + dt.timedelta(days=length - 1), self.last_day)
            yield from self._window(start, end, batch_size, settled)
            start, length = end + dt.timedelta(days=1), 2 * length

    def _window(self, first_day: dt.date, last_day: dt.date, batch_size: int | None,
                settled: list[dt.date]) -> Iterator[tuple[dt.date, list[_Free]]]:
        state, service_code, now = self.state, self.service_code, self.now
        # Skipping full days first pays off across many points and days (the earliest anywhere); a
        # month at one point reads its few summaries at once instead, full days and all.
        span = (last_day - first_day).days + 1
        full = (_full_days(state, self.points, service_code, self.persons, first_day, last_day)
                if len(self.points) * span > FULL_DAYS_QUERY_FROM else {})
        # The days worth reading, per point: open, and not certainly full (bit k: first_day + k).
        # ...and released (docs/api.md, "Releases"): a day held back at `now` is not offered at all.
        releases = state.releases
        wanted = [(point, days) for point in self.points
                  if (days := point.calendar.open_days(first_day, span) & ~full.get(point.id, 0)
                      & (releases.released_days(point.id, service_code, first_day, span, self.seen_at)
                         if releases else -1))]
        remaining = 0
        for _, days in wanted:
            remaining |= days
        batch: list[tuple[PointState, Opening]] = []
        batch_first: dt.date | None = None
        while remaining:
            bit = remaining & -remaining
            remaining ^= bit
            day = first_day + dt.timedelta(days=bit.bit_length() - 1)
            if settled and day > settled[0]:
                break
            batch_first = batch_first or day
            for point, days in wanted:
                if days & bit:
                    opening = point.calendar.opening_on(day)
                    if opening.interval.end > now and opening.interval.start <= self.not_after:
                        batch.append((point, opening))
            if remaining and (batch_size is None or (len(batch) < batch_size
                                                     and (day - batch_first).days < SEARCH_CHUNK_DAYS - 1)):
                continue
            yield from self._read(batch, kept=batch_size is not None)
            batch, batch_first = [], None
        yield from self._read(batch, kept=batch_size is not None)

    def _read(self, batch: list[tuple[PointState, Opening]], *, kept: bool,
              ) -> Iterator[tuple[dt.date, list[_Free]]]:
        if not batch:
            return
        free = _free_cells(self.state, batch, self.service_code, self.persons, kept=kept, versions=self.versions)
        for day, group in groupby(batch, key=lambda item: item[1].day):
            yield day, [(point, opening, cells) for point, opening in group
                        if (cells := _visible(self.state, point, day, free.get((point.id, day)), self.service_code,
                                              self.now, self.pools))]


def _visible(state: NetworkState, point: PointState, day: dt.date, cells: list[int] | None, service_code: str,
             now: dt.datetime, pools: frozenset[str]) -> list[int] | None:
    """The free cells of the staffed desks this caller may book: a pool's kept desks are the
    highest-numbered, the end of the list."""
    if not cells:
        return cells
    kept, _ = state.kept_desks(point, service_code, day, now, pools)
    return cells[:max(0, len(cells) - kept)] if kept else cells


def _first_slots(group: list[_Free], cap: int, state: NetworkState, service_code: str, persons: int,
                 now: dt.datetime, not_after: dt.datetime) -> list[PointSlot]:
    """The first `cap` slots of one day's points in (start, point) order: what merging every
    point's slots (each earliest first) would give. A point's slots are made only once its
    earliest possible start (`first_start_bound`, never later than its first slot) could still be
    among them: on a day of a hundred points the first few slots come from a few points, and the
    others are never made."""
    step = state.slot_minutes * 60
    waiting = []  # (bound: start seconds, point id), and what makes the point's slots
    for point, opening, cells in group:
        first = first_start_bound(opening, cells, slot_minutes=state.slot_minutes,
                                  duration_minutes=state.visit_minutes(point, service_code, persons),
                                  not_before=now, not_after=not_after)
        if first is not None:
            waiting.append((int(opening.interval.start.timestamp()) + first * step, point.id, opening, cells, point))
    waiting.sort(key=lambda item: item[:2])
    heap: list[tuple[PointSlot, int, Iterator[PointSlot]]] = []
    taken: list[PointSlot] = []
    ahead = 0  # waiting[ahead:] are not merged yet, in order of their bounds
    while len(taken) < cap:
        # A point waits while its bound comes after the earliest slot in hand: none of its
        # slots can come before that one.
        while ahead < len(waiting) and (not heap or waiting[ahead][:2] <= heap[0][0][:2]):
            _, _, opening, cells, point = waiting[ahead]
            slots = _point_slots(point, opening, cells, state, service_code, persons, now, not_after)
            if (slot := next(slots, None)) is not None:
                heapq.heappush(heap, (slot, ahead, slots))
            ahead += 1
        if not heap:
            break
        slot, order, slots = heap[0]
        taken.append(slot)
        if (following := next(slots, None)) is not None:
            heapq.heapreplace(heap, (following, order, slots))
        else:
            heapq.heappop(heap)
    return taken


def _point_slots(point: PointState, opening: Opening, cells: list[int], state: NetworkState, service_code: str,
                 persons: int, now: dt.datetime, not_after: dt.datetime) -> Iterator[PointSlot]:
    """A point's slots of one day, earliest first, made one at a time."""
    duration = state.visit_minutes(point, service_code, persons)
    origin = int(opening.interval.start.timestamp())
    day = SlotDay(point=point, opening=opening, slot_minutes=state.slot_minutes, duration_minutes=duration)
    step, point_id = state.slot_minutes * 60, point.id
    for cell, desks in start_cells(opening, cells, slot_minutes=state.slot_minutes, duration_minutes=duration,
                                   not_before=now, not_after=not_after):
        yield PointSlot(origin + cell * step, point_id, cell, desks, day)


def free_day_list(
    *, state: NetworkState, service_code: str, point_ids: list[str] | None, first_date: dt.date, last_date: dt.date,
    now: dt.datetime, persons: int = 1, pools: frozenset[str] = frozenset(),
) -> dict[dt.date, int]:
    """How many starts are offered on each local date from `first_date` to `last_date` (inclusive)
    for a service at the given points (None: every point offering it); dates with none are left out.

    The month view's data: `availability_days` a week at a time, counted per day rather than
    listed, and never cut short by `MAX_SLOTS`.
    """
    points = state.points_offering(service_code)
    if point_ids is not None:
        points = [p for p in points if p.id in point_ids]
    if not points or first_date > last_date:
        return {}
    counts: dict[dt.date, int] = defaultdict(int)
    day = first_date
    while day <= last_date:
        chunk_end = min(day + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_date)
        for found in availability_days(state=state, service_code=service_code, point_ids=[p.id for p in points],
                                       from_date=day, to_date=chunk_end, now=now, persons=persons, pools=pools,
                                       cap=None):
            counts[found.day.opening.day] += len(found.cells)
        day = chunk_end + dt.timedelta(days=1)
    return dict(sorted(counts.items()))


def earliest_by_point(*, state: NetworkState, service_code: str, now: dt.datetime,
                      persons: int = 1, pools: frozenset[str] = frozenset()) -> dict[str, PointSlot]:
    """Each point offering the service → its earliest offered start (points with none left out).

    Searches all points a day, then two, then four days at a time, then a week at a time, and drops a
    point from the search once it has a start: where most points have time soon, only their first day
    or two is read (the lead-times API asks this of every point); a far first time costs a few more
    short reads than a week at a time did.
    """
    remaining = {p.id: p for p in state.points_offering(service_code)}
    if not remaining:
        return {}
    not_after = state.horizon_end(now)
    day = min(now.astimezone(p.zone).date() for p in remaining.values())
    last_day = max(not_after.astimezone(p.zone).date() for p in remaining.values())
    earliest: dict[str, PointSlot] = {}
    chunk_days = 1
    while day <= last_day and remaining:
        chunk_end = min(day + dt.timedelta(days=chunk_days - 1), last_day)
        chunk_days = min(chunk_days * 2, SEARCH_CHUNK_DAYS)
        for found in availability_days(state=state, service_code=service_code, point_ids=list(remaining),
                                       from_date=day, to_date=chunk_end, now=now, persons=persons, pools=pools,
                                       cap=None):
            first = found.point_slot(0)
            held = earliest.get(first.service_point)
            if held is None or first < held:
                earliest[first.service_point] = first
        for point_id in earliest:
            remaining.pop(point_id, None)
        day = chunk_end + dt.timedelta(days=1)
    return earliest


def earliest_by_service(*, state: NetworkState, point_id: str, now: dt.datetime,
                        pools: frozenset[str] = frozenset()) -> dict[str, PointSlot]:
    """Each service a point offers → its earliest start there for one person (services with none left out).

    One read a week of days, shared by every service (the day's free cells are the same whatever
    the visit's length); a service drops out of the search once it has a start. Answers as
    `availability_list(point_ids=[point_id], limit=1)` would for each service.
    """
    point = state.points.get(point_id)
    if point is None or not point.durations:
        return {}
    remaining = set(point.durations)
    shortest = min(remaining, key=lambda code: (point.durations[code], code))
    not_after = state.horizon_end(now)
    first_day, last_day = now.astimezone(point.zone).date(), not_after.astimezone(point.zone).date()
    span = (last_day - first_day).days + 1
    open_days = point.calendar.open_days(first_day, span)
    releases = state.releases
    released = {code: releases.released_days(point.id, code, first_day, span, now) if releases else -1
                for code in remaining}
    earliest: dict[str, PointSlot] = {}
    offset = 0
    while offset < span and remaining:
        wanted = []
        for k in range(offset, min(offset + SEARCH_CHUNK_DAYS, span)):
            if open_days >> k & 1 and any(released[code] >> k & 1 for code in remaining):
                opening = point.calendar.opening_on(first_day + dt.timedelta(days=k))
                if opening.interval.end > now and opening.interval.start <= not_after:
                    wanted.append((point, opening))
        # Days too full for the shortest visit are too full for every one.
        free = _free_cells(state, wanted, shortest, 1, kept=True) if wanted else {}
        for _, opening in wanted:
            k = (opening.day - first_day).days
            for code in sorted(remaining):
                if not released[code] >> k & 1:
                    continue
                cells = _visible(state, point, opening.day, free.get((point.id, opening.day)), code, now, pools)
                found = next(_point_slots(point, opening, cells, state, code, 1, now, not_after), None) if cells \
                    else None
                if found is not None:
                    earliest[code] = found
            remaining -= set(earliest)
        offset += SEARCH_CHUNK_DAYS
    return earliest


def nearest_slot_list(
    *, state: NetworkState, service_code: str, point_id: str, start_at: dt.datetime, now: dt.datetime,
    limit: int = 6, days_around: int = 7, persons: int = 1, pools: frozenset[str] = frozenset(),
) -> list[PointSlot]:
    """Offered starts near a wanted one that cannot be booked, in date order (earliest first): chosen
    as the same point's that day first, nearest in time, then the same point's on the days around it,
    then other points' the same day and the days after; at most `limit`, never the wanted start itself.

    A wanted start in the past is taken as now (the earliest free times), one beyond the horizon as
    the horizon's end (the latest). With nothing free around it (a long run of days held back, say),
    the earliest free times at the point, else anywhere, are offered.
    """
    point = state.points.get(point_id)
    if point is None:
        return []
    anchor = min(max(start_at, now), state.horizon_end(now))
    day = anchor.astimezone(point.zone).date()
    around = dt.timedelta(days=days_around)

    def rank(found: PointSlot):
        local_day = found.slot.start.astimezone(state.points[found.service_point].zone).date()
        return (local_day != day, abs(found.slot.start - anchor), found.service_point)

    wanted = (point_id, start_at)
    same = [s for s in availability_list(state=state, service_code=service_code, point_ids=[point_id],
                                         from_date=day - around, to_date=day + around, limit=None, now=now,
                                         persons=persons, pools=pools)
            if (s.service_point, s.slot.start) != wanted]
    nearest = sorted(same, key=rank)[:limit]
    if len(nearest) < limit:
        others = [p.id for p in state.points_offering(service_code) if p.id != point_id]
        if others:
            elsewhere = availability_list(state=state, service_code=service_code, point_ids=others, from_date=day,
                                          to_date=day + around, limit=None, now=now, persons=persons,
                                          pools=pools)
            nearest += sorted(elsewhere, key=rank)[:limit - len(nearest)]
    if not nearest:
        for point_ids in ([point_id], None):
            nearest = [s for s in availability_list(state=state, service_code=service_code, point_ids=point_ids,
                                                    from_date=None, to_date=None, limit=limit + 1, now=now,
                                                    persons=persons, pools=pools)
                       if (s.service_point, s.slot.start) != wanted][:limit]
            if nearest:
                break
    return sorted(nearest, key=lambda s: (s.slot.start, s.service_point))


def booking_get(*, reservation_key: str) -> Booking | None:
    return (Booking.objects.select_related("service", "service_point", "desk")
            .filter(reservation_key=reservation_key).first())
