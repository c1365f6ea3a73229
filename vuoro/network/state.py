"""The network as plain, immutable data for the scheduling core, cached per process.

Every change to a network table gives `NetworkSettings.version` a new random value (signals
below; random, not a counter, so a rolled-back change can never reuse a number), so a server
checks one integer per request and rebuilds its calendars only after a change. Servers stay
stateless: the cache is a copy, never the truth.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models.signals import m2m_changed, post_delete, post_save

from vuoro import prepared
from vuoro.network import models as network_models
from vuoro.network.models import Desk, NetworkSettings, ServicePoint
from vuoro.network.selectors import point_setup, service_point_list
from vuoro.scheduling.calendar import PointCalendar, local_instant
from vuoro.scheduling.releases import NO_RELEASES, FixedRelease, Releases, RollingRelease
from vuoro.scheduling.rush import Rush


@dataclass(frozen=True)
class PointState:
    id: str
    zone: ZoneInfo
    calendar: PointCalendar
    durations: dict[str, int]  # service code -> minutes at this point
    desk_ids: dict[int, int]  # appointment desk number -> desk id (desks in use)
    desk_numbers: dict[int, int]  # desk id -> number (every appointment desk, in use or not)
    daily_tickets: int | None
    walk_in_desks: int
    # Names this point's calendar, grid and desk numbering: a day's stored free-cell summary
    # (booking.DayLoad) is trusted only while it was computed under the same key.
    calendar_key: str = ""


@dataclass(frozen=True, slots=True)
class PoolState:
    """A capacity pool (network file `[[pools]]`): `desks` highest-numbered staffed desks kept."""

    id: str
    kind: str  # "priority" (codes) or "staff" (staff booking for a customer only)
    desks: int
    public_days_before: int
    services: frozenset[str] | None  # None: every service


@dataclass(frozen=True)
class NetworkState:
    version: int
    timezone: ZoneInfo
    horizon_days: int
    slot_minutes: int
    points: dict[str, PointState]
    service_ids: dict[str, int]  # service code -> id
    service_durations: dict[str, int]
    extra_person_minutes: dict[str, int] = field(default_factory=dict)  # service code -> minutes (0 left out)
    pools: dict[str, PoolState] = field(default_factory=dict)  # pool id -> pool
    pool_of_point: dict[str, str] = field(default_factory=dict)  # point id -> the pool keeping desks there
    # Live future bookings one person may hold: of each service (code -> cap), and of all services; 0 = no cap.
    person_caps: dict[str, int] = field(default_factory=dict)
    network_person_cap: int = 0
    # A public booking with an e-mail address never confirmed is held this long for its link (0: off).
    confirm_new_email_minutes: int = 0

    def kept_desks(self, point: PointState, service_code: str, day: dt.date, now: dt.datetime,
                   pools: frozenset[str] = frozenset()) -> tuple[int, bool]:
        """(how many of the day's highest-numbered staffed desks a caller eligible for `pools` may
        not use, whether the point's pooled desks are open to this caller and should be used first).

        The public (`pools` empty) does not see a pool's desks on days more than
        `public_days_before` local days after `now`'s date; a caller eligible for the pool sees
        them (for the pool's services) and fills them before the public desks.
        """
        pool = self.pools.get(self.pool_of_point.get(point.id, ""))
        if pool is None:
            return 0, False
        if pool.id in pools and (pool.services is None or service_code in pool.services):
            return 0, True
        if (day - now.astimezone(point.zone).date()).days <= pool.public_days_before:
            return 0, False
        return pool.desks, False

    def pools_at(self, point_ids) -> frozenset[str]:
        """The pools keeping desks at any of these points: what staff booking for a customer there may use."""
        return frozenset(pool_id for point_id in point_ids if (pool_id := self.pool_of_point.get(point_id)))
    releases: Releases = NO_RELEASES  # times held back until a moment

    def visit_minutes(self, point: PointState, service_code: str, persons: int = 1) -> int | None:
        """How long a visit of `persons` people takes at a point (docs/api.md, family time), or None
        when the point does not offer the service."""
        duration = point.durations.get(service_code)
        if duration is None or persons <= 1:
            return duration
        return duration + (persons - 1) * self.extra_person_minutes.get(service_code, 0)

    def service_lengths(self, service_code: str, fallback: int) -> tuple[int, int, int]:
        """(shortest, longest) one-person visit across the points offering a service (`fallback`
        when none does), and its minutes per extra person: what a page tells before a point is chosen."""
        lengths = {p.durations[service_code] for p in self.points_offering(service_code)} or {fallback}
        return min(lengths), max(lengths), self.extra_person_minutes.get(service_code, 0)

    def horizon_end(self, now: dt.datetime) -> dt.datetime:
        """The latest start that may be booked at `now` (days of 24 hours: added in UTC, as Python adds
        wall-clock time to a datetime in a zone with daylight saving)."""
        return now.astimezone(dt.UTC) + dt.timedelta(days=self.horizon_days)

    def points_offering(self, service_code: str) -> list[PointState]:
        return [p for p in self.points.values() if service_code in p.durations]


_lock = threading.Lock()
_cached: NetworkState | None = None


VERSION_SUBQUERY = f"(SELECT version FROM {NetworkSettings._meta.db_table} WHERE id = 1)"
_VERSION_SQL = f"SELECT {VERSION_SUBQUERY}"


def network_state() -> NetworkState:
    """The current network; one small query when nothing changed since the last call."""
    return network_state_at(prepared.rows(_VERSION_SQL, [])[0][0])  # this runs on every request


def network_state_unchecked() -> NetworkState:
    """This process's copy of the network without asking the database whether it is current,
    for a writer that reads the version (VERSION_SUBQUERY) in a statement it runs anyway and
    calls `network_state_at` with it; the copy is built when there is none yet."""
    return _cached if _cached is not None else network_state()


def network_state_knowing(service_code: str, point_id: str | None = None) -> NetworkState:
    """`network_state_unchecked`, unless that copy does not know the service or the point (None:
    any): then the current network, since they may have been added a moment ago. A caller that
    refuses an unknown name refuses it only under the current network."""
    state = network_state_unchecked()
    if service_code in state.service_ids and (point_id is None or point_id in state.points):
        return state
    return network_state()


def network_state_at(version: int | None) -> NetworkState:
    """The network at this version: the cached copy, or a new one built when the version moved."""
    global _cached
    cached = _cached
    if cached is not None and version is not None and cached.version == version:
        return cached
    # The settings row is made, if missing, before the lock is taken: making it writes (and bumps
    # the version), and a thread holding the lock must never wait on another's transaction.
    settings = NetworkSettings.current()
    if version is None:
        version = settings.version
    with _lock:
        cached = _cached
        if cached is not None and cached.version == version:
            return cached  # another thread built this version meanwhile
        state = _build(version or 0, settings)
        _cached = state
        return state


def _build(version: int, settings: NetworkSettings) -> NetworkState:
    from vuoro.network.models import Service

    desks: dict[str, list[Desk]] = {}
    for desk in Desk.objects.filter(kind=Desk.Kind.APPOINTMENT):
        desks.setdefault(desk.service_point_id, []).append(desk)
    points = {}
    for point in service_point_list().prefetch_related("hours", "exceptions"):
        setup = point_setup(point, settings)
        point_desks = desks.get(point.id, [])
        desk_numbers = {d.id: d.number for d in point_desks}
        points[point.id] = PointState(
            id=point.id, zone=setup.calendar.zone, calendar=setup.calendar, durations=setup.durations,
            desk_ids={d.number: d.id for d in point_desks if d.active},
            desk_numbers=desk_numbers,
            daily_tickets=point.daily_tickets, walk_in_desks=point.walk_in_desks,
            calendar_key=_calendar_key(point.id, setup.calendar, desk_numbers, settings))
    services = list(Service.objects.values_list("code", "id", "duration_minutes", "minutes_per_extra_person"))
    pools, pool_of_point = {}, {}
    for pool in network_models.Pool.objects.prefetch_related("service_points", "services").order_by("id"):
        codes = frozenset(s.code for s in pool.services.all())
        pools[pool.id] = PoolState(id=pool.id, kind=pool.kind, desks=pool.desks,
                                   public_days_before=pool.public_days_before, services=codes or None)
        for point_id in [p.id for p in pool.service_points.all()] or list(points):
            pool_of_point.setdefault(point_id, pool.id)  # one pool a point (the loader and the admin check it)
    zone = ZoneInfo(settings.timezone)
    caps = dict(Service.objects.values_list("code", "max_bookings_per_person"))
    return NetworkState(version=version, timezone=zone, horizon_days=settings.horizon_days, releases=_releases(zone),
                        slot_minutes=settings.slot_minutes, points=points,
                        service_ids={code: pk for code, pk, _, _ in services},
                        service_durations={code: minutes for code, _, minutes, _ in services},
                        extra_person_minutes={code: extra for code, _, _, extra in services if extra},
                        pools=pools, pool_of_point=pool_of_point,
                        person_caps=caps, network_person_cap=settings.max_bookings_per_person,
                        confirm_new_email_minutes=settings.confirm_new_email_minutes)


def _releases(zone: ZoneInfo) -> Releases:
    """The releases as the core's plain records, their local moments made instants in the network's zone."""
    fixed = []
    for r in network_models.Release.objects.prefetch_related("service_points", "services"):
        opens_at = local_instant(r.opens_on, r.opens_time, zone)
        rush = None if not r.rush_admit_per_minute else Rush(
            opens_at=opens_at, admit_per_minute=r.rush_admit_per_minute,
            before=dt.timedelta(minutes=r.rush_before_minutes), after=dt.timedelta(minutes=r.rush_after_minutes),
            pass_duration=dt.timedelta(minutes=r.rush_pass_minutes), admit_every_seconds=r.rush_admit_every_seconds)
        fixed.append(FixedRelease(id=r.id, first_date=r.from_date, last_date=r.to_date, opens_at=opens_at,
                                  point_ids=frozenset(p.id for p in r.service_points.all()),
                                  service_codes=frozenset(s.code for s in r.services.all()), rush=rush))
    fixed = tuple(fixed)
    rolling = tuple(
        RollingRelease(days_ahead=r.days_ahead, at=r.at, zone=zone,
                       point_ids=frozenset(p.id for p in r.service_points.all()),
                       service_codes=frozenset(s.code for s in r.services.all()))
        for r in network_models.RollingRelease.objects.prefetch_related("service_points", "services"))
    return Releases(fixed=fixed, rolling=rolling) if fixed or rolling else NO_RELEASES


def _calendar_key(point_id: str, calendar, desk_numbers: dict[int, int], settings: NetworkSettings) -> str:
    """A digest of everything a day's free cells depend on besides its bookings."""
    import holidays

    text = repr((point_id, str(calendar.zone), calendar.desks, sorted(calendar.weekly.items()),
                 sorted(calendar.exceptions.items()), settings.holidays_country, holidays.__version__,
                 settings.slot_minutes, sorted(desk_numbers.items())))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _bump(sender, **kwargs) -> None:
    if sender is NetworkSettings and kwargs.get("update_fields") == frozenset({"version"}):
        return
    NetworkSettings.current()
    NetworkSettings.objects.filter(pk=1).update(version=secrets.randbits(62))


for _model in (network_models.NetworkSettings, network_models.Service, ServicePoint,
               network_models.ServicePointService, Desk, network_models.OpeningHours,
               network_models.OpeningException, network_models.Pool, network_models.Release,
               network_models.RollingRelease):
    post_save.connect(_bump, sender=_model, dispatch_uid=f"network-version-save-{_model.__name__}")
    post_delete.connect(_bump, sender=_model, dispatch_uid=f"network-version-delete-{_model.__name__}")
m2m_changed.connect(_bump, sender=ServicePoint.services.through, dispatch_uid="network-version-m2m")
for _through, _uid in ((network_models.Pool.service_points.through, "points"),
                      (network_models.Pool.services.through, "services")):
    m2m_changed.connect(_bump, sender=_through, dispatch_uid=f"network-version-pool-{_uid}")
for _release in (network_models.Release, network_models.RollingRelease):
    for _field in ("service_points", "services"):
        m2m_changed.connect(_bump, sender=getattr(_release, _field).through,
                            dispatch_uid=f"network-version-m2m-{_release.__name__}-{_field}")
