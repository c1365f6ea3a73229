"""Releases: times held back until a moment (docs/api.md, "Releases").

A fixed release holds the local dates `first_date`..`last_date` until `opens_at`; a rolling
release opens each day D at local `at` on D − `days_ahead` (each morning one more day). Either
may be limited to some service points and some services. A day is bookable once every release
that covers it has opened: its opening moment is the latest of theirs. Pure data; `now` is passed in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from vuoro.scheduling.calendar import local_instant
from vuoro.scheduling.rush import Rush


@dataclass(frozen=True, slots=True)
class FixedRelease:
    id: int
    first_date: dt.date
    last_date: dt.date
    opens_at: dt.datetime  # aware
    point_ids: frozenset[str] = frozenset()  # empty: every point
    service_codes: frozenset[str] = frozenset()  # empty: every service
    rush: Rush | None = None  # a fair queue around `opens_at` (vuoro.scheduling.rush)

    def covers(self, point_id: str, service_code: str) -> bool:
        return ((not self.point_ids or point_id in self.point_ids)
                and (not self.service_codes or service_code in self.service_codes))


@dataclass(frozen=True, slots=True)
class RollingRelease:
    days_ahead: int
    at: dt.time  # local, in `zone`
    zone: ZoneInfo
    point_ids: frozenset[str] = frozenset()
    service_codes: frozenset[str] = frozenset()

    def covers(self, point_id: str, service_code: str) -> bool:
        return ((not self.point_ids or point_id in self.point_ids)
                and (not self.service_codes or service_code in self.service_codes))

    def opens_at(self, day: dt.date) -> dt.datetime:
        """When the local date `day` opens."""
        return local_instant(day - dt.timedelta(days=self.days_ahead), self.at, self.zone)

    def last_open_day(self, now: dt.datetime) -> dt.date:
        """The latest date already open at `now` (later days open one a day)."""
        day = now.astimezone(self.zone).date() + dt.timedelta(days=self.days_ahead)
        return day if self.opens_at(day) <= now else day - dt.timedelta(days=1)


@dataclass(frozen=True)
class Releases:
    """Every release of a network; `opens_at` and `released_days` answer per point and service."""

    fixed: tuple[FixedRelease, ...] = ()
    rolling: tuple[RollingRelease, ...] = ()
    # (point, service) -> the releases covering it: asked for on every availability answer.
    _covering: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.fixed or self.rolling)

    def _for(self, point_id: str, service_code: str) -> tuple[tuple[FixedRelease, ...], tuple[RollingRelease, ...]]:
        key = (point_id, service_code)
        found = self._covering.get(key)
        if found is None:
            found = (tuple(r for r in self.fixed if r.covers(point_id, service_code)),
                     tuple(r for r in self.rolling if r.covers(point_id, service_code)))
            self._covering[key] = found
        return found

    def opens_at(self, point_id: str, service_code: str, day: dt.date) -> dt.datetime | None:
        """When the local date `day` opens for booking at a point for a service; None when no
        release holds it back (it is bookable whenever the horizon reaches it)."""
        fixed, rolling = self._for(point_id, service_code)
        moments = [r.opens_at for r in fixed if r.first_date <= day <= r.last_date]
        moments += [r.opens_at(day) for r in rolling]
        return max(moments, default=None)

    def rushes(self, point_id: str, service_code: str, day: dt.date) -> tuple[FixedRelease, ...]:
        """The releases with a rush that cover a day at a point for a service."""
        fixed, _ = self._for(point_id, service_code)
        return tuple(r for r in fixed if r.rush is not None and r.first_date <= day <= r.last_date)

    def get(self, release_id: int) -> FixedRelease | None:
        return next((r for r in self.fixed if r.id == release_id), None)

    def is_released(self, point_id: str, service_code: str, day: dt.date, now: dt.datetime) -> bool:
        """Whether the local date `day` may be booked at `now` as far as releases go."""
        moment = self.opens_at(point_id, service_code, day)
        return moment is None or moment <= now

    def released_days(self, point_id: str, service_code: str, first_day: dt.date, count: int,
                      now: dt.datetime) -> int:
        """The released days among `count` days from `first_day` as a bitset (bit k: first_day + k),
        like PointCalendar.open_days, so the two combine with `&`."""
        if count <= 0:
            return 0
        mask = (1 << count) - 1
        fixed, rolling = self._for(point_id, service_code)
        for release in fixed:
            if release.opens_at <= now:
                continue
            first = max((release.first_date - first_day).days, 0)
            last = min((release.last_date - first_day).days, count - 1)
            if first <= last:
                mask &= ~(((1 << (last - first + 1)) - 1) << first)
        for release in rolling:
            open_through = (release.last_open_day(now) - first_day).days
            if open_through < count - 1:
                mask &= (1 << max(open_through + 1, 0)) - 1
        return mask

    def held_back(self, point_ids: list[str], service_code: str, first_day: dt.date, last_day: dt.date,
                  now: dt.datetime) -> list[tuple[dt.date, dt.date, dt.datetime]]:
        """What a page tells a customer looking at `first_day`..`last_date`: the runs of dates held
        back at `now` at any of the points, each as (first date, last date, when it opens), runs
        opening at the same moment joined; earliest first."""
        runs: list[tuple[dt.date, dt.date, dt.datetime]] = []
        day = first_day
        while day <= last_day:
            moments = [m for p in point_ids if (m := self.opens_at(p, service_code, day)) is not None and m > now]
            if moments:
                moment = min(moments)
                if runs and runs[-1][2] == moment and runs[-1][1] == day - dt.timedelta(days=1):
                    runs[-1] = (runs[-1][0], day, moment)
                else:
                    runs.append((day, day, moment))
            day += dt.timedelta(days=1)
        return runs


NO_RELEASES = Releases()
