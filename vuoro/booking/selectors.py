"""Reads of bookings: availability across service points, and one booking by key and PIN."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from vuoro.booking.models import Booking, DayLoad
from vuoro.network.state import NetworkState, PointState
from vuoro.scheduling.availability import Busy, Slot, day_slots
from vuoro.scheduling.calendar import Opening

MAX_SLOTS = 20000  # the longest list one availability answer holds
SEARCH_CHUNK_DAYS = 7


@dataclass(frozen=True, slots=True)
class PointSlot:
    service_point: str
    slot: Slot


def busy_by_point_day(points: Iterable[PointState], days: Iterable[dt.date]) -> dict[tuple[str, dt.date], list[Busy]]:
    """Live bookings of the given points and local dates as desk-numbered busy intervals."""
    points = list(points)
    days = sorted(set(days))
    if not points or not days:
        return {}
    by_id = {p.id: p for p in points}
    rows = (Booking.objects.filter(service_point_id__in=list(by_id), local_date__in=days)
            .exclude(status=Booking.Status.CANCELLED)
            .values_list("service_point_id", "local_date", "desk_id", "start_at", "end_at"))
    busy: dict[tuple[str, dt.date], list[Busy]] = defaultdict(list)
    for point_id, day, desk_id, start_at, end_at in rows:
        number = by_id[point_id].desk_numbers.get(desk_id)
        if number is not None:
            busy[(point_id, day)].append(Busy(number, start_at, end_at))
    return busy


def _booked_minutes(points: list[PointState], first: dt.date, last: dt.date) -> dict[tuple[str, dt.date], int]:
    rows = DayLoad.objects.filter(service_point_id__in=[p.id for p in points], date__range=(first, last))
    return {(point_id, day): minutes for point_id, day, minutes in
            rows.values_list("service_point_id", "date", "booked_minutes")}


def _certainly_full(opening: Opening, booked_minutes: int, duration_minutes: int) -> bool:
    desk_minutes = opening.desks * opening.interval.duration.total_seconds() / 60
    return desk_minutes - booked_minutes < duration_minutes


def availability_list(
    *, state: NetworkState, service_code: str, point_ids: list[str] | None, from_date: dt.date | None,
    to_date: dt.date | None, limit: int | None, now: dt.datetime,
) -> list[PointSlot]:
    """Offered starts for a service at the given points (None: every point offering it), sorted
    by start then point, from `from_date` to `to_date` (local dates, inclusive), at most `limit`.

    Days are searched a week at a time across all points, earliest first, and the search stops
    once `limit` slots are certain; days whose booked desk minutes leave no room are skipped
    without reading their bookings.
    """
    points = state.points_offering(service_code)
    if point_ids is not None:
        points = [p for p in points if p.id in point_ids]
    if not points:
        return []
    cap = min(limit, MAX_SLOTS) if limit is not None else MAX_SLOTS
    not_after = state.horizon_end(now)
    first_day = min(now.astimezone(p.zone).date() for p in points)
    last_day = max(not_after.astimezone(p.zone).date() for p in points)
    if from_date is not None:
        first_day = max(first_day, from_date)
    if to_date is not None:
        last_day = min(last_day, to_date)
    found: list[PointSlot] = []
    day = first_day
    stop_after: dt.date | None = None
    while day <= last_day:
        chunk_end = min(day + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_day)
        if stop_after is not None:
            chunk_end = min(chunk_end, stop_after)
        found.extend(_chunk(state, points, service_code, day, chunk_end, now, not_after))
        if stop_after is None and len(found) >= cap:
            # Zones differ by less than a day: one more day settles the order across points.
            stop_after = max(s.slot.start.astimezone(p.zone).date() for s in found for p in points
                             if p.id == s.service_point) + dt.timedelta(days=1)
        if stop_after is not None and chunk_end >= stop_after:
            break
        day = chunk_end + dt.timedelta(days=1)
    found.sort(key=lambda s: (s.slot.start, s.service_point))
    return found[:cap]


def _chunk(state, points, service_code, first, last, now, not_after) -> list[PointSlot]:
    loads = _booked_minutes(points, first, last)
    wanted: list[tuple[PointState, Opening]] = []
    for point in points:
        duration = point.durations[service_code]
        for opening in point.calendar.openings(first, last):
            if opening.interval.end <= now or opening.interval.start > not_after:
                continue
            if _certainly_full(opening, loads.get((point.id, opening.day), 0), duration):
                continue
            wanted.append((point, opening))
    busy = busy_by_point_day({p.id: p for p, _ in wanted}.values(), {o.day for _, o in wanted})
    result = []
    for point, opening in wanted:
        for slot in day_slots(opening, busy.get((point.id, opening.day), ()), slot_minutes=state.slot_minutes,
                              duration_minutes=point.durations[service_code], not_before=now, not_after=not_after):
            result.append(PointSlot(point.id, slot))
    return result


def free_day_list(
    *, state: NetworkState, service_code: str, point_ids: list[str] | None, first_date: dt.date, last_date: dt.date,
    now: dt.datetime,
) -> dict[dt.date, int]:
    """How many starts are offered on each local date from `first_date` to `last_date` (inclusive)
    for a service at the given points (None: every point offering it); dates with none are left out.

    The month view's data: the same week-at-a-time search as `availability_list`, counted per day
    rather than listed, so a month across many points is never cut short by `MAX_SLOTS`.
    """
    points = state.points_offering(service_code)
    if point_ids is not None:
        points = [p for p in points if p.id in point_ids]
    if not points or first_date > last_date:
        return {}
    zones = {p.id: p.zone for p in points}
    not_after = state.horizon_end(now)
    counts: dict[dt.date, int] = defaultdict(int)
    day = first_date
    while day <= last_date:
        chunk_end = min(day + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_date)
        for found in _chunk(state, points, service_code, day, chunk_end, now, not_after):
            counts[found.slot.start.astimezone(zones[found.service_point]).date()] += 1
        day = chunk_end + dt.timedelta(days=1)
    return dict(sorted(counts.items()))


def earliest_by_point(*, state: NetworkState, service_code: str, now: dt.datetime) -> dict[str, PointSlot]:
    """Each point offering the service → its earliest offered start (points with none left out).

    Searches all points a week at a time and drops a point from the search once it has a start.
    """
    remaining = {p.id: p for p in state.points_offering(service_code)}
    if not remaining:
        return {}
    not_after = state.horizon_end(now)
    day = min(now.astimezone(p.zone).date() for p in remaining.values())
    last_day = max(not_after.astimezone(p.zone).date() for p in remaining.values())
    earliest: dict[str, PointSlot] = {}
    while day <= last_day and remaining:
        chunk_end = min(day + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_day)
        for found in _chunk(state, list(remaining.values()), service_code, day, chunk_end, now, not_after):
            held = earliest.get(found.service_point)
            if held is None or found.slot.start < held.slot.start:
                earliest[found.service_point] = found
        for point_id in earliest:
            remaining.pop(point_id, None)
        day = chunk_end + dt.timedelta(days=1)
    return earliest


def nearest_slot_list(
    *, state: NetworkState, service_code: str, point_id: str, start_at: dt.datetime, now: dt.datetime,
    limit: int = 6, days_around: int = 7,
) -> list[PointSlot]:
    """Offered starts near a wanted one (for when it was taken meanwhile): the same point's that
    day first, nearest in time, then the same point's on the days around it, then other points'
    the same day and the days after; at most `limit`, and never the wanted start itself.
    """
    point = state.points.get(point_id)
    if point is None:
        return []
    day = start_at.astimezone(point.zone).date()
    around = dt.timedelta(days=days_around)

    def rank(found: PointSlot):
        local_day = found.slot.start.astimezone(state.points[found.service_point].zone).date()
        return (local_day != day, abs(found.slot.start - start_at), found.service_point)

    wanted = (point_id, start_at)
    same = [s for s in availability_list(state=state, service_code=service_code, point_ids=[point_id],
                                         from_date=day - around, to_date=day + around, limit=None, now=now)
            if (s.service_point, s.slot.start) != wanted]
    nearest = sorted(same, key=rank)[:limit]
    if len(nearest) < limit:
        others = [p.id for p in state.points_offering(service_code) if p.id != point_id]
        if others:
            elsewhere = availability_list(state=state, service_code=service_code, point_ids=others, from_date=day,
                                          to_date=day + around, limit=None, now=now)
            nearest += sorted(elsewhere, key=rank)[:limit - len(nearest)]
    return nearest


def booking_get(*, reservation_key: str) -> Booking | None:
    return (Booking.objects.select_related("service", "service_point", "desk")
            .filter(reservation_key=reservation_key).first())
