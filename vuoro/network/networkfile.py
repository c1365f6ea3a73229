"""The service network file (TOML, see docs/network-file.md): parse, validate, and write it back.

Pure Python, no Django: the loader command, the exporter and the capacity simulator share it.
A file is checked whole; every problem is reported with its place, and a file with any
problem yields no spec at all.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holidays_lib

from vuoro.parsing import ParseError, check_year, parse_date

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("fi", "sv", "en")
CODE_RE = re.compile(r"^[a-z0-9-]+$")
HOURS_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MAX_CODE_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Names:
    fi: str
    sv: str
    en: str

    def get(self, language: str) -> str:
        return getattr(self, language, None) or self.en


@dataclass(frozen=True, slots=True)
class OpeningSpan:
    """Local wall-clock opening hours of one day, `[opens, closes)`."""

    opens: dt.time
    closes: dt.time

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    code: str
    name: Names
    duration_minutes: int
    checklist: dict[str, tuple[str, ...]] = field(default_factory=dict)
    minutes_per_extra_person: int = 0  # a family's visit: duration + (persons - 1) x this
    max_bookings_per_person: int = 1  # live future bookings of it one person may hold; 0 = no cap


@dataclass(frozen=True, slots=True)
class ExceptionSpec:
    date: dt.date
    hours: OpeningSpan | None  # None: closed that day
    desks: int | None = None


@dataclass(frozen=True, slots=True)
class WalkInSpec:
    desks: int
    daily_tickets: int


@dataclass(frozen=True, slots=True)
class ServicePointSpec:
    id: str
    name: Names
    address: str
    timezone: str
    desks: int
    services: tuple[str, ...]
    durations: dict[str, int]
    hours: dict[int, OpeningSpan]  # weekday (0 = Monday) -> hours; a missing day is closed
    exceptions: tuple[ExceptionSpec, ...] = ()
    walk_in: WalkInSpec | None = None
    timezone_explicit: bool = False
    accessibility: dict[str, str] = field(default_factory=dict)  # language -> notes (languages without left out)


POOL_KINDS = ("priority", "staff")


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """Desk time kept for a priority group (`priority`: customers with a code staff issued) or for
    staff booking for a customer (`staff`): the `desks` highest-numbered staffed desks of each of
    its points, hidden from the public until `public_days_before` days before the day."""

    id: str
    name: Names
    kind: str
    desks: int
    public_days_before: int
    service_points: tuple[str, ...] | None = None  # None: every point
    services: tuple[str, ...] | None = None  # None: every service


@dataclass(frozen=True, slots=True)
class RushSpec:
    """A fair queue around a release's moment (vuoro.scheduling.rush)."""

    admit_per_minute: int
    before_minutes: int = 15
    after_minutes: int = 5
    pass_minutes: int = 10
    admit_every_seconds: int = 60


@dataclass(frozen=True, slots=True)
class ReleaseSpec:
    """Times of `from_date`..`to_date` (local) held back until `opens_at` (local, naive: the
    network's time zone); empty `service_points` / `services`: every one."""

    from_date: dt.date
    to_date: dt.date
    opens_at: dt.datetime
    service_points: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    rush: RushSpec | None = None


@dataclass(frozen=True, slots=True)
class RollingReleaseSpec:
    """Each day D opens at local `at` on D - `days_ahead`."""

    days_ahead: int
    at: dt.time
    service_points: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


DEFAULT_WAIT_GOAL_DAYS = 30
MAX_WAIT_GOAL_DAYS = 3660


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    timezone: str
    holidays: str | None
    horizon_days: int
    slot_minutes: int
    services: tuple[ServiceSpec, ...]
    service_points: tuple[ServicePointSpec, ...]
    pools: tuple[PoolSpec, ...] = ()
    releases: tuple[ReleaseSpec, ...] = ()
    rolling_releases: tuple[RollingReleaseSpec, ...] = ()
    max_bookings_per_person: int = 0  # live future bookings one person may hold in all; 0 = no cap
    # A public booking with an e-mail address never confirmed is held this long for its link; 0 = off.
    confirm_new_email_minutes: int = 0
    wait_goal_days: int = DEFAULT_WAIT_GOAL_DAYS  # the insight page's goal line: first free time this near

    def service(self, code: str) -> ServiceSpec:
        return next(s for s in self.services if s.code == code)


class NetworkFileError(ValueError):
    """A network file that breaks the rules; `problems` names each one with its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Checker:
    """Collects every problem of a file, each with its place; shared by the scenario parser."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.filename}: {where}: {message}" if where else f"{self.filename}: {message}")

    def unknown_keys(self, where: str, table: dict, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else key, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def integer(self, where: str, value, *, minimum: int, maximum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be a whole number, not {value!r}")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            self.fail(where, f"must be {bounds}, not {value}")
            return None
        return value

    def text(self, where: str, value, *, required: bool = True) -> str | None:
        if not isinstance(value, str):
            self.fail(where, f"must be a string, not {value!r}")
            return None
        if required and not value.strip():
            self.fail(where, "must not be empty")
            return None
        return value

    def code(self, where: str, value) -> str | None:
        value = self.text(where, value)
        if value is not None and (not CODE_RE.match(value) or len(value) > MAX_CODE_LENGTH):
            self.fail(where, f"{value!r} must match [a-z0-9-]+ (at most {MAX_CODE_LENGTH} characters)")
            return None
        return value

    def names(self, where: str, value) -> Names | None:
        if not isinstance(value, dict):
            self.fail(where, "must be a table with fi, sv and en")
            return None
        self.unknown_keys(where, value, set(LANGUAGES))
        texts = {}
        for language in LANGUAGES:
            if language not in value:
                self.fail(f"{where}.{language}", "missing")
            else:
                texts[language] = self.text(f"{where}.{language}", value[language])
        if len(texts) == 3 and all(texts.values()):
            return Names(**texts)
        return None

    def timezone(self, where: str, value) -> str | None:
        value = self.text(where, value)
        if value is None:
            return None
        if value not in _zones():
            self.fail(where, f"unknown time zone {value!r}")
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(where, f"unknown time zone {value!r}")
            return None
        return value

    def span(self, where: str, value, *, allow_closed: bool) -> tuple[bool, OpeningSpan | None]:
        """(ok, span); an empty string is a closed day where allowed."""
        if not isinstance(value, str):
            self.fail(where, f'must be a string such as "08:00-16:15", not {value!r}')
            return False, None
        if value == "":
            if allow_closed:
                return True, None
            self.fail(where, 'must be hours such as "08:00-16:15" (leave the day out to close it)')
            return False, None
        match = HOURS_RE.match(value)
        if not match:
            self.fail(where, f'{value!r} is not hours such as "08:00-16:15"')
            return False, None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            self.fail(where, f"{value!r} is not a valid time of day (00:00 to 23:59)")
            return False, None
        opens, closes = dt.time(h1, m1), dt.time(h2, m2)
        if closes <= opens:
            self.fail(where, f"{value!r} ends before it starts")
            return False, None
        return True, OpeningSpan(opens, closes)

    def date(self, where: str, value) -> dt.date | None:
        if isinstance(value, dt.datetime):
            self.fail(where, f"must be a date, not a date and time: {value!r}")
            return None
        try:  # TOML's own dates and quoted ones alike: years 1900-2999 (vuoro.parsing)
            return check_year(value) if isinstance(value, dt.date) else parse_date(value)
        except ParseError as error:
            self.fail(where, f"{value}: {error}" if "year" in str(error) else f"{value!r} is not a date (YYYY-MM-DD)")
        return None


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


TOP_KEYS = {"timezone", "holidays", "horizon_days", "slot_minutes", "services", "service_points", "pools",
            "releases", "rolling_releases", "max_bookings_per_person", "confirm_new_email_minutes",
            "wait_goal_days"}
POOL_KEYS = {"id", "name", "kind", "service_points", "services", "desks", "public_days_before"}
RELEASE_KEYS = {"from", "to", "opens_at", "service_points", "services", "rush"}
RUSH_KEYS = {"admit_per_minute", "before_minutes", "after_minutes", "pass_minutes", "admit_every_seconds"}
ROLLING_KEYS = {"days_ahead", "at", "service_points", "services"}
LOCAL_DATETIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$")
TIME_RE = re.compile(r"^(\d{2}):(\d{2})$")
SERVICE_KEYS = {"code", "name", "duration_minutes", "checklist", "minutes_per_extra_person",
                "max_bookings_per_person"}
MAX_CAP = 1000
MAX_CONFIRM_MINUTES = 1440  # a hold occupies a desk: a day at most
POINT_KEYS = {"id", "name", "address", "desks", "services", "durations", "walk_in", "hours", "exceptions",
              "timezone", "accessibility"}
MAX_ACCESSIBILITY_LENGTH = 2000


def parse_network(text: str, filename: str = "network.toml") -> NetworkSpec:
    """Parse and check a network file; raise NetworkFileError naming every problem."""
    check = Checker(filename)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise NetworkFileError([f"{filename}: not valid TOML: {error}"]) from None
    check.unknown_keys("", data, TOP_KEYS)

    zone = check.timezone("timezone", data.get("timezone", "Europe/Helsinki"))
    country = data.get("holidays")
    if country is not None:
        if not isinstance(country, str) or country.upper() not in holidays_lib.list_supported_countries():
            check.fail("holidays", f"{country!r} is not a country code the holidays package knows")
            country = None
        else:
            country = country.upper()
    horizon = check.integer("horizon_days", data.get("horizon_days", 180), minimum=1, maximum=3660)
    slot = check.integer("slot_minutes", data.get("slot_minutes", 15), minimum=1, maximum=1440)
    cap = check.integer("max_bookings_per_person", data.get("max_bookings_per_person", 0), minimum=0,
                        maximum=MAX_CAP)
    confirm = check.integer("confirm_new_email_minutes", data.get("confirm_new_email_minutes", 0), minimum=0,
                            maximum=MAX_CONFIRM_MINUTES)
    goal = check.integer("wait_goal_days", data.get("wait_goal_days", DEFAULT_WAIT_GOAL_DAYS), minimum=1,
                         maximum=MAX_WAIT_GOAL_DAYS)

    services = _parse_services(check, data.get("services", []), slot)
    known = {s.code: s for s in services}
    points = _parse_points(check, data.get("service_points", []), slot, zone, known)
    pools = _parse_pools(check, data.get("pools", []), known, {p.id: p for p in points}, horizon)
    point_ids = {p.id for p in points}
    releases = _parse_releases(check, data.get("releases", []), point_ids, set(known))
    rolling = _parse_rolling(check, data.get("rolling_releases", []), point_ids, set(known))
    if check.problems:
        raise NetworkFileError(check.problems)
    return NetworkSpec(timezone=zone, holidays=country, horizon_days=horizon, slot_minutes=slot,
                       services=tuple(services), service_points=tuple(points), pools=tuple(pools),
                       releases=tuple(releases), rolling_releases=tuple(rolling), max_bookings_per_person=cap,
                       confirm_new_email_minutes=confirm, wait_goal_days=goal)


def _parse_services(check: Checker, raw, slot: int | None) -> list[ServiceSpec]:
    if not isinstance(raw, list):
        check.fail("services", "must be an array of tables ([[services]])")
        return []
    services, seen = [], set()
    for index, item in enumerate(raw):
        where = f"services[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table")
            continue
        if isinstance(item.get("code"), str):
            where = f'services[{index}] (code "{item["code"]}")'
        check.unknown_keys(where, item, SERVICE_KEYS)
        code = check.code(f"{where}.code", item.get("code")) if "code" in item else check.fail(
            f"{where}.code", "missing")
        if code is not None and code in seen:
            check.fail(f"{where}.code", f"duplicate service code {code!r}")
        seen.add(code)
        name = check.names(f"{where}.name", item.get("name")) if "name" in item else check.fail(
            f"{where}.name", "missing")
        duration = _duration(check, f"{where}.duration_minutes", item.get("duration_minutes"), slot)
        checklist = _checklist(check, f"{where}.checklist", item.get("checklist", {}))
        extra = _extra_minutes(check, f"{where}.minutes_per_extra_person", item.get("minutes_per_extra_person", 0),
                               slot)
        cap = check.integer(f"{where}.max_bookings_per_person", item.get("max_bookings_per_person", 1), minimum=0,
                            maximum=MAX_CAP)
        if code and name and duration and extra is not None and cap is not None:
            services.append(ServiceSpec(code=code, name=name, duration_minutes=duration, checklist=checklist,
                                        minutes_per_extra_person=extra, max_bookings_per_person=cap))
    return services


def _duration(check: Checker, where: str, value, slot: int | None) -> int | None:
    if value is None:
        check.fail(where, "missing")
        return None
    minutes = check.integer(where, value, minimum=1, maximum=1440)
    if minutes is not None and slot and minutes % slot:
        check.fail(where, f"{minutes} is not a multiple of slot_minutes ({slot})")
        return None
    return minutes


def _extra_minutes(check: Checker, where: str, value, slot: int | None) -> int | None:
    minutes = check.integer(where, value, minimum=0, maximum=240)
    if minutes is not None and slot and minutes % slot:
        check.fail(where, f"{minutes} is not a multiple of slot_minutes ({slot})")
        return None
    return minutes


def _checklist(check: Checker, where: str, value) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        check.fail(where, "must be a table of fi, sv and en lists")
        return {}
    check.unknown_keys(where, value, set(LANGUAGES))
    result = {}
    for language, items in value.items():
        if language not in LANGUAGES:
            continue
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            check.fail(f"{where}.{language}", "must be a list of non-empty strings")
            continue
        result[language] = tuple(items)
    return result


def _parse_points(check: Checker, raw, slot, zone, known: dict[str, ServiceSpec]) -> list[ServicePointSpec]:
    if not isinstance(raw, list):
        check.fail("service_points", "must be an array of tables ([[service_points]])")
        return []
    points, seen = [], set()
    for index, item in enumerate(raw):
        where = f"service_points[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table")
            continue
        if isinstance(item.get("id"), str):
            where = f'service_points[{index}] (id "{item["id"]}")'
        before = len(check.problems)
        check.unknown_keys(where, item, POINT_KEYS)
        point_id = check.code(f"{where}.id", item.get("id")) if "id" in item else check.fail(f"{where}.id", "missing")
        if point_id is not None and point_id in seen:
            check.fail(f"{where}.id", f"duplicate service point id {point_id!r}")
        seen.add(point_id)
        name = check.names(f"{where}.name", item.get("name")) if "name" in item else check.fail(
            f"{where}.name", "missing")
        address = check.text(f"{where}.address", item.get("address", ""), required=False)
        point_zone = zone
        if "timezone" in item:
            point_zone = check.timezone(f"{where}.timezone", item["timezone"])
        desks = check.integer(f"{where}.desks", item.get("desks", 0), minimum=0, maximum=1000)
        codes = _point_services(check, where, item.get("services", []), known)
        durations = _point_durations(check, where, item.get("durations", {}), codes, slot)
        walk_in = _walk_in(check, f"{where}.walk_in", item["walk_in"]) if "walk_in" in item else None
        hours = _weekly_hours(check, f"{where}.hours", item.get("hours", {}))
        exceptions = _exceptions(check, f"{where}.exceptions", item.get("exceptions", []), desks)
        accessibility = _accessibility(check, f"{where}.accessibility", item.get("accessibility", {}))
        if len(check.problems) == before:
            points.append(ServicePointSpec(
                id=point_id, name=name, address=address, timezone=point_zone, desks=desks, services=tuple(codes),
                durations=durations, hours=hours, exceptions=tuple(exceptions), walk_in=walk_in,
                timezone_explicit="timezone" in item, accessibility=accessibility))
    return points


def _accessibility(check: Checker, where: str, value) -> dict[str, str]:
    """A point's optional accessibility notes: a table of fi, sv and en texts, any of them left out."""
    if not isinstance(value, dict):
        check.fail(where, 'must be a table such as { fi = "...", sv = "...", en = "..." }')
        return {}
    check.unknown_keys(where, value, set(LANGUAGES))
    notes = {}
    for language in LANGUAGES:
        if language not in value:
            continue
        text = check.text(f"{where}.{language}", value[language], required=False)
        if text is not None and len(text) > MAX_ACCESSIBILITY_LENGTH:
            check.fail(f"{where}.{language}", f"at most {MAX_ACCESSIBILITY_LENGTH} characters, not {len(text)}")
        elif text and text.strip():
            notes[language] = text.strip()
    return notes


def _point_services(check, where, raw, known) -> list[str]:
    if not isinstance(raw, list):
        check.fail(f"{where}.services", "must be a list of service codes")
        return []
    codes = []
    for code in raw:
        if not isinstance(code, str):
            check.fail(f"{where}.services", f"{code!r} is not a service code")
        elif code not in known:
            check.fail(f"{where}.services", f"unknown service {code!r}")
        elif code in codes:
            check.fail(f"{where}.services", f"service {code!r} listed twice")
        else:
            codes.append(code)
    return codes


def _point_durations(check, where, raw, codes, slot) -> dict[str, int]:
    if not isinstance(raw, dict):
        check.fail(f"{where}.durations", "must be a table of service code = minutes")
        return {}
    durations = {}
    for code, minutes in raw.items():
        if code not in codes:
            check.fail(f"{where}.durations.{code}", "a duration for a service this point does not offer")
            continue
        value = _duration(check, f"{where}.durations.{code}", minutes, slot)
        if value:
            durations[code] = value
    return durations


def _walk_in(check, where, raw) -> WalkInSpec | None:
    if not isinstance(raw, dict):
        check.fail(where, "must be a table such as { desks = 2, daily_tickets = 60 }")
        return None
    check.unknown_keys(where, raw, {"desks", "daily_tickets"})
    desks = check.integer(f"{where}.desks", raw.get("desks", 1), minimum=1, maximum=1000)
    tickets = check.integer(f"{where}.daily_tickets", raw.get("daily_tickets", 0), minimum=0, maximum=999)
    return WalkInSpec(desks=desks, daily_tickets=tickets) if desks is not None and tickets is not None else None


def _weekly_hours(check, where, raw) -> dict[int, OpeningSpan]:
    if not isinstance(raw, dict):
        check.fail(where, "must be a table of weekday = hours")
        return {}
    check.unknown_keys(where, raw, set(WEEKDAYS))
    hours = {}
    for weekday, name in enumerate(WEEKDAYS):
        if name in raw:
            ok, span = check.span(f"{where}.{name}", raw[name], allow_closed=True)
            if ok and span:
                hours[weekday] = span
    return hours


def _exceptions(check, where, raw, point_desks: int | None) -> list[ExceptionSpec]:
    if not isinstance(raw, list):
        check.fail(where, "must be an array of tables ([[service_points.exceptions]])")
        return []
    result, seen = [], set()
    for index, item in enumerate(raw):
        here = f"{where}[{index}]"
        if not isinstance(item, dict):
            check.fail(here, "must be a table")
            continue
        check.unknown_keys(here, item, {"date", "hours", "desks"})
        day = check.date(f"{here}.date", item.get("date")) if "date" in item else check.fail(
            f"{here}.date", "missing")
        if day is not None and day in seen:
            check.fail(f"{here}.date", f"{day} has two exceptions")
        seen.add(day)
        if "hours" not in item:
            check.fail(f"{here}.hours", 'missing ("" closes the day)')
            continue
        ok, span = check.span(f"{here}.hours", item["hours"], allow_closed=True)
        desks = None
        if "desks" in item:
            desks = check.integer(f"{here}.desks", item["desks"], minimum=0, maximum=1000)
            if desks is not None and point_desks is not None and desks > point_desks:
                check.fail(f"{here}.desks", f"{desks} desks staffed, but the point has only {point_desks} desks")
                desks = None
        if ok and day is not None:
            result.append(ExceptionSpec(date=day, hours=span, desks=desks))
    return result


def _pool_list(check: Checker, where: str, raw, known, noun: str) -> tuple[str, ...] | None:
    """A pool's optional list of ids (None when left out: every one)."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        check.fail(where, f"must be a non-empty list of {noun} (leave it out for every one)")
        return None
    ids = []
    for value in raw:
        if not isinstance(value, str) or value not in known:
            check.fail(where, f"unknown {noun[:-1]} {value!r}")
        elif value in ids:
            check.fail(where, f"{value!r} listed twice")
        else:
            ids.append(value)
    return tuple(ids)


def _parse_pools(check: Checker, raw, services: dict[str, ServiceSpec], points: dict[str, ServicePointSpec],
                 horizon: int | None) -> list[PoolSpec]:
    if not isinstance(raw, list):
        check.fail("pools", "must be an array of tables ([[pools]])")
        return []
    pools: list[PoolSpec] = []
    seen: set[str] = set()
    kept_at: dict[str, str] = {}  # point id -> the pool keeping desks there
    for index, item in enumerate(raw):
        where = f"pools[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table")
            continue
        if isinstance(item.get("id"), str):
            where = f'pools[{index}] (id "{item["id"]}")'
        before = len(check.problems)
        check.unknown_keys(where, item, POOL_KEYS)
        pool_id = check.code(f"{where}.id", item.get("id")) if "id" in item else check.fail(f"{where}.id", "missing")
        if pool_id is not None and pool_id in seen:
            check.fail(f"{where}.id", f"duplicate pool id {pool_id!r}")
        seen.add(pool_id)
        name = check.names(f"{where}.name", item.get("name")) if "name" in item else check.fail(
            f"{where}.name", "missing")
        kind = item.get("kind", "priority")
        if kind not in POOL_KINDS:
            check.fail(f"{where}.kind", f"must be one of {', '.join(POOL_KINDS)}, not {kind!r}")
        point_ids = _pool_list(check, f"{where}.service_points", item.get("service_points"), points,
                               "service points")
        codes = _pool_list(check, f"{where}.services", item.get("services"), services, "services")
        desks = check.integer(f"{where}.desks", item.get("desks"), minimum=1, maximum=1000) if "desks" in item \
            else check.fail(f"{where}.desks", "missing")
        days = check.integer(f"{where}.public_days_before", item.get("public_days_before", 0), minimum=0,
                             maximum=horizon or 3660)
        for point_id in point_ids if point_ids is not None else tuple(points):
            point = points[point_id]
            if desks is not None and desks > point.desks:
                check.fail(f"{where}.desks", f"{desks} desks kept, but service point {point_id!r} has only "
                                             f"{point.desks}")
            if point_id in kept_at:
                check.fail(f"{where}.service_points", f"service point {point_id!r} already has pool "
                                                      f"{kept_at[point_id]!r} (one pool a point)")
            elif pool_id is not None:
                kept_at[point_id] = pool_id
        if codes is not None and point_ids is not None and not any(
                code in points[p].services for p in point_ids for code in codes):
            check.fail(f"{where}.services", "none of these services is offered at the pool's service points")
        if len(check.problems) == before:
            pools.append(PoolSpec(id=pool_id, name=name, kind=kind, desks=desks, public_days_before=days,
                                  service_points=point_ids, services=codes))
    return pools


def _scope(check: Checker, where: str, value, known: set[str], what: str) -> tuple[str, ...] | None:
    """A release's optional list of service point ids or service codes, each one known."""
    if not isinstance(value, list) or not value:
        check.fail(where, f"must be a non-empty list of {what} (leave the key out for every one)")
        return None
    found: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in known:
            check.fail(where, f"unknown {what[:-1]} {item!r}")
            return None
        if item in found:
            check.fail(where, f"{item!r} listed twice")
            return None
        found.append(item)
    return tuple(found)


def _local_time(check: Checker, where: str, value) -> dt.time | None:
    match = TIME_RE.match(value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        check.fail(where, f'{value!r} is not a local time such as "07:00"')
        return None
    return dt.time(int(match[1]), int(match[2]))


def _local_datetime(check: Checker, where: str, value) -> dt.datetime | None:
    if isinstance(value, dt.datetime) and value.tzinfo is None and not value.second and not value.microsecond:
        value = value.strftime("%Y-%m-%dT%H:%M")  # TOML's own local date-time
    match = LOCAL_DATETIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        check.fail(where, f'{value!r} is not a local date and time such as "2027-06-01T09:00" '
                          "(the network's time zone; no offset)")
        return None
    day = check.date(where, match[1])
    time = _local_time(check, where, f"{match[2]}:{match[3]}")
    return dt.datetime.combine(day, time) if day is not None and time is not None else None


def _parse_releases(check: Checker, raw, point_ids: set[str], codes: set[str]) -> list[ReleaseSpec]:
    if not isinstance(raw, list):
        check.fail("releases", "must be an array of tables ([[releases]])")
        return []
    result = []
    for index, item in enumerate(raw):
        where = f"releases[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table")
            continue
        before = len(check.problems)
        check.unknown_keys(where, item, RELEASE_KEYS)
        values = {}
        for key in ("from", "to", "opens_at"):
            if key not in item:
                check.fail(f"{where}.{key}", "missing")
            elif key == "opens_at":
                values[key] = _local_datetime(check, f"{where}.{key}", item[key])
            else:
                values[key] = check.date(f"{where}.{key}", item[key])
        if values.get("from") and values.get("to") and values["to"] < values["from"]:
            check.fail(f"{where}.to", f"{values['to']} is before from ({values['from']})")
        points = _scope(check, f"{where}.service_points", item["service_points"], point_ids,
                        "service point ids") if "service_points" in item else ()
        services = _scope(check, f"{where}.services", item["services"], codes,
                          "service codes") if "services" in item else ()
        rush = _rush(check, f"{where}.rush", item["rush"]) if "rush" in item else None
        if len(check.problems) == before:
            same = next((r for r in result if (r.from_date, r.to_date, set(r.service_points), set(r.services))
                         == (values["from"], values["to"], set(points), set(services))), None)
            if same is not None:
                check.fail(where, "the same dates, service points and services as an earlier release")
                continue
            result.append(ReleaseSpec(from_date=values["from"], to_date=values["to"], opens_at=values["opens_at"],
                                      service_points=points, services=services, rush=rush))
    return result


def _rush(check: Checker, where: str, raw) -> RushSpec | None:
    if not isinstance(raw, dict):
        check.fail(where, "must be a table such as { admit_per_minute = 100 }")
        return None
    check.unknown_keys(where, raw, RUSH_KEYS)
    if "admit_per_minute" not in raw:
        check.fail(f"{where}.admit_per_minute", "missing")
        return None
    values = {"admit_per_minute": check.integer(f"{where}.admit_per_minute", raw["admit_per_minute"], minimum=1,
                                                maximum=100000)}
    for key, default, low, high in (("before_minutes", 15, 0, 1440), ("after_minutes", 5, 0, 1440),
                                    ("pass_minutes", 10, 1, 240), ("admit_every_seconds", 60, 1, 60)):
        values[key] = check.integer(f"{where}.{key}", raw.get(key, default), minimum=low, maximum=high)
    return RushSpec(**values) if None not in values.values() else None


def _parse_rolling(check: Checker, raw, point_ids: set[str], codes: set[str]) -> list[RollingReleaseSpec]:
    if not isinstance(raw, list):
        check.fail("rolling_releases", "must be an array of tables ([[rolling_releases]])")
        return []
    result = []
    for index, item in enumerate(raw):
        where = f"rolling_releases[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table")
            continue
        before = len(check.problems)
        check.unknown_keys(where, item, ROLLING_KEYS)
        days = at = None
        if "days_ahead" not in item:
            check.fail(f"{where}.days_ahead", "missing")
        else:
            days = check.integer(f"{where}.days_ahead", item["days_ahead"], minimum=1, maximum=3660)
        if "at" not in item:
            check.fail(f"{where}.at", "missing")
        else:
            at = _local_time(check, f"{where}.at", item["at"])
        points = _scope(check, f"{where}.service_points", item["service_points"], point_ids,
                        "service point ids") if "service_points" in item else ()
        services = _scope(check, f"{where}.services", item["services"], codes,
                          "service codes") if "services" in item else ()
        if len(check.problems) == before:
            result.append(RollingReleaseSpec(days_ahead=days, at=at, service_points=points, services=services))
    return result


# Writing -------------------------------------------------------------------------------------

def _s(value: str) -> str:
    # TOML basic strings accept JSON's escapes.
    return json.dumps(value, ensure_ascii=False)


def _names(names: Names) -> str:
    return f"{{ fi = {_s(names.fi)}, sv = {_s(names.sv)}, en = {_s(names.en)} }}"


def dump_network(spec: NetworkSpec) -> str:
    """Write a spec in the network file format; parse_network(dump_network(s)) == s."""
    out = [f"timezone = {_s(spec.timezone)}"]
    if spec.holidays:
        out.append(f"holidays = {_s(spec.holidays)}")
    out += [f"horizon_days = {spec.horizon_days}", f"slot_minutes = {spec.slot_minutes}"]
    if spec.max_bookings_per_person:
        out.append(f"max_bookings_per_person = {spec.max_bookings_per_person}")
    if spec.confirm_new_email_minutes:
        out.append(f"confirm_new_email_minutes = {spec.confirm_new_email_minutes}")
    if spec.wait_goal_days != DEFAULT_WAIT_GOAL_DAYS:
        out.append(f"wait_goal_days = {spec.wait_goal_days}")
    for service in spec.services:
        out += ["", "[[services]]", f"code = {_s(service.code)}", f"name = {_names(service.name)}",
                f"duration_minutes = {service.duration_minutes}"]
        if service.minutes_per_extra_person:
            out.append(f"minutes_per_extra_person = {service.minutes_per_extra_person}")
        if service.max_bookings_per_person != 1:
            out.append(f"max_bookings_per_person = {service.max_bookings_per_person}")
        if service.checklist:
            items = ", ".join(f"{lang} = [{', '.join(_s(i) for i in service.checklist[lang])}]"
                              for lang in LANGUAGES if lang in service.checklist)
            out.append(f"checklist = {{ {items} }}")
    for point in spec.service_points:
        out += ["", "[[service_points]]", f"id = {_s(point.id)}", f"name = {_names(point.name)}",
                f"address = {_s(point.address)}"]
        if point.timezone_explicit:
            out.append(f"timezone = {_s(point.timezone)}")
        out += [f"desks = {point.desks}", f"services = [{', '.join(_s(c) for c in point.services)}]"]
        if point.durations:
            out.append(f"durations = {{ {', '.join(f'{c} = {m}' for c, m in point.durations.items())} }}")
        if point.walk_in:
            out.append(f"walk_in = {{ desks = {point.walk_in.desks}, daily_tickets = {point.walk_in.daily_tickets} }}")
        if point.accessibility:
            notes = ", ".join(f"{lang} = {_s(point.accessibility[lang])}" for lang in LANGUAGES
                              if lang in point.accessibility)
            out.append(f"accessibility = {{ {notes} }}")
        out += ["", "[service_points.hours]"]
        out += [f'{WEEKDAYS[day]} = "{span}"' for day, span in sorted(point.hours.items())]
        for exception in point.exceptions:
            out += ["", "[[service_points.exceptions]]", f'date = "{exception.date.isoformat()}"',
                    f'hours = "{exception.hours or ""}"']
            if exception.desks is not None:
                out.append(f"desks = {exception.desks}")
    for pool in spec.pools:
        out += ["", "[[pools]]", f"id = {_s(pool.id)}", f"name = {_names(pool.name)}", f"kind = {_s(pool.kind)}"]
        if pool.service_points is not None:
            out.append(f"service_points = [{', '.join(_s(p) for p in pool.service_points)}]")
        if pool.services is not None:
            out.append(f"services = [{', '.join(_s(c) for c in pool.services)}]")
        out += [f"desks = {pool.desks}", f"public_days_before = {pool.public_days_before}"]
    for release in spec.releases:
        out += ["", "[[releases]]", f'from = "{release.from_date.isoformat()}"',
                f'to = "{release.to_date.isoformat()}"', f'opens_at = "{release.opens_at:%Y-%m-%dT%H:%M}"',
                *_dump_scope(release)]
        if release.rush:
            rush = release.rush
            step = f", admit_every_seconds = {rush.admit_every_seconds}" if rush.admit_every_seconds != 60 else ""
            out.append(f"rush = {{ admit_per_minute = {rush.admit_per_minute}, before_minutes = "
                       f"{rush.before_minutes}, after_minutes = {rush.after_minutes}, pass_minutes = "
                       f"{rush.pass_minutes}{step} }}")
    for rolling in spec.rolling_releases:
        out += ["", "[[rolling_releases]]", f"days_ahead = {rolling.days_ahead}", f'at = "{rolling.at:%H:%M}"',
                *_dump_scope(rolling)]
    return "\n".join(out) + "\n"


def _dump_scope(release: ReleaseSpec | RollingReleaseSpec) -> list[str]:
    out = []
    if release.service_points:
        out.append(f"service_points = [{', '.join(_s(p) for p in release.service_points)}]")
    if release.services:
        out.append(f"services = [{', '.join(_s(c) for c in release.services)}]")
    return out
