"""The recorded wait over weeks (models.LeadTimeSample), as the insight page and its CSV show it.

A week's figure is the mean of its hourly figures (read from their daily sums, models.LeadTimeDay):
days to the first free time (hours when nothing
was free within the horizon are left out of the mean and counted apart) and offered starts in the
next 30 days. Weeks start on Monday in the network's time zone."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import F, Max, Q, Sum
from django.db.models.functions import TruncWeek

from vuoro.insights.models import NETWORK, LeadTimeDay, LeadTimeSample

MAX_WEEKS = 52
DEFAULT_WEEKS = 12


@dataclass(frozen=True, slots=True)
class Range:
    """Local dates `first_date` (a Monday) ... `last_date`, inclusive, in `zone`."""

    first_date: dt.date
    last_date: dt.date
    zone: ZoneInfo

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.first_date, dt.time(), tzinfo=self.zone)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.last_date + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)

    def weeks(self) -> list[dt.date]:
        count = (self.last_date - self.first_date).days // 7 + 1
        return [self.first_date + dt.timedelta(weeks=n) for n in range(count)]


def weeks_range(*, today: dt.date, weeks: int, zone: ZoneInfo) -> Range:
    """The last `weeks` weeks up to `today`, the first one from its Monday."""
    monday = today - dt.timedelta(days=today.weekday())
    return Range(first_date=monday - dt.timedelta(weeks=weeks - 1), last_date=today, zone=zone)


@dataclass(frozen=True, slots=True)
class WeekFigure:
    days: float | None  # mean days to the first free time; None: no hour had a free time
    starts_30_days: float | None  # mean offered starts in the next 30 days
    hours: int  # hours recorded
    hours_without: int  # ... of which nothing was free within the horizon


@dataclass
class WeekRow:
    week_start: dt.date
    figures: list[WeekFigure | None] = field(default_factory=list)  # per service; None: nothing recorded


def _mean(total, count) -> float | None:
    return total / count if count else None


def weekly_history(*, services: list[str], point: str = NETWORK, span: Range) -> list[WeekRow]:
    """Each week of `span`, earliest first: each service's figure at `point` (NETWORK: the network).
    Read from the daily sums (LeadTimeDay): a week's mean is over all its hours."""
    found: dict[tuple[dt.date, str], WeekFigure] = {}
    rows = (LeadTimeDay.objects
            .filter(service__in=services, service_point=point, day__gte=span.first_date, day__lte=span.last_date)
            .annotate(week=TruncWeek("day"))
            .values("week", "service")
            .annotate(days=Sum("days_sum"), starts=Sum("starts_30_days_sum"), hours=Sum("hours"),
                      without=Sum("hours_without")).order_by())
    for row in rows:
        week = row["week"]
        week = week.date() if isinstance(week, dt.datetime) else week
        found[(week, row["service"])] = WeekFigure(days=_mean(row["days"], row["hours"] - row["without"]),
                                                  starts_30_days=_mean(row["starts"], row["hours"]),
                                                  hours=row["hours"], hours_without=row["without"])
    return [WeekRow(week_start=week, figures=[found.get((week, code)) for code in services]) for week in span.weeks()]


@dataclass(frozen=True, slots=True)
class PointRow:
    service_point: str
    days_now: int | None  # at the latest recorded hour of the range
    starts_30_days_now: int | None
    days_last_week: float | None  # mean over the range's last 7 days
    days_mean: float | None  # mean over the whole range
    recorded_now: bool  # the point has a sample at the latest hour


def point_table(*, service: str, span: Range) -> tuple[dt.datetime | None, list[PointRow]]:
    """(the latest hour recorded in the range, each point's row), for one service, sorted by point."""
    latest = (LeadTimeSample.objects.filter(service=service, service_point=NETWORK, hour_at__gte=span.start_at,
                                            hour_at__lt=span.end_at).aggregate(latest=Max("hour_at"))["latest"])
    if latest is None:
        return None, []
    week_ago = span.last_date - dt.timedelta(days=6)
    last_week = Q(day__gte=week_ago)
    sums = (LeadTimeDay.objects.filter(service=service, day__gte=span.first_date, day__lte=span.last_date)
            .exclude(service_point=NETWORK).values("service_point")
            .annotate(days=Sum("days_sum"), counted=Sum(F("hours") - F("hours_without")),
                      week_days=Sum("days_sum", filter=last_week),
                      week_counted=Sum(F("hours") - F("hours_without"), filter=last_week)).order_by())
    now = {row["service_point"]: row for row in LeadTimeSample.objects.filter(hour_at=latest, service=service)
           .exclude(service_point=NETWORK).values("service_point", "days_to_first_free", "starts_30_days")}
    return latest, [PointRow(service_point=row["service_point"],
                             days_now=now.get(row["service_point"], {}).get("days_to_first_free"),
                             starts_30_days_now=now.get(row["service_point"], {}).get("starts_30_days"),
                             days_last_week=_mean(row["week_days"], row["week_counted"]),
                             days_mean=_mean(row["days"], row["counted"]), recorded_now=row["service_point"] in now)
                    for row in sorted(sums, key=lambda r: r["service_point"])]


CSV_HEADER = ["hour", "service", "service_point", "first_free", "days_to_first_free", "starts_7_days",
              "starts_30_days", "starts_90_days"]


CSV_CHUNK_ROWS = 5000  # about how many samples one query of the CSV reads


def history_csv_chunks(*, services: list[str], point: str | None, span: Range,
                       points_count: int) -> Iterator[list[list]]:
    """The hourly samples of the range (every point and the network when `point` is None; "network"
    names the network-wide rows), hour by hour, in the network's zone: the page's CSV, its header
    first, in lists of rows. Read a window of hours at a time (about CSV_CHUNK_ROWS samples for
    `points_count` points), each by a plain query: no server-side cursor held open while the
    answer streams, and memory bounded however long the range."""
    yield [CSV_HEADER]
    samples = LeadTimeSample.objects.filter(service__in=services)
    if point is not None:
        samples = samples.filter(service_point=point)
    per_hour = max(1, len(services) * (1 if point is not None else points_count + 1))
    window = dt.timedelta(hours=max(1, CSV_CHUNK_ROWS // per_hour))
    start, end = span.start_at.astimezone(dt.UTC), span.end_at.astimezone(dt.UTC)
    zone = span.zone
    while start < end:
        stop = min(start + window, end)
        hours: dict[dt.datetime, str] = {}
        rows = []
        for hour_at, service, where, first_free_at, days, *starts in (
                samples.filter(hour_at__gte=start, hour_at__lt=stop).order_by("hour_at", "service", "service_point")
                .values_list("hour_at", "service", "service_point", "first_free_at", "days_to_first_free",
                             "starts_7_days", "starts_30_days", "starts_90_days")):
            hour = hours.get(hour_at)
            if hour is None:
                hour = hours[hour_at] = hour_at.astimezone(zone).isoformat()
            rows.append([hour, service, where or "network",
                         first_free_at.astimezone(zone).isoformat() if first_free_at else "",
                         "" if days is None else days, *starts])
        if rows:
            yield rows
        start = stop
