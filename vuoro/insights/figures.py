"""The month in figures, read from the daily sums (vuoro.insights.figures_compute): one month's
totals, and the same figures by ISO week, by service point and by service.

Percentiles are nearest-rank: the p-th percentile is the smallest value at or below which at
least p % of the items lie (so the median of 1, 2, 3, 4 is 2). Rates are None when nothing was
counted, and the page shows "–".
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from vuoro.guidance.decide import AVOIDED_VISIT_OUTCOMES
from vuoro.guidance.models import GuidanceRecord
from vuoro.insights.figures_compute import LEAD_BANDS
from vuoro.insights.figures_models import FiguresPointDay, FiguresWeek


def percentile(histogram: Counter, p: float) -> int | None:
    """Nearest-rank percentile (0 < p <= 100) of a histogram {value: count}; None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover - the ranks add up to total


def _mean(histogram: Counter) -> float | None:
    total = sum(histogram.values())
    return sum(value * count for value, count in histogram.items()) / total if total else None


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _merge(counter: Counter, histogram: dict) -> None:
    for value, count in histogram.items():
        counter[int(value)] += count


SUMS = ("made", "visits", "booked_minutes", "came", "used_minutes", "served", "no_shows", "cancelled",
        "cancelled_minutes", "rebooked_minutes")
POINT_SUMS = ("offered_minutes", "walk_in_offered_minutes", "tickets_issued", "tickets_turned_away",
              "tickets_served", "tickets_called", "estimated", "estimate_minutes_sum", "estimated_wait_minutes_sum")


@dataclass
class Figures:
    """The figures of one group of days (a month, a week, a point, a service)."""

    key: str
    label: str
    sums: Counter = field(default_factory=Counter)
    lead_days: Counter = field(default_factory=Counter)
    waits: Counter = field(default_factory=Counter)
    band_due: list = field(default_factory=lambda: [0] * len(LEAD_BANDS))
    band_no_shows: list = field(default_factory=lambda: [0] * len(LEAD_BANDS))
    avoided: int | None = None
    span: tuple[dt.date, dt.date] | None = None  # a week's days within the month
    point_level: bool = True  # offered time and queue numbers belong to the group (not split by service)

    def add_service_day(self, sums, leads, band_due, band_no_shows) -> None:
        for name, value in zip(SUMS, sums, strict=True):
            self.sums[name] += value
        _merge(self.lead_days, leads)
        for index, (due, absent) in enumerate(zip(band_due or (), band_no_shows or (), strict=True)):
            self.band_due[index] += due
            self.band_no_shows[index] += absent

    def add_point_day(self, sums, waits) -> None:
        for name, value in zip(POINT_SUMS, sums, strict=True):
            self.sums[name] += value
        _merge(self.waits, waits)

    # What the page and the CSV show.
    @property
    def lead_mean(self):
        return _mean(self.lead_days)

    @property
    def lead_median(self):
        return percentile(self.lead_days, 50)

    @property
    def lead_p90(self):
        return percentile(self.lead_days, 90)

    @property
    def utilisation_booked(self):
        return _ratio(self.sums["booked_minutes"], self.sums["offered_minutes"]) if self.point_level else None

    @property
    def utilisation_used(self):
        return _ratio(self.sums["used_minutes"], self.sums["offered_minutes"]) if self.point_level else None

    @property
    def rebooked_share(self):
        return _ratio(self.sums["rebooked_minutes"], self.sums["cancelled_minutes"])

    @property
    def no_show_rate(self):
        return _ratio(self.sums["no_shows"], self.sums["no_shows"] + self.sums["came"])

    @property
    def band_rates(self):
        return [_ratio(absent, due) for due, absent in zip(self.band_due, self.band_no_shows, strict=True)]

    @property
    def wait_mean(self):
        return _mean(self.waits)

    @property
    def wait_p90(self):
        return percentile(self.waits, 90)

    @property
    def estimate_mean(self):
        return _ratio(self.sums["estimate_minutes_sum"], self.sums["estimated"])

    @property
    def estimated_wait_mean(self):
        return _ratio(self.sums["estimated_wait_minutes_sum"], self.sums["estimated"])

    @property
    def served_per_desk_hour(self):
        if not self.point_level:
            return None
        hours = (self.sums["offered_minutes"] + self.sums["walk_in_offered_minutes"]) / 60
        return _ratio(self.sums["served"] + self.sums["tickets_served"], hours)


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date
    first_date: dt.date
    last_date: dt.date
    total: Figures
    weeks: list[Figures]
    points: list[Figures]
    services: list[Figures]
    computed_at: dt.datetime | None

    @property
    def groups(self):
        """(group name, rows) in the page's and the CSV's order."""
        return [("month", [self.total]), ("week", self.weeks), ("point", self.points), ("service", self.services)]


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def week_key(day: dt.date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return year, week


def figures_month_get(*, month: dt.date, point_id: str | None = None, service_id: int | None = None,
                      point_names: dict[str, str], service_names: dict[int, str],
                      service_codes: dict[int, str]) -> MonthFigures:
    """One month's figures (local dates of each point), for one point or all, one service or all."""
    first, last = month_bounds(month)
    weeks: dict[tuple[int, int], Figures] = {}
    points: dict[str, Figures] = {}
    services: dict[int, Figures] = {}
    total = Figures(key=first.strftime("%Y-%m"), label=first.strftime("%Y-%m"), point_level=service_id is None)

    def week(day: dt.date) -> Figures:
        key = week_key(day)
        if key not in weeks:
            monday = _monday(key)
            weeks[key] = Figures(key=f"{key[0]}-W{key[1]:02d}", label=str(key[1]), point_level=service_id is None,
                                 span=(max(monday, first), min(monday + dt.timedelta(days=6), last)))
        return weeks[key]

    def point(pid: str) -> Figures:
        if pid not in points:
            points[pid] = Figures(key=pid, label=point_names.get(pid, pid), point_level=service_id is None)
        return points[pid]

    def service(sid: int) -> Figures:
        if sid not in services:
            services[sid] = Figures(key=service_codes.get(sid, str(sid)), label=service_names.get(sid, str(sid)),
                                    point_level=False)
        return services[sid]

    rows = FiguresWeek.objects.filter(month=first)
    point_rows = FiguresPointDay.objects.filter(date__gte=first, date__lte=last)
    if point_id:
        rows, point_rows = rows.filter(service_point_id=point_id), point_rows.filter(service_point_id=point_id)
    if service_id:
        rows = rows.filter(service_id=service_id)
    # The weeks of each point and service are summed into the groups; a week's key is "2026-W13".
    cells: dict[tuple, Figures] = {}
    bands = [f"due_{i}" for i in range(len(LEAD_BANDS))] + [f"no_shows_{i}" for i in range(len(LEAD_BANDS))]
    for pid, sid, wk, *values in rows.values_list("service_point_id", "service_id", "week", *SUMS, *bands,
                                                  "made_lead_days").iterator(chunk_size=5000):
        cell = cells[pid, sid, _week_tuple(wk)] = Figures(key="", label="")
        cell.add_service_day(values[:len(SUMS)], values[-1], values[len(SUMS):len(SUMS) + len(LEAD_BANDS)],
                             values[len(SUMS) + len(LEAD_BANDS):-1])
    computed = None
    point_cells: dict[tuple, Figures] = defaultdict(lambda: Figures(key="", label=""))
    for day, pid, computed_at, *values in point_rows.values_list(
            "date", "service_point_id", "computed_at", *POINT_SUMS, "wait_minutes").iterator(chunk_size=5000):
        point_cells[pid, week_key(day)].add_point_day(values[:-1], values[-1])
        computed = computed_at if computed is None else min(computed, computed_at)
    for (pid, sid, wk), cell in cells.items():
        for group in (total, week(_monday(wk)), point(pid), service(sid)):
            _absorb(group, cell)
    if service_id is None:
        for (pid, wk), cell in point_cells.items():
            for group in (total, week(_monday(wk)), point(pid)):
                _absorb(group, cell)
        total.avoided = guidance_avoided_count(first_date=first, last_date=last)
    else:
        total.avoided = guidance_avoided_count(first_date=first, last_date=last, matter=service_codes.get(service_id))
    return MonthFigures(month=first, first_date=first, last_date=last, total=total,
                        weeks=[weeks[k] for k in sorted(weeks)],
                        points=sorted(points.values(), key=lambda f: f.label),
                        services=sorted(services.values(), key=lambda f: f.label), computed_at=computed)


def _week_tuple(key: str) -> tuple[int, int]:
    year, week = key.split("-W")
    return int(year), int(week)


def _monday(week: tuple[int, int]) -> dt.date:
    return dt.date.fromisocalendar(week[0], week[1], 1)


def _absorb(group: Figures, cell: Figures) -> None:
    group.sums.update(cell.sums)
    group.lead_days.update(cell.lead_days)
    group.waits.update(cell.waits)
    for index in range(len(LEAD_BANDS)):
        group.band_due[index] += cell.band_due[index]
        group.band_no_shows[index] += cell.band_no_shows[index]


def guidance_avoided_count(*, first_date: dt.date, last_date: dt.date, matter: str | None = None) -> int:
    """Guidance that sent a customer online or elsewhere instead of to a desk (the network's, no point)."""
    records = GuidanceRecord.objects.filter(date__gte=first_date, date__lte=last_date,
                                            outcome__in=AVOIDED_VISIT_OUTCOMES)
    if matter:
        records = records.filter(matter=matter)
    return records.count()
