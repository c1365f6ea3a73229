"""Reads of the service network, including the plain calendars the scheduling core works on."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.db.models import Prefetch

from vuoro.network.models import (
    NetworkSettings,
    Pool,
    Release,
    RollingRelease,
    Service,
    ServicePoint,
    ServicePointService,
)
from vuoro.network.networkfile import (
    ExceptionSpec,
    Names,
    NetworkSpec,
    OpeningSpan,
    PoolSpec,
    ReleaseSpec,
    RollingReleaseSpec,
    RushSpec,
    ServicePointSpec,
    ServiceSpec,
    WalkInSpec,
)
from vuoro.scheduling.calendar import DayException, PointCalendar


def service_list():
    return Service.objects.order_by("code")


def service_point_list():
    offers = ServicePointService.objects.select_related("service").order_by("position", "id")
    return ServicePoint.objects.prefetch_related(Prefetch("offers", queryset=offers)).order_by("id")


@lru_cache(maxsize=32)
def _country_holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays_lib.country_holidays(country, years=year).keys())


class HolidayDates:
    """The public holidays of a country as a container of dates, any year, loaded lazily."""

    def __init__(self, country: str):
        self.country = country

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and day in _country_holidays(self.country, day.year)


def holiday_names(country: str | None, first: dt.date, last: dt.date, language: str) -> dict[dt.date, str]:
    """The public holidays from `first` to `last` (inclusive) with their names in `language` where
    the holidays package has them (fi, sv_FI, en_US, ...), else in the country's own."""
    if not country:
        return {}
    calendar = holidays_lib.country_holidays(country, years=range(first.year, last.year + 1))
    supported = calendar.supported_languages or ()
    chosen = next((code for code in supported if code == language), None) or next(
        (code for code in supported if code.split("_")[0] == language), None)
    if chosen is not None:
        calendar = holidays_lib.country_holidays(country, years=range(first.year, last.year + 1), language=chosen)
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def holidays_for(country: str | None):
    return HolidayDates(country) if country else frozenset()


@dataclass(frozen=True)
class PointSetup:
    """A service point as the scheduling core needs it: calendar and each service's duration."""

    id: str
    calendar: PointCalendar
    durations: dict[str, int]  # service code -> minutes


def point_setup(point: ServicePoint, settings: NetworkSettings) -> PointSetup:
    """Build the plain calendar of a point (its hours, exceptions and holidays)."""
    weekly = {h.weekday: (h.opens_at, h.closes_at) for h in point.hours.all()}
    # Staffed desks are capped by the point's desks (refused at every door; capped here too, so
    # no number of desks without a row is ever offered).
    exceptions = {e.date: DayException(hours=(e.opens_at, e.closes_at) if e.opens_at else None,
                                       desks=None if e.desks is None else min(e.desks, point.appointment_desks))
                  for e in point.exceptions.all()}
    calendar = PointCalendar(zone=ZoneInfo(point.timezone), desks=point.appointment_desks, weekly=weekly,
                             exceptions=exceptions, holidays=holidays_for(settings.holidays_country))
    durations = {o.service.code: o.effective_duration_minutes for o in point.offers.all()}
    return PointSetup(id=point.id, calendar=calendar, durations=durations)


def network_export() -> NetworkSpec:
    """The stored network as a spec, ready to be written as a network file."""
    settings = NetworkSettings.current()
    services = tuple(
        ServiceSpec(code=s.code, name=Names(s.name_fi, s.name_sv, s.name_en), duration_minutes=s.duration_minutes,
                    minutes_per_extra_person=s.minutes_per_extra_person,
                    max_bookings_per_person=s.max_bookings_per_person,
                    checklist={lang: tuple(s.checklist(lang)) for lang in ("fi", "sv", "en")
                               if getattr(s, f"checklist_{lang}").strip()})
        for s in service_list())
    points = []
    for p in service_point_list().prefetch_related("hours", "exceptions"):
        offers = list(p.offers.all())
        points.append(ServicePointSpec(
            id=p.id, name=Names(p.name_fi, p.name_sv, p.name_en), address=p.address, timezone=p.timezone,
            timezone_explicit=p.timezone_explicit or p.timezone != settings.timezone,
            desks=p.appointment_desks, services=tuple(o.service.code for o in offers),
            durations={o.service.code: o.duration_minutes for o in offers if o.duration_minutes},
            hours={h.weekday: OpeningSpan(h.opens_at, h.closes_at) for h in p.hours.all()},
            exceptions=tuple(ExceptionSpec(date=e.date, hours=OpeningSpan(e.opens_at, e.closes_at) if e.opens_at
                                           else None, desks=e.desks) for e in p.exceptions.order_by("date")),
            walk_in=WalkInSpec(desks=p.walk_in_desks, daily_tickets=p.daily_tickets or 0)
            if p.walk_in_desks or p.daily_tickets else None,
            accessibility={lang: text.strip() for lang in ("fi", "sv", "en")
                           if (text := getattr(p, f"accessibility_{lang}")).strip()},
        ))
    pools = tuple(
        PoolSpec(id=p.id, name=Names(p.name_fi, p.name_sv, p.name_en), kind=p.kind, desks=p.desks,
                 public_days_before=p.public_days_before,
                 service_points=tuple(sorted(x.id for x in p.service_points.all())) or None,
                 services=tuple(sorted(x.code for x in p.services.all())) or None)
        for p in Pool.objects.prefetch_related("service_points", "services").order_by("id"))
    releases = tuple(
        ReleaseSpec(from_date=r.from_date, to_date=r.to_date, opens_at=dt.datetime.combine(r.opens_on, r.opens_time),
                    service_points=tuple(p.id for p in r.service_points.order_by("id")),
                    services=tuple(s.code for s in r.services.order_by("code")),
                    rush=RushSpec(admit_per_minute=r.rush_admit_per_minute, before_minutes=r.rush_before_minutes,
                                  after_minutes=r.rush_after_minutes, pass_minutes=r.rush_pass_minutes,
                                  admit_every_seconds=r.rush_admit_every_seconds)
                    if r.rush_admit_per_minute else None)
        for r in release_list())
    rolling = tuple(
        RollingReleaseSpec(days_ahead=r.days_ahead, at=r.at,
                           service_points=tuple(p.id for p in r.service_points.order_by("id")),
                           services=tuple(s.code for s in r.services.order_by("code")))
        for r in RollingRelease.objects.order_by("days_ahead", "at", "id"))
    return NetworkSpec(timezone=settings.timezone, holidays=settings.holidays_country or None,
                       horizon_days=settings.horizon_days, slot_minutes=settings.slot_minutes,
                       services=services, service_points=tuple(points), pools=pools, releases=releases,
                       rolling_releases=rolling, max_bookings_per_person=settings.max_bookings_per_person,
                       confirm_new_email_minutes=settings.confirm_new_email_minutes,
                       wait_goal_days=settings.wait_goal_days)


def release_list():
    """Every release, the earliest to open first."""
    return Release.objects.order_by("opens_on", "opens_time", "from_date", "to_date", "id")
