"""What a service point's public page shows: its hours this week, the exceptions ahead, its
services with their lengths and earliest free times, and its queue today.

Read-only, and reused rather than recomputed: the hours come from the point's calendar in the
cached NetworkState (exceptions first, then public holidays, then the week: as booking sees
them), the queue from the display board's selector, the free times from the booking selectors.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote_plus

from django.utils.translation import get_language

from vuoro.booking.selectors import earliest_by_service
from vuoro.network.models import NetworkSettings, ServicePoint
from vuoro.network.selectors import holiday_names, service_point_list
from vuoro.network.state import NetworkState, PointState
from vuoro.walkin.selectors import QueueStatus, queue_status

EXCEPTIONS_AHEAD_DAYS = 60
MAP_SEARCH = "https://www.openstreetmap.org/search?query="


@dataclass(frozen=True)
class DayHours:
    """One local date as the public sees it; `opens_at`/`closes_at` local to the point, None when closed."""

    date: dt.date
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    kind: str  # "regular", "holiday" (closed for it), "exception" (other hours or closed), "closed"
    holiday: str = ""  # the public holiday's name, where the day is one
    today: bool = False

    @property
    def closed(self) -> bool:
        return self.opens_at is None


@dataclass(frozen=True)
class ServiceRow:
    code: str
    name: str
    duration_minutes: int
    extra_person_minutes: int
    earliest_at: dt.datetime | None  # local to the point


@dataclass(frozen=True)
class PointPage:
    point: ServicePoint
    map_url: str
    week: list[DayHours]
    exceptions_ahead: list[DayHours]
    services: list[ServiceRow]
    queue: QueueStatus | None  # None: the point serves by appointment only
    queue_day: str = ""  # "before", "open" or "over" (closed today, or closed for the day)


def map_url(address: str) -> str:
    """A plain link to OpenStreetMap's search for the address (no script, no embedded map)."""
    return MAP_SEARCH + quote_plus(address) if address.strip() else ""


def day_hours(point: PointState, day: dt.date, holidays: dict[dt.date, str], *, today: dt.date) -> DayHours:
    """One date's hours from the point's calendar, told apart as booking tells them apart."""
    calendar = point.calendar
    opening = calendar.opening_on(day)
    opens = closes = None
    if opening is not None:
        opens, closes = opening.interval.start.astimezone(point.zone), opening.interval.end.astimezone(point.zone)
    name = holidays.get(day, "")
    if day in calendar.exceptions:
        kind = "exception"
    elif day in calendar.holidays and day.weekday() in calendar.weekly:
        kind = "holiday"
    else:
        kind = "regular" if opening is not None else "closed"
    return DayHours(date=day, opens_at=opens, closes_at=closes, kind=kind, holiday=name, today=day == today)


def _differs(point: PointState, row: DayHours) -> bool:
    """Whether a day's hours differ from its weekday's: what the exceptions ahead list."""
    if row.kind == "holiday":
        return True
    if row.kind != "exception":
        return False
    usual = point.calendar.weekly.get(row.date.weekday())
    hours = (row.opens_at.time(), row.closes_at.time()) if row.opens_at else None
    return hours != usual


def point_page_get(*, state: NetworkState, point_id: str, now: dt.datetime) -> PointPage | None:
    """Everything the point's public page shows at `now`, or None for an unknown point."""
    # The network in memory first: an id it does not know (any text at all) never reaches the database.
    state_point = state.points.get(point_id)
    point = service_point_list().filter(id=point_id).first() if state_point is not None else None
    if point is None:
        return None
    today = now.astimezone(state_point.zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    last = max(monday + dt.timedelta(days=6), today + dt.timedelta(days=EXCEPTIONS_AHEAD_DAYS))
    holidays = holiday_names(NetworkSettings.current().holidays_country, monday, last, (get_language() or "fi")[:2])
    week = [day_hours(state_point, monday + dt.timedelta(days=k), holidays, today=today) for k in range(7)]
    ahead = [row for k in range(1, EXCEPTIONS_AHEAD_DAYS + 1)
             if _differs(state_point, row := day_hours(state_point, today + dt.timedelta(days=k), holidays,
                                                       today=today))]
    earliest = earliest_by_service(state=state, point_id=point_id, now=now)
    services = [ServiceRow(code=offer.service.code, name=offer.service.name,
                           duration_minutes=state_point.durations.get(offer.service.code,
                                                                      offer.effective_duration_minutes),
                           extra_person_minutes=state.extra_person_minutes.get(offer.service.code, 0),
                           earliest_at=earliest[offer.service.code].slot.start.astimezone(state_point.zone)
                           if offer.service.code in earliest else None)
                for offer in point.offers.all()]
    queue = queue_status(state=state, point_id=point_id, now=now) if state_point.daily_tickets else None
    opening = state_point.calendar.opening_on(today)
    queue_day = ("over" if opening is None or now >= opening.interval.end else
                 "before" if now < opening.interval.start else "open")
    return PointPage(point=point, map_url=map_url(point.address), week=week, exceptions_ahead=ahead,
                     services=services, queue=queue, queue_day=queue_day)
