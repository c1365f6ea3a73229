"""A service point's days: local opening hours → aware opening intervals and desks staffed.

Local wall-clock hours hold across daylight-saving changes: 08:00 stays 08:00 local on
either side of a change. Exceptions come first, then public holidays, then the week.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from vuoro.scheduling.intervals import Interval

UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class DayException:
    """A date that differs from the week: `hours` None closes it; `desks` None keeps the usual count."""

    hours: tuple[dt.time, dt.time] | None
    desks: int | None = None


@dataclass(frozen=True, slots=True)
class Opening:
    """One day's opening: the aware interval (in UTC) and the number of desks staffed."""

    day: dt.date
    interval: Interval
    desks: int


_BLOCK = 128  # days in a block of PointCalendar.open_days


@dataclass(frozen=True)
class PointCalendar:
    """Everything needed to know when a service point is open; plain data, no database."""

    zone: ZoneInfo
    desks: int
    weekly: Mapping[int, tuple[dt.time, dt.time]]  # weekday 0 = Monday
    exceptions: Mapping[dt.date, DayException] = field(default_factory=dict)
    holidays: Container[dt.date] = frozenset()
    # Openings already worked out: the calendar is immutable, and a search of the earliest free
    # time across a network asks for the same days again and again.
    _openings: dict[dt.date, Opening | None] = field(default_factory=dict, init=False, repr=False, compare=False)
    _open_masks: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def open_days(self, first_day: dt.date, count: int) -> int:
        """The days open among `count` days from `first_day` as a bitset: bit k set when open on first_day + k.

        Worked out in blocks of `_BLOCK` days aligned on the date's ordinal, each once: a search
        asks for ranges starting on any day, and a range is a few shifts of its blocks."""
        start = first_day.toordinal()
        mask = 0
        block = start - start % _BLOCK
        while block < start + count:
            found = self._open_masks.get(block)
            if found is None:
                if len(self._open_masks) > 64:
                    self._open_masks.clear()
                found = 0
                for k in range(_BLOCK):
                    if self._hours_on(dt.date.fromordinal(block + k)) is not None:
                        found |= 1 << k
                self._open_masks[block] = found
            offset = block - start
            mask |= found << offset if offset >= 0 else found >> -offset
            block += _BLOCK
        return mask & ((1 << count) - 1) if count > 0 else 0

    def opening_on(self, day: dt.date) -> Opening | None:
        """The opening of a local date, or None when the point is closed that day."""
        try:
            return self._openings[day]
        except KeyError:
            pass
        if len(self._openings) > 4096:
            self._openings.clear()
        opening = self._opening_on(day)
        self._openings[day] = opening
        return opening

    def _opening_on(self, day: dt.date) -> Opening | None:
        found = self._hours_on(day)
        if found is None:
            return None
        (opens, closes), desks = found
        return Opening(day=day, interval=local_interval(day, opens, closes, self.zone), desks=desks)

    def _hours_on(self, day: dt.date) -> tuple[tuple[dt.time, dt.time], int] | None:
        """A local date's hours and desks, or None when the point is closed that day."""
        exception = self.exceptions.get(day)
        if exception is not None:
            hours, desks = exception.hours, self.desks if exception.desks is None else exception.desks
        elif day in self.holidays:
            return None
        else:
            hours, desks = self.weekly.get(day.weekday()), self.desks
        if hours is None or desks <= 0:
            return None
        return hours, desks

    def openings(self, first_day: dt.date, last_day: dt.date) -> Iterator[Opening]:
        """The openings from first_day to last_day, both included."""
        day = first_day
        while day <= last_day:
            opening = self.opening_on(day)
            if opening is not None:
                yield opening
            day += dt.timedelta(days=1)


def local_interval(day: dt.date, opens: dt.time, closes: dt.time, zone: ZoneInfo) -> Interval:
    """Local wall-clock times of one date as an aware UTC interval.

    The one place where local hours become instants. A time that does not exist locally (in a
    spring-forward gap) resolves as zoneinfo does with fold=0: the offset before the change.
    """
    start = dt.datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
    end = dt.datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
    return Interval(start, end)


def local_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The local date of an aware instant."""
    return instant.astimezone(zone).date()


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A local wall-clock time of one date as an aware UTC instant, resolved as `local_interval`
    resolves opening hours (a time in a spring-forward gap takes the offset before the change)."""
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(UTC)
