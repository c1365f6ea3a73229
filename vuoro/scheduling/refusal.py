"""Why a wanted start is not offered, told truthfully: in the past, beyond the horizon, on a closed
day (and why it is closed), outside the day's hours, off the start-time grid, or not released yet.

Pure: the caller passes `now`, the calendar and the moment the day opens for booking. Whether a
desk is free (taken, or kept for a capacity pool) needs the day's bookings and is the caller's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vuoro.scheduling.availability import visit_cells
from vuoro.scheduling.calendar import UTC, PointCalendar, local_date

PAST = "past"
BEYOND_HORIZON = "beyond_horizon"
CLOSED = "closed"
OUTSIDE_HOURS = "outside_hours"
OFF_GRID = "off_grid"
NOT_RELEASED = "not_released"
# Told by the caller, who reads the day's bookings:
KEPT = "kept"  # free only at desks a capacity pool keeps from this caller
TAKEN = "taken"  # no desk free over the whole visit
NOT_OFFERED_HERE = "not_offered_here"  # the point does not offer the service
REASONS = (PAST, BEYOND_HORIZON, CLOSED, OUTSIDE_HOURS, OFF_GRID, NOT_RELEASED, KEPT, TAKEN, NOT_OFFERED_HERE)

# Why a day is closed.
HOLIDAY, EXCEPTION, WEEKLY = "holiday", "exception", "weekly"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A reason from REASONS and what a customer needs to hear with it (None where it does not apply)."""

    reason: str
    day: dt.date | None = None  # the wanted start's local date
    closed_because: str | None = None  # CLOSED: HOLIDAY, EXCEPTION or WEEKLY
    hours: tuple[dt.datetime, dt.datetime] | None = None  # OUTSIDE_HOURS, OFF_GRID: the day's opening, aware
    opens_at: dt.datetime | None = None  # NOT_RELEASED: when the day opens; BEYOND_HORIZON: when the start does


def closed_because(calendar: PointCalendar, day: dt.date) -> str | None:
    """Why a point is closed on a local date (HOLIDAY, EXCEPTION or WEEKLY), or None when it is open."""
    if calendar.opening_on(day) is not None:
        return None
    if day in calendar.exceptions:
        return EXCEPTION  # closed by an exception, or no desk staffed that day
    if day in calendar.holidays:
        return HOLIDAY
    return WEEKLY


def start_refusal(*, calendar: PointCalendar, slot_minutes: int, duration_minutes: int, start: dt.datetime,
                  now: dt.datetime, horizon: dt.timedelta, opens_at: dt.datetime | None,
                  seen_at: dt.datetime | None = None) -> Refusal | None:
    """Why a visit of `duration_minutes` from `start` cannot be booked at `now`, before any booking
    is read; None when the calendar, the horizon and the release allow it. The horizon and the
    release are judged at `seen_at` (default `now`; the waitlist's look-ahead sees a little later).

    `opens_at` is when the start's local day opens for booking (a release), None when nothing holds
    it back. The first reason that holds is told, in this order: past, beyond the horizon, closed,
    not released, outside the hours, off the grid.
    """
    # In UTC: Python adds and compares datetimes sharing a zone by their wall clocks, which a
    # daylight-saving change between them would put an hour out.
    start, now = start.astimezone(UTC), now.astimezone(UTC)
    seen_at = seen_at.astimezone(UTC) if seen_at is not None else now
    day = local_date(start, calendar.zone)
    if start <= now:
        return Refusal(PAST, day=day)
    if start > seen_at + horizon:
        return Refusal(BEYOND_HORIZON, day=day, opens_at=start - horizon)
    opening = calendar.opening_on(day)
    if opening is None:
        return Refusal(CLOSED, day=day, closed_because=closed_because(calendar, day))
    if opens_at is not None and opens_at > seen_at:
        return Refusal(NOT_RELEASED, day=day, opens_at=opens_at)
    hours = (opening.interval.start, opening.interval.end)
    if start < opening.interval.start or start + dt.timedelta(minutes=duration_minutes) > opening.interval.end:
        return Refusal(OUTSIDE_HOURS, day=day, hours=hours)
    if visit_cells(opening, slot_minutes=slot_minutes, start=start, duration_minutes=duration_minutes) is None:
        return Refusal(OFF_GRID, day=day, hours=hours)
    return None
