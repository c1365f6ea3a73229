"""Writes to the service network: loading a network file."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from vuoro.network.models import (
    Desk,
    NetworkSettings,
    OpeningException,
    OpeningHours,
    Pool,
    Release,
    RollingRelease,
    Service,
    ServicePoint,
    ServicePointService,
)
from vuoro.network.networkfile import NetworkFileError, NetworkSpec, ReleaseSpec, RollingReleaseSpec, ServicePointSpec


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # (model name, "added" | "changed" | "removed") -> rows: the audit log's summary of a load
    counts: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> dict[str, dict[str, int]]:
        """How many rows of each kind were added, changed and removed (desks: taken out of use)."""
        out: dict[str, dict[str, int]] = {}
        for (kind, verb), count in sorted(self.counts.items()):
            out.setdefault(kind, {})[verb] = count
        return out


def _sync(model, lookup: dict, values: dict, report: LoadReport, label: str):
    """Create or update one row; record what changed, touch nothing when nothing did."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.created.append(label)
        report.counts[model._meta.model_name, "added"] += 1
        return obj
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save(update_fields=changed)
        report.updated.append(f"{label} ({', '.join(changed)})")
        report.counts[model._meta.model_name, "changed"] += 1
    return obj


@transaction.atomic
def network_load(*, spec: NetworkSpec) -> LoadReport:
    """Create or update, by id and code, everything in a checked network spec.

    Points and services not in the spec are left alone. A point's weekly hours are replaced
    by the file's (a missing day is closed); its exceptions are set by date, and other dates'
    exceptions are kept. Desks beyond the file's count are taken out of use, never deleted,
    since bookings refer to them.
    """
    report = LoadReport()
    _sync(NetworkSettings, {"pk": 1}, {"timezone": spec.timezone, "holidays_country": spec.holidays or "",
                                       "horizon_days": spec.horizon_days, "slot_minutes": spec.slot_minutes,
                                       "max_bookings_per_person": spec.max_bookings_per_person,
                                       "confirm_new_email_minutes": spec.confirm_new_email_minutes,
                                       "wait_goal_days": spec.wait_goal_days},
          report, "network settings")
    services = {}
    for item in spec.services:
        services[item.code] = _sync(Service, {"code": item.code}, {
            "name_fi": item.name.fi, "name_sv": item.name.sv, "name_en": item.name.en,
            "duration_minutes": item.duration_minutes, "minutes_per_extra_person": item.minutes_per_extra_person,
            "max_bookings_per_person": item.max_bookings_per_person,
            **{f"checklist_{lang}": "\n".join(item.checklist.get(lang, ())) for lang in ("fi", "sv", "en")},
        }, report, f"service {item.code}")
    for point_spec in spec.service_points:
        _load_point(point_spec, services, report)
    _load_pools(spec, report)
    _load_releases(spec, report)
    return report


def _load_pools(spec: NetworkSpec, report: LoadReport) -> None:
    """Create or update the file's pools by id; pools not in the file are left alone, as points are.
    One pool a point holds across the file and the stored pools kept."""
    for item in spec.pools:
        pool = _sync(Pool, {"id": item.id}, {
            "name_fi": item.name.fi, "name_sv": item.name.sv, "name_en": item.name.en, "kind": item.kind,
            "desks": item.desks, "public_days_before": item.public_days_before}, report, f"pool {item.id}")
        for field_name, wanted, key in (("service_points", item.service_points, "id"),
                                        ("services", item.services, "code")):
            related = getattr(pool, field_name)
            current = set(related.values_list(key, flat=True))
            if current != set(wanted or ()):
                model = related.model
                related.set(list(model.objects.filter(**{f"{key}__in": wanted or ()})))
                report.updated.append(f"pool {item.id} ({field_name})")
                report.counts["pool", "changed"] += 1
    in_file = {p.id for p in spec.pools}
    kept_at: dict[str, str] = {}
    for pool in Pool.objects.prefetch_related("service_points").order_by("id"):
        point_ids = [p.id for p in pool.service_points.all()] or list(
            ServicePoint.objects.values_list("id", flat=True))
        for point_id in point_ids:
            if point_id in kept_at:
                where = f'pools (id "{pool.id}")' if pool.id in in_file else f'stored pool "{pool.id}"'
                raise NetworkFileError([f"{where}.service_points: service point {point_id!r} already has pool "
                                        f"{kept_at[point_id]!r} (one pool a point)"])
            kept_at[point_id] = pool.id
            point = ServicePoint.objects.get(pk=point_id)
            if pool.desks > point.appointment_desks:
                raise NetworkFileError([f'pools (id "{pool.id}").desks: {pool.desks} desks kept, but service '
                                        f"point {point_id!r} has only {point.appointment_desks}"])


def _scope_key(release) -> tuple[frozenset[str], frozenset[str]]:
    if isinstance(release, ReleaseSpec | RollingReleaseSpec):
        return frozenset(release.service_points), frozenset(release.services)
    return (frozenset(p.id for p in release.service_points.all()),
            frozenset(s.code for s in release.services.all()))


def _load_releases(spec: NetworkSpec, report: LoadReport) -> None:
    """The file's releases become the stored ones (a file without any has none). A release with the
    same dates and scope as a stored one keeps its row (and so its id and rush queue); others are
    added and removed."""
    stored = {(r.from_date, r.to_date, *_scope_key(r)): r
              for r in Release.objects.prefetch_related("service_points", "services")}
    for item in spec.releases:
        key = (item.from_date, item.to_date, *_scope_key(item))
        label = f"release {item.from_date}..{item.to_date}"
        rush = item.rush
        values = {"opens_on": item.opens_at.date(), "opens_time": item.opens_at.time(),
                  "rush_admit_per_minute": rush.admit_per_minute if rush else None,
                  "rush_before_minutes": rush.before_minutes if rush else 15,
                  "rush_after_minutes": rush.after_minutes if rush else 5,
                  "rush_pass_minutes": rush.pass_minutes if rush else 10,
                  "rush_admit_every_seconds": rush.admit_every_seconds if rush else 60}
        release = stored.pop(key, None)
        if release is None:
            release = Release.objects.create(from_date=item.from_date, to_date=item.to_date, **values)
            release.service_points.set(item.service_points)
            release.services.set(Service.objects.filter(code__in=item.services))
            report.created.append(label)
            report.counts["release", "added"] += 1
        elif changed := [k for k, v in values.items() if getattr(release, k) != v]:
            for k in changed:
                setattr(release, k, values[k])
            release.save(update_fields=changed)
            report.updated.append(f"{label} ({', '.join(changed)})")
            report.counts["release", "changed"] += 1
    for release in stored.values():
        release.delete()
        report.updated.append(f"release {release.from_date}..{release.to_date} removed")
        report.counts["release", "removed"] += 1
    rolling = {(r.days_ahead, r.at, *_scope_key(r)): r
               for r in RollingRelease.objects.prefetch_related("service_points", "services")}
    for item in spec.rolling_releases:
        if rolling.pop((item.days_ahead, item.at, *_scope_key(item)), None) is None:
            made = RollingRelease.objects.create(days_ahead=item.days_ahead, at=item.at)
            made.service_points.set(item.service_points)
            made.services.set(Service.objects.filter(code__in=item.services))
            report.created.append(f"rolling release {item.days_ahead} days ahead at {item.at:%H:%M}")
            report.counts["rollingrelease", "added"] += 1
    for item in rolling.values():
        item.delete()
        report.updated.append(f"rolling release {item.days_ahead} days ahead at {item.at:%H:%M} removed")
        report.counts["rollingrelease", "removed"] += 1


def point_desks_sync(*, point: ServicePoint, report: LoadReport | None = None) -> None:
    """Make the point's desk rows match its desk counts: desks 1..n in use, the rest out of use."""
    report = report if report is not None else LoadReport()
    label = f"service point {point.id}"
    for kind, count in ((Desk.Kind.APPOINTMENT, point.appointment_desks), (Desk.Kind.WALK_IN, point.walk_in_desks)):
        for number in range(1, count + 1):
            _sync(Desk, {"service_point": point, "kind": kind, "number": number}, {"active": True}, report,
                  f"{label} {kind} desk {number}")
        for desk in point.desks.filter(kind=kind, number__gt=count, active=True):
            desk.active = False
            desk.save(update_fields=["active"])
            report.updated.append(f"{label} {kind} desk {desk.number} out of use")
            report.counts["desk", "removed"] += 1


def _load_point(item: ServicePointSpec, services: dict[str, Service], report: LoadReport) -> None:
    label = f"service point {item.id}"
    point = _sync(ServicePoint, {"id": item.id}, {
        "name_fi": item.name.fi, "name_sv": item.name.sv, "name_en": item.name.en, "address": item.address,
        "timezone": item.timezone, "timezone_explicit": item.timezone_explicit,
        "appointment_desks": item.desks, "walk_in_desks": item.walk_in.desks if item.walk_in else 0,
        "daily_tickets": item.walk_in.daily_tickets if item.walk_in else None,
        **{f"accessibility_{lang}": item.accessibility.get(lang, "") for lang in ("fi", "sv", "en")},
    }, report, label)
    offered = {offer.service.code: offer for offer in point.offers.select_related("service")}
    for position, code in enumerate(item.services):
        _sync(ServicePointService, {"service_point": point, "service": services[code]},
              {"duration_minutes": item.durations.get(code), "position": position}, report, f"{label} offers {code}")
    for code, offer in offered.items():
        if code not in item.services:
            offer.delete()
            report.updated.append(f"{label} no longer offers {code}")
            report.counts["servicepointservice", "removed"] += 1
    # Exceptions of other dates stay as stored: none of them may staff more desks than the point now has.
    kept = point.exceptions.exclude(date__in=[e.date for e in item.exceptions]).filter(desks__gt=item.desks)
    if (exception := kept.order_by("date").first()) is not None:
        raise NetworkFileError([f'service_points (id "{item.id}").desks: {item.desks} desks, but the stored '
                                f"exception of {exception.date} staffs {exception.desks}"])
    point_desks_sync(point=point, report=report)
    for weekday in range(7):
        span = item.hours.get(weekday)
        if span is None:
            deleted, _ = point.hours.filter(weekday=weekday).delete()
            if deleted:
                report.updated.append(f"{label} closed on weekday {weekday}")
                report.counts["openinghours", "removed"] += 1
        else:
            _sync(OpeningHours, {"service_point": point, "weekday": weekday},
                  {"opens_at": span.opens, "closes_at": span.closes}, report, f"{label} hours {weekday}")
    for exception in item.exceptions:
        _sync(OpeningException, {"service_point": point, "date": exception.date}, {
            "opens_at": exception.hours.opens if exception.hours else None,
            "closes_at": exception.hours.closes if exception.hours else None,
            "desks": exception.desks,
        }, report, f"{label} exception {exception.date}")
