"""Observed service times: from the console's start (or call, when a clerk finished without
starting) to its finish, of served one-person appointments and queue numbers, per service and
point, beside the configured duration and a recommended one (docs/insight.md)."""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from vuoro.insights.figures import _ints, percentile
from vuoro.insights.figures_models import FiguresCell

RECOMMEND_PERCENTILE = 80


def recommended_minutes(histogram: Counter, *, grid_minutes: int) -> int | None:
    """The RECOMMEND_PERCENTILE-th percentile rounded up to the slot grid, never below one step."""
    value = percentile(histogram, RECOMMEND_PERCENTILE)
    if value is None:
        return None
    return max(grid_minutes, math.ceil(value / grid_minutes) * grid_minutes)


@dataclass(frozen=True)
class ServiceTimes:
    point_id: str | None  # None: every point
    point_label: str
    service_code: str
    service_label: str
    appointments: int
    tickets: int
    median: int | None
    p75: int | None
    p90: int | None
    configured_minutes: int | None
    recommended_minutes: int | None

    @property
    def count(self) -> int:
        return self.appointments + self.tickets


def service_times_list(*, month: dt.date, point_id: str | None, service_code: str | None, durations: dict,
                       grid_minutes: int, point_names: dict[str, str],
                       service_names: dict[str, str]) -> list[ServiceTimes]:
    """Per service: every point's row, then (all points) the network's; `durations` maps
    (point id, service code) to the configured minutes, and (None, code) to the service's own."""
    cells = FiguresCell.objects.filter(month=month.replace(day=1), week="").exclude(service_code="")
    if point_id:
        cells = cells.filter(point_id=point_id)
    if service_code:
        cells = cells.filter(service_code=service_code)
    result = []
    # Only the two service-minute histograms of each cell are read, not its other figures.
    for cell_point, code, booking_minutes, ticket_minutes in cells.values_list("point_id", "service_code",
                                                                                "data__b", "data__t"):
        bookings, tickets = _ints(booking_minutes or {}), _ints(ticket_minutes or {})
        if not bookings and not tickets:
            continue
        observed = bookings + tickets
        pid = cell_point or None
        result.append(ServiceTimes(
            point_id=pid, point_label=point_names.get(pid, pid) if pid else "", service_code=code,
            service_label=service_names.get(code, code), appointments=sum(bookings.values()),
            tickets=sum(tickets.values()), median=percentile(observed, 50), p75=percentile(observed, 75),
            p90=percentile(observed, 90), configured_minutes=durations.get((pid, code)),
            recommended_minutes=recommended_minutes(observed, grid_minutes=grid_minutes)))
    return sorted(result, key=lambda r: (r.service_label, r.point_id is None, r.point_label))
