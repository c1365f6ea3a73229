"""Lead times now: for each service at each point, the first time the public can book and how many
whole local days away it is (the API's `GET /api/v1/lead-times`), and the free time ahead that the
worker records each hour (vuoro.insights.recording)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vuoro.booking.selectors import MAX_SLOTS, SEARCH_CHUNK_DAYS, availability_list, earliest_by_point
from vuoro.network.state import NetworkState
from vuoro.scheduling.leadtime import WINDOWS_DAYS, days_until, window_counts


@dataclass(frozen=True, slots=True)
class LeadTime:
    service: str
    service_point: str
    first_free_at: dt.datetime | None  # in the point's zone
    days_to_first_free: int | None


def lead_time_list(*, state: NetworkState, now: dt.datetime, service_code: str | None = None,
                   point_id: str | None = None) -> list[LeadTime]:
    """Each service offered at each point (or only the given service, the given point) with the
    earliest start public availability offers at `now` (None: none within the horizon), sorted by
    service then point. Public: no capacity pool's kept desks, no personal data."""
    codes = sorted(state.service_ids) if service_code is None else [service_code]
    found = []
    for code in codes:
        points = [p for p in state.points_offering(code) if point_id is None or p.id == point_id]
        if not points:
            continue
        if point_id is None:
            earliest = earliest_by_point(state=state, service_code=code, now=now)
        else:  # one point: its first slot, without searching the others
            first = availability_list(state=state, service_code=code, point_ids=[point_id], from_date=None,
                                      to_date=None, limit=1, now=now)
            earliest = {point_id: first[0]} if first else {}
        for point in sorted(points, key=lambda p: p.id):
            slot = earliest.get(point.id)
            start = slot.slot.start.astimezone(point.zone) if slot else None
            found.append(LeadTime(service=code, service_point=point.id, first_free_at=start,
                                  days_to_first_free=None if start is None else days_until(start, now=now,
                                                                                            zone=point.zone)))
    return found


def free_starts_by_point(*, state: NetworkState, service_code: str, now: dt.datetime,
                         windows: tuple[int, ...] = WINDOWS_DAYS) -> dict[str, dict[int, int]]:
    """Each point offering the service → {window days: offered starts in the local dates today ...
    today + window - 1}. An offered start is one start time the public can book (as the API lists it),
    counted once however many desks are free at it."""
    points = state.points_offering(service_code)
    dates: dict[str, list[dt.date]] = {p.id: [] for p in points}
    if not points:
        return {}
    first_day = min(now.astimezone(p.zone).date() for p in points)
    last_day = first_day + dt.timedelta(days=max(windows))
    # A week of a group of points at a time, the group small enough that even a grid full of free
    # starts stays under availability's cap.
    per_point_week = SEARCH_CHUNK_DAYS * (24 * 60 // state.slot_minutes + 1)
    group_size = max(1, MAX_SLOTS // per_point_week)
    ids = [p.id for p in points]
    for first in range(0, len(ids), group_size):
        group = ids[first:first + group_size]
        day = first_day
        while day <= last_day:
            chunk_end = min(day + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_day)
            for slot in availability_list(state=state, service_code=service_code, point_ids=group, from_date=day,
                                          to_date=chunk_end, limit=None, now=now):
                dates[slot.service_point].append(slot.day.opening.day)
            day = chunk_end + dt.timedelta(days=1)
    return {p.id: window_counts(dates[p.id], today=now.astimezone(p.zone).date(), windows=windows) for p in points}
