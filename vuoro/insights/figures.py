"""The month in figures: a month's cells (FiguresCell) built from the daily sums
(vuoro.insights.figures_compute) after each refresh, and read by the pages: the month, its ISO
weeks, its service points and its services, for all points or one, all services or one. A page
reads at most a few hundred cells, however many bookings the month had.

Percentiles are nearest-rank: the p-th percentile is the smallest value at or below which at
least p % of the items lie (so the median of 1, 2, 3, 4 is 2). Rates are None when nothing was
counted, and the page shows "–".
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q

from vuoro.guidance.decide import AVOIDED_VISIT_OUTCOMES
from vuoro.guidance.models import GuidanceRecord
from vuoro.insights.figures_compute import LEAD_BANDS
from vuoro.insights.figures_models import FiguresCell, FiguresMonth, FiguresPointDay, FiguresServiceDay
from vuoro.network.models import Service


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
    get = counter.get
    for value, count in histogram.items():
        value = int(value)
        counter[value] = get(value, 0) + count


SUMS = ("made", "visits", "booked_minutes", "came", "used_minutes", "served", "no_shows", "cancelled",
        "cancelled_minutes", "rebooked_minutes")
POINT_SUMS = ("offered_minutes", "walk_in_offered_minutes", "tickets_issued", "tickets_turned_away",
              "tickets_served", "tickets_called", "estimated", "estimate_minutes_sum", "estimated_wait_minutes_sum")
ALL = ""  # a cell's point, service or week when it sums all of them


def _add(into: dict, other: dict) -> None:
    get = into.get
    for key, count in other.items():
        into[key] = get(key, 0) + count


def _ints(histogram: dict) -> Counter:
    return Counter({int(value): count for value, count in histogram.items()})


@dataclass
class Figures:
    """The figures of one group of days (a month, a week, a point, a service)."""

    key: str = ""
    label: str = ""
    sums: Counter = field(default_factory=Counter)
    lead_days: Counter = field(default_factory=Counter)
    waits: Counter = field(default_factory=Counter)
    band_due: list = field(default_factory=lambda: [0] * len(LEAD_BANDS))
    band_no_shows: list = field(default_factory=lambda: [0] * len(LEAD_BANDS))
    booking_service_minutes: Counter = field(default_factory=Counter)
    ticket_service_minutes: Counter = field(default_factory=Counter)
    avoided: int | None = None
    point_level: bool = True  # offered time and queue numbers belong to the group (not split by service)
    span: tuple[dt.date, dt.date] | None = None  # a week's days within the month

    def absorb(self, other: Figures) -> None:
        _add(self.sums, other.sums)
        _add(self.lead_days, other.lead_days)
        _add(self.waits, other.waits)
        _add(self.booking_service_minutes, other.booking_service_minutes)
        _add(self.ticket_service_minutes, other.ticket_service_minutes)
        for index in range(len(LEAD_BANDS)):
            self.band_due[index] += other.band_due[index]
            self.band_no_shows[index] += other.band_no_shows[index]

    def as_data(self) -> dict:
        return {"s": {k: v for k, v in self.sums.items() if v}, "l": self.lead_days, "w": self.waits,
                "d": self.band_due, "n": self.band_no_shows, "b": self.booking_service_minutes,
                "t": self.ticket_service_minutes}

    @classmethod
    def from_data(cls, data: dict, **kwargs) -> Figures:
        return cls(sums=Counter(data["s"]), lead_days=_ints(data["l"]), waits=_ints(data["w"]),
                   band_due=list(data["d"]), band_no_shows=list(data["n"]),
                   booking_service_minutes=_ints(data["b"]), ticket_service_minutes=_ints(data["t"]), **kwargs)

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
    computed_at: dt.datetime | None  # when the month's cells were built

    @property
    def groups(self):
        """(group name, rows) in the page's and the CSV's order."""
        return [("month", [self.total]), ("week", self.weeks), ("point", self.points), ("service", self.services)]


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def iso_week(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def figures_month_get(*, month: dt.date, point_id: str | None = None, service_code: str | None = None,
                      point_names: dict[str, str], service_names: dict[str, str]) -> MonthFigures:
    """One month's figures (local dates of each point), for one point or all, one service or all."""
    first, last = month_bounds(month)
    point, service = point_id or ALL, service_code or ALL
    wanted = Q(point_id=point, service_code=service)  # the month and its weeks
    if not point_id:
        wanted |= Q(service_code=service, week=ALL) & ~Q(point_id=ALL)
    if not service_code:
        wanted |= Q(point_id=point, week=ALL) & ~Q(service_code=ALL)
    total, weeks, points, services = None, [], [], []
    for cell_point, cell_service, week, data in (FiguresCell.objects.filter(wanted, month=first)
                                                 .values_list("point_id", "service_code", "week", "data")):
        point_level = cell_service == ALL
        if week:
            monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
            weeks.append(Figures.from_data(data, key=week, label=str(int(week[6:])), point_level=point_level,
                                           span=(max(monday, first), min(monday + dt.timedelta(days=6), last))))
        elif cell_point == point and cell_service == service:
            total = Figures.from_data(data, key=f"{first:%Y-%m}", label=f"{first:%Y-%m}", point_level=point_level)
        elif cell_point != point:
            points.append(Figures.from_data(data, key=cell_point, label=point_names.get(cell_point, cell_point),
                                            point_level=point_level))
        else:
            services.append(Figures.from_data(data, key=cell_service, point_level=False,
                                              label=service_names.get(cell_service, cell_service)))
    if total is None:
        total = Figures(key=f"{first:%Y-%m}", label=f"{first:%Y-%m}", point_level=not service_code)
    if point_id:  # the one point's row is the month's
        points = [Figures.from_data(total.as_data(), key=point_id, label=point_names.get(point_id, point_id),
                                    point_level=total.point_level)]
    if service_code:
        services = [Figures.from_data(total.as_data(), key=service_code, point_level=False,
                                      label=service_names.get(service_code, service_code))]
    total.avoided = guidance_avoided_count(first_date=first, last_date=last, matter=service_code)
    built = FiguresMonth.objects.filter(month=first).values_list("built_at", flat=True).first()
    return MonthFigures(month=first, first_date=first, last_date=last, total=total,
                        weeks=sorted(weeks, key=lambda f: f.key), points=sorted(points, key=lambda f: f.label),
                        services=sorted(services, key=lambda f: f.label), computed_at=built)


def figures_month_build(*, month: dt.date, now: dt.datetime) -> int:
    """Build a month's cells again from its daily sums: each day adds to its point's and all
    points' cells, of its service and of all services, of its week and of the whole month.
    Returns the cells written."""
    first, last = month_bounds(month)
    FiguresMonth.objects.get_or_create(month=first)
    with transaction.atomic():
        lock = FiguresMonth.objects.filter(month=first)
        if connection.features.has_select_for_update:
            lock = lock.select_for_update()  # a second worker waits, then builds from the newer days
        lock.get()
        service_codes = dict(Service.objects.values_list("pk", "code"))
        cells: dict[tuple[str, str, str], Figures] = {}

        def cell(key) -> Figures:
            found = cells.get(key)
            if found is None:
                found = cells[key] = Figures()
            return found

        rows = FiguresServiceDay.objects.filter(date__gte=first, date__lte=last).values_list(
            "date", "service_point_id", "service_id", *SUMS, "made_lead_days", "band_due", "band_no_shows",
            "booking_service_minutes", "ticket_service_minutes")
        for day, point_id, service_id, *values in rows.iterator(chunk_size=5000):
            leads, due, absent, booking_minutes, ticket_minutes = values[len(SUMS):]
            day_figures = Figures(sums=Counter(dict(zip(SUMS, values, strict=False))), lead_days=_ints(leads),
                                  band_due=due or [0] * len(LEAD_BANDS),
                                  band_no_shows=absent or [0] * len(LEAD_BANDS))
            week = iso_week(day)
            code = service_codes.get(service_id, str(service_id))
            for p in (point_id, ALL):
                for s in (code, ALL):
                    cell((p, s, week)).absorb(day_figures)
                    cell((p, s, ALL)).absorb(day_figures)
            if booking_minutes or ticket_minutes:  # service times: per point and service, whole month only
                times = Figures(booking_service_minutes=_ints(booking_minutes),
                                ticket_service_minutes=_ints(ticket_minutes))
                cell((point_id, code, ALL)).absorb(times)
                cell((ALL, code, ALL)).absorb(times)
        point_rows = FiguresPointDay.objects.filter(date__gte=first, date__lte=last).values_list(
            "date", "service_point_id", *POINT_SUMS, "wait_minutes")
        for day, point_id, *values in point_rows.iterator(chunk_size=5000):
            day_figures = Figures(sums=Counter(dict(zip(POINT_SUMS, values, strict=False))), waits=_ints(values[-1]))
            week = iso_week(day)
            for p in (point_id, ALL):
                cell((p, ALL, week)).absorb(day_figures)
                cell((p, ALL, ALL)).absorb(day_figures)
        FiguresCell.objects.filter(month=first).delete()
        FiguresCell.objects.bulk_create(
            [FiguresCell(month=first, point_id=p, service_code=s, week=w, data=figures.as_data())
             for (p, s, w), figures in cells.items()], batch_size=2000)
        FiguresMonth.objects.filter(month=first).update(built_at=now)
    return len(cells)


def guidance_avoided_count(*, first_date: dt.date, last_date: dt.date, matter: str | None = None) -> int:
    """Guidance that sent a customer online or elsewhere instead of to a desk (the network's, no point)."""
    records = GuidanceRecord.objects.filter(date__gte=first_date, date__lte=last_date,
                                            outcome__in=AVOIDED_VISIT_OUTCOMES)
    if matter:
        records = records.filter(matter=matter)
    return records.count()
