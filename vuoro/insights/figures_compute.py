"""The month in figures: recompute a service point's daily sums from its bookings and tickets.

Each (point, local date) is recomputed whole and written in one transaction (its rows deleted and
written again), never incremented: running it twice, or two workers running it, leaves the same
rows. The worker refreshes every point hourly for the last days (where visits are still served,
marked absent and made) and nightly for the last LONG_DAYS (late cancellations, moves), holding
the point's claim row so two workers do not do the same work (docs/insight.md).
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction

from vuoro.booking.models import Booking
from vuoro.insights.figures_models import FiguresPointDay, FiguresRefresh, FiguresServiceDay
from vuoro.network.state import NetworkState, PointState
from vuoro.scheduling.calendar import local_instant
from vuoro.walkin.models import Ticket, TicketDay

# Lead-time bands for no-shows: (first day, last day), the last open-ended.
LEAD_BANDS = ((0, 7), (8, 30), (31, 90), (91, None))
SHORT_DAYS = 2  # the hourly refresh: today and the two days before
LONG_DAYS = 40  # the nightly refresh

S = Booking.Status
CAME = (S.CHECKED_IN, S.CALLED, S.IN_SERVICE, S.DONE)


def lead_band(days: int) -> int:
    """The index in LEAD_BANDS of a lead time in days."""
    for index, (_first, last) in enumerate(LEAD_BANDS):
        if last is None or days <= last:
            return index
    return len(LEAD_BANDS) - 1


def whole_minutes_up(delta: dt.timedelta) -> int:
    """A duration in whole minutes, rounded up (never negative)."""
    return max(0, math.ceil(delta.total_seconds() / 60))


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return round((end - start).total_seconds() / 60)


@dataclass
class _ServiceDay:
    made: int = 0
    made_lead_days: Counter = field(default_factory=Counter)
    visits: int = 0
    booked_minutes: int = 0
    came: int = 0
    used_minutes: int = 0
    served: int = 0
    no_shows: int = 0
    band_due: list = field(default_factory=lambda: [0] * len(LEAD_BANDS))
    band_no_shows: list = field(default_factory=lambda: [0] * len(LEAD_BANDS))
    cancelled: int = 0
    cancelled_minutes: int = 0
    rebooked_minutes: int = 0
    booking_service_minutes: Counter = field(default_factory=Counter)
    ticket_service_minutes: Counter = field(default_factory=Counter)

    def row(self, *, day: dt.date, point_id: str, service_id: int) -> FiguresServiceDay:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("made_lead_days", "booking_service_minutes", "ticket_service_minutes"):
            values[name] = {str(k): v for k, v in sorted(values[name].items())}
        return FiguresServiceDay(date=day, service_point_id=point_id, service_id=service_id, **values)


def _day_start(day: dt.date, point: PointState) -> dt.datetime:
    return local_instant(day, dt.time(0), point.zone)


def _rebooked_minutes(cancelled, others, day_start: dt.datetime) -> int:
    """Minutes of a cancelled booking's desk time taken by bookings made after the cancellation and
    before its day began, that were not cancelled themselves (they never overlap one another)."""
    desk_id, start, end, cancelled_at = cancelled
    total = 0
    for o_desk, o_start, o_end, o_created in others:
        if o_desk == desk_id and o_start < end and start < o_end and cancelled_at <= o_created < day_start:
            total += _minutes(max(start, o_start), min(end, o_end))
    return total


def _service_minutes(status, started_at, called_at, finished_at) -> int | None:
    start = started_at or called_at
    if status != S.DONE or start is None or finished_at is None:
        return None
    return whole_minutes_up(finished_at - start)


def point_days_compute(*, state: NetworkState, point_id: str, first_date: dt.date, last_date: dt.date,
                       now: dt.datetime) -> int:
    """Recompute and write a point's figures of local dates first_date..last_date; returns the days written."""
    point = state.points[point_id]
    days = [first_date + dt.timedelta(days=k) for k in range((last_date - first_date).days + 1)]
    cells: dict[tuple[dt.date, int], _ServiceDay] = defaultdict(_ServiceDay)

    made = (Booking.objects.filter(service_point_id=point_id, local_date__gte=first_date,
                                   created_at__gte=_day_start(first_date, point),
                                   created_at__lt=_day_start(last_date + dt.timedelta(days=1), point))
            .exclude(status=S.HELD).values_list("service_id", "created_at", "local_date"))
    for service_id, created_at, visit_date in made.iterator(chunk_size=5000):
        made_date = created_at.astimezone(point.zone).date()
        cell = cells[made_date, service_id]
        cell.made += 1
        cell.made_lead_days[(visit_date - made_date).days] += 1

    visits = (Booking.objects.filter(service_point_id=point_id, local_date__gte=first_date, local_date__lte=last_date)
              .exclude(status=S.HELD)
              .values_list("service_id", "local_date", "desk_id", "start_at", "end_at", "status", "created_at",
                           "cancelled_at", "called_at", "started_at", "finished_at", "persons"))
    by_day = defaultdict(list)
    for row in visits.iterator(chunk_size=5000):
        by_day[row[1]].append(row)
    for day, rows in by_day.items():
        live = [(r[2], r[3], r[4], r[6]) for r in rows if r[5] != S.CANCELLED]
        day_start = _day_start(day, point)
        for (service_id, _d, desk_id, start_at, end_at, status, created_at, cancelled_at, called_at, started_at,
             finished_at, persons) in rows:
            cell = cells[day, service_id]
            minutes = _minutes(start_at, end_at)
            if status == S.CANCELLED:
                cell.cancelled += 1
                cell.cancelled_minutes += minutes
                cell.rebooked_minutes += _rebooked_minutes((desk_id, start_at, end_at, cancelled_at or created_at),
                                                           live, day_start)
                continue
            cell.visits += 1
            cell.booked_minutes += minutes
            band = lead_band((day - created_at.astimezone(point.zone).date()).days)
            if status in CAME:
                cell.came += 1
                cell.used_minutes += minutes
                cell.band_due[band] += 1
            elif status == S.NO_SHOW:
                cell.no_shows += 1
                cell.band_due[band] += 1
                cell.band_no_shows[band] += 1
            if status == S.DONE:
                cell.served += 1
                observed = _service_minutes(status, started_at, called_at, finished_at)
                if observed is not None and persons == 1:  # a family's visit is longer by design
                    cell.booking_service_minutes[observed] += 1

    point_rows = {day: _point_day(point, day, now) for day in days}
    tickets = (Ticket.objects.filter(service_point_id=point_id, local_date__gte=first_date, local_date__lte=last_date)
               .values_list("local_date", "service_id", "status", "issued_at", "called_at", "started_at",
                            "finished_at", "estimated_wait_minutes"))
    for day, service_id, status, issued_at, called_at, started_at, finished_at, estimate in tickets.iterator():
        row = point_rows[day]
        row.tickets_issued += 1
        if called_at is not None:
            wait = whole_minutes_up(called_at - issued_at)
            row.tickets_called += 1
            row.wait_minutes[wait] = row.wait_minutes.get(wait, 0) + 1
            if estimate is not None:
                row.estimated += 1
                row.estimate_minutes_sum += estimate
                row.estimated_wait_minutes_sum += wait
        if status == Ticket.Status.DONE:
            row.tickets_served += 1
            observed = _service_minutes(S.DONE, started_at, called_at, finished_at)
            if observed is not None and service_id is not None:
                cells[day, service_id].ticket_service_minutes[observed] += 1
    for day, turned_away in TicketDay.objects.filter(service_point_id=point_id, date__gte=first_date,
                                                     date__lte=last_date).values_list("date", "turned_away"):
        point_rows[day].tickets_turned_away = turned_away
    for row in point_rows.values():
        row.wait_minutes = {str(k): v for k, v in sorted(row.wait_minutes.items())}

    service_rows = [cell.row(day=day, point_id=point_id, service_id=service_id)
                    for (day, service_id), cell in cells.items() if first_date <= day <= last_date]
    with transaction.atomic():
        FiguresServiceDay.objects.filter(service_point_id=point_id, date__gte=first_date, date__lte=last_date).delete()
        FiguresPointDay.objects.filter(service_point_id=point_id, date__gte=first_date, date__lte=last_date).delete()
        FiguresServiceDay.objects.bulk_create(service_rows, batch_size=2000)
        FiguresPointDay.objects.bulk_create(point_rows.values(), batch_size=2000)
    return len(days)


def _point_day(point: PointState, day: dt.date, now: dt.datetime) -> FiguresPointDay:
    """A day's row with the desk time the network's calendar offers (0 on a closed day)."""
    opening = point.calendar.opening_on(day)
    open_minutes = _minutes(opening.interval.start, opening.interval.end) if opening else 0
    return FiguresPointDay(date=day, service_point_id=point.id, computed_at=now,
                           offered_minutes=open_minutes * (opening.desks if opening else 0),
                           walk_in_offered_minutes=open_minutes * point.walk_in_desks, wait_minutes={})


def figures_refresh(*, state: NetworkState, now: dt.datetime, days: int | None = None,
                    point_ids: list[str] | None = None) -> dict[str, int]:
    """Recompute each point's last days (its local today and SHORT_DAYS before; the first refresh
    after a point's local midnight: LONG_DAYS; `days` given: that many). A point another worker
    is refreshing is skipped. Then the months those days touch are built again (FiguresCell).
    Returns the days written per point."""
    written: dict[str, int] = {}
    months: set[dt.date] = set()
    for point_id in point_ids or sorted(state.points):
        point = state.points[point_id]
        today = now.astimezone(point.zone).date()
        FiguresRefresh.objects.get_or_create(service_point_id=point_id)
        with transaction.atomic():
            claim = _claim(point_id)
            if claim is None:
                continue
            span = days if days is not None else (SHORT_DAYS if claim.long_date == today else LONG_DAYS)
            written[point_id] = point_days_compute(state=state, point_id=point_id, now=now, last_date=today,
                                                   first_date=today - dt.timedelta(days=span))
            claim.refreshed_at = now
            if span >= LONG_DAYS:
                claim.long_date = today
            claim.save(update_fields=["refreshed_at", "long_date"])
            months.update(months_between(today - dt.timedelta(days=span), today))
    if written:
        from vuoro.insights.figures import figures_month_build

        for month in sorted(months):
            figures_month_build(month=month, now=now)
    return written


def months_between(first_date: dt.date, last_date: dt.date) -> list[dt.date]:
    """The first days of the months from first_date's to last_date's, both included."""
    months, month = [], first_date.replace(day=1)
    while month <= last_date:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _claim(point_id: str) -> FiguresRefresh | None:
    """Lock the point's claim row for this transaction; None when another worker holds it."""
    queryset = FiguresRefresh.objects.filter(service_point_id=point_id)
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True).first()
    return queryset.first()  # SQLite: one writer at a time already
