"""Lead time: how many whole local days away the first free time is, and the free time ahead.

Plain arithmetic on aware datetimes and local dates; the caller passes `now` and the zone.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

# The windows the free time ahead is counted over: local dates from today, today included.
WINDOWS_DAYS = (7, 30, 90)


def days_until(at: dt.datetime, *, now: dt.datetime, zone: ZoneInfo) -> int:
    """Whole local days from `now`'s date to `at`'s date, both in `zone` (0 = today, 1 = tomorrow).

    Counted in calendar dates, not in 24-hour periods: across a daylight-saving change a day has 23
    or 25 hours and is still one day, and a time tomorrow morning is 1 even when fewer than 24 hours
    away."""
    return (at.astimezone(zone).date() - now.astimezone(zone).date()).days


def window_counts(dates: Iterable[dt.date], *, today: dt.date,
                  windows: tuple[int, ...] = WINDOWS_DAYS) -> dict[int, int]:
    """How many of `dates` (one a thing counted, e.g. an offered start's local date) fall in each
    window: window n holds the local dates today ... today + n - 1. Dates before today count in none."""
    counts = dict.fromkeys(windows, 0)
    for day in dates:
        ahead = (day - today).days
        if ahead < 0:
            continue
        for window in windows:
            if ahead < window:
                counts[window] += 1
    return counts


def earliest_days(values: Iterable[int | None]) -> int | None:
    """The network's days to the first free time: the smallest of the points' (None where a point has
    none), or None when no point has one."""
    present = [value for value in values if value is not None]
    return min(present) if present else None
