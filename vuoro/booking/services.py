"""Writes to bookings: create, cancel, reschedule. Each one transaction, each one place.

The database refuses two live bookings overlapping on a desk (migration 0002); these functions
pick a free desk, and when a concurrent writer wins the race they look again, then give up with
`SlotUnavailable`, never a double booking.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F

from vuoro import prepared
from vuoro.apierrors import DomainError
from vuoro.booking.confirmed_emails import email_confirmed
from vuoro.booking.keys import hash_pin, new_pin, new_reservation_key
from vuoro.booking.models import HOLD_CONFIRM_EMAIL, MAX_PERSONS, Booking, DayLoad, PriorityCode
from vuoro.booking.priority import priority_code_bind, priority_code_check, priority_code_claim
from vuoro.booking.selectors import busy_by_point_day, day_summary, decode_free_cells, encode_free_cells
from vuoro.contact import email_key as person_email_key
from vuoro.contact import email_shape, name_key
from vuoro.network.state import VERSION_SUBQUERY, NetworkState, PointState, network_state, network_state_at
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_queue, notice_rows, sender_wake
from vuoro.scheduling import refusal
from vuoro.scheduling.availability import (
    Busy,
    free_cells_by_desk,
    free_desk_in,
    longest_run,
    visit_cells,
)
from vuoro.scheduling.calendar import Opening, local_date

RACE_RETRIES = 4
TAKEN = "That time is already booked."
JUST_TAKEN = "That time was just taken."
ACTIVE_BOOKING_DETAIL = ("This e-mail address or phone number already has the bookings allowed for this service: "
                         "change a booking instead.")
LIMIT_DETAIL = "This e-mail address or phone number already has as many bookings as one person may hold."
NO_CAP = 2**31 - 1  # a cap of 0 in the network file: none
LIVE_FUTURE = (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # the API's English


class BookingError(DomainError):
    pass


class SlotUnavailable(BookingError):
    """The start is not offered; `reason` (vuoro.scheduling.refusal.REASONS) says why, `refusal` what
    goes with it (the day, why it is closed, its hours, when it opens), `kept_until` for KEPT the
    local date from which a capacity pool's kept time is everyone's."""

    code = "slot_unavailable"

    def __init__(self, detail: str, *, reason: str = refusal.TAKEN, refused: refusal.Refusal | None = None,
                 kept_until: dt.date | None = None):
        super().__init__(detail)
        self.reason = reason
        self.refusal = refused or refusal.Refusal(reason)
        self.kept_until = kept_until

    @classmethod
    def of(cls, refused: refusal.Refusal, *, state: NetworkState, zone, duration_minutes: int) -> SlotUnavailable:
        """The refusal of the core with its English text (the API's `detail`); pages say it in the
        customer's language (vuoro.booking.refusals)."""
        return cls(_refusal_detail(refused, state=state, zone=zone, duration_minutes=duration_minutes),
                   reason=refused.reason, refused=refused)

    @classmethod
    def kept(cls, day: dt.date, pool) -> SlotUnavailable:
        """Free only at desks `pool` keeps from this caller: everyone's from `public_days_before` the day."""
        return cls("That time is kept for customers with a priority code.", reason=refusal.KEPT,
                   refused=refusal.Refusal(refusal.KEPT, day=day),
                   kept_until=day - dt.timedelta(days=pool.public_days_before))

    @classmethod
    def taken(cls, day: dt.date) -> SlotUnavailable:
        return cls(TAKEN, reason=refusal.TAKEN, refused=refusal.Refusal(refusal.TAKEN, day=day))


def _refusal_detail(refused: refusal.Refusal, *, state: NetworkState, zone, duration_minutes: int) -> str:
    day = f"{WEEKDAYS[refused.day.weekday()]} {refused.day.isoformat()}" if refused.day else "that day"
    if refused.reason == refusal.PAST:
        return "That time has already passed."
    if refused.reason == refusal.BEYOND_HORIZON:
        return (f"That time is beyond the booking horizon: times can be booked at most {state.horizon_days} days "
                f"ahead, so it can be booked from {refused.opens_at.astimezone(zone):%Y-%m-%d %H:%M} "
                f"({zone.key} time).")
    if refused.reason == refusal.CLOSED:
        why = {refusal.HOLIDAY: "a public holiday", refusal.EXCEPTION: "closed by exception"}.get(
            refused.closed_because, "not an opening day of the week")
        return f"The service point is closed on {day} ({why})."
    if refused.reason == refusal.NOT_RELEASED:
        opens_at = refused.opens_at.astimezone(state.timezone)
        return f"The times of that day open for booking at {opens_at:%Y-%m-%d %H:%M} ({state.timezone.key} time)."
    opens, closes = (moment.astimezone(zone) for moment in refused.hours)
    if refused.reason == refusal.OUTSIDE_HOURS:
        return (f"A visit of {duration_minutes} minutes from that time does not fit within the opening hours of "
                f"{day}, {opens:%H:%M}-{closes:%H:%M} ({zone.key} time).")
    return (f"That time is off the grid: times start every {state.slot_minutes} minutes from the opening at "
            f"{opens:%H:%M} ({zone.key} time).")


class ActiveBookingExists(BookingError):
    code = "active_booking_exists"


class BookingLimitReached(ActiveBookingExists):
    """The person holds as many live future bookings (of every service) as the network allows."""

    code = "booking_limit_reached"


class NotChangeable(BookingError):
    code = "not_changeable"


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class OnBehalf:
    """A booking made for a customer under a key and PIN hash they already hold (a waitlist
    entry's, vuoro.booking.waitlist): with `held_until` it is held (status held) until then
    rather than confirmed, for `hold_reason`; `event` is the notice queued; `exclusive`: the
    customer's live booking of the service refuses it (ActiveBookingExists) as for any booking."""

    reservation_key: str
    pin_hash: str
    event: str
    held_until: dt.datetime | None = None
    hold_reason: str = ""
    exclusive: bool = True


@dataclass(frozen=True)
class NewBooking:
    booking: Booking
    pin: str


def _lost_race(error: OperationalError) -> bool:
    """A deadlock or serialisation failure: the loser of a race between two writers, worth a retry."""
    return getattr(error.__cause__, "sqlstate", None) in {"40P01", "40001"}


def _opening_for(*, state: NetworkState, point: PointState, service_code: str, start_at: dt.datetime,
                 now: dt.datetime, persons: int = 1,
                 seen_at: dt.datetime | None = None) -> tuple[Opening, int, dt.date, int]:
    """The opening, visit length (for `persons` people), local date and grid cells of a wanted
    start, or SlotUnavailable naming why it is not offered, before any lock is taken. Releases and
    the horizon are judged at `seen_at` (default `now`): the waitlist's look-ahead sees what opens
    a few minutes later."""
    duration = state.visit_minutes(point, service_code, persons)
    if duration is None:
        raise SlotUnavailable("This service point does not offer that service.", reason=refusal.NOT_OFFERED_HERE)
    day = local_date(start_at, point.zone)
    opens_at = state.releases.opens_at(point.id, service_code, day) if state.releases else None
    refused = refusal.start_refusal(calendar=point.calendar, slot_minutes=state.slot_minutes,
                                    duration_minutes=duration, start=start_at, now=now,
                                    horizon=dt.timedelta(days=state.horizon_days), opens_at=opens_at,
                                    seen_at=seen_at)
    if refused is not None:
        raise SlotUnavailable.of(refused, state=state, zone=point.zone, duration_minutes=duration)
    opening = point.calendar.opening_on(day)
    cells = visit_cells(opening, slot_minutes=state.slot_minutes, start=start_at, duration_minutes=duration)
    return opening, duration, day, cells


def start_check(*, state: NetworkState, point_id: str, service_code: str, start_at: dt.datetime, now: dt.datetime,
                persons: int = 1) -> None:
    """Raise SlotUnavailable when a start cannot be booked whatever the day's bookings (in the past,
    beyond the horizon, a closed day, not released, outside the hours, off the grid); reads nothing."""
    point = state.points.get(point_id)
    if point is None:
        raise SlotUnavailable("No such service point.", reason=refusal.NOT_OFFERED_HERE)
    _opening_for(state=state, point=point, service_code=service_code, start_at=start_at, now=now, persons=persons)


def _desks_open_to(state: NetworkState, point: PointState, free: list[int], *, service_code: str, day: dt.date,
                   now: dt.datetime, pools: frozenset[str]) -> tuple[list[int], list[int]]:
    """(the free cells of the staffed desks a caller eligible for `pools` may book, the desk numbers
    to fill first: a pool's kept desks, the highest-numbered, when the caller is eligible for it)."""
    kept, first = state.kept_desks(point, service_code, day, now, pools)
    if kept:
        return free[:max(0, len(free) - kept)], []
    if first:
        pool = state.pools[state.pool_of_point[point.id]]
        return free, list(range(len(free), max(0, len(free) - pool.desks), -1))
    return free, []


def _not_free(state: NetworkState, point: PointState, free: list[int], *, cells: int, day: dt.date,
              service_code: str) -> SlotUnavailable:
    """The refusal of a start no desk open to the caller has free: KEPT when a capacity pool that
    serves the service has it free at a kept desk (with the date the kept time becomes everyone's),
    else TAKEN."""
    pool = state.pools.get(state.pool_of_point.get(point.id, ""))
    number = free_desk_in(free, cells=cells) if pool is not None else None
    if (number is not None and number in point.desk_ids
            and (pool.services is None or service_code in pool.services)):
        return SlotUnavailable.kept(day, pool)
    return SlotUnavailable.taken(day)


def _free_desk(*, state: NetworkState, point: PointState, opening: Opening, busy: list[Busy], cells: int,
               preferred_desk: int | None = None, service_code: str = "", day: dt.date, now: dt.datetime,
               pools: frozenset[str] = frozenset()) -> int:
    """The id of a desk free over `cells` (the preferred one first), or SlotUnavailable (KEPT or TAKEN)."""
    preferred = [point.desk_numbers[preferred_desk]] if preferred_desk in point.desk_numbers else []
    free = list(free_cells_by_desk(opening, busy, slot_minutes=state.slot_minutes).values())
    visible, pooled = _desks_open_to(state, point, free, service_code=service_code, day=day, now=now, pools=pools)
    number = free_desk_in(visible, cells=cells, preferred=preferred + pooled)
    if number is None or number not in point.desk_ids:
        raise _not_free(state, point, free, cells=cells, day=day, service_code=service_code)
    return point.desk_ids[number]


def _place(*, state: NetworkState, point: PointState, service_code: str, start_at: dt.datetime, now: dt.datetime,
           persons: int = 1, exclude_booking: int | None = None, preferred_desk: int | None = None,
           pools: frozenset[str] = frozenset(), seen_at: dt.datetime | None = None) -> tuple[int, dt.datetime, dt.date]:
    """Check that `start_at` is offered for `persons` people and find a free desk, reading the
    day's bookings: (desk id, end, local date)."""
    opening, duration, day, cells = _opening_for(state=state, point=point, service_code=service_code,
                                                 start_at=start_at, now=now, persons=persons, seen_at=seen_at)
    busy = busy_by_point_day([point], [day]).get((point.id, day), [])
    if exclude_booking is not None:
        excluded = set(Booking.objects.filter(pk=exclude_booking).values_list("start_at", "end_at", "desk_id"))
        busy = [b for b in busy if (b.start, b.end, point.desk_ids.get(b.desk)) not in excluded]
    desk_id = _free_desk(state=state, point=point, opening=opening, busy=busy, cells=cells,
                         preferred_desk=preferred_desk, service_code=service_code, day=day, now=now, pools=pools)
    return desk_id, start_at + dt.timedelta(minutes=duration), day


_DAYLOAD = DayLoad._meta.db_table
_BOOKING = Booking._meta.db_table
_LIVE_FUTURE_SQL = ", ".join(f"'{status}'" for status in LIVE_FUTURE)
# What counts against the caps per person: the live future bookings, and those held until their
# new e-mail address is confirmed (else one address could hold any number of times). A waitlist
# offer is checked when it is taken (vuoro.booking.waitlist.waitlist_accept).
_CAPPED_SQL = (f"(status IN ({_LIVE_FUTURE_SQL}) OR (status = '{Booking.Status.HELD}' "
               f"AND hold_reason = '{HOLD_CONFIRM_EMAIL}'))")
# The day's lock: its DayLoad row, made when missing; it answers with the day's stored summary.
_LOCK_DAY_SQL = (f"INSERT INTO {_DAYLOAD} (service_point_id, date, booked_minutes, calendar_key, free_cells) "
                 f"VALUES (%s, %s, 0, '', '') ON CONFLICT (service_point_id, date) "
                 f"DO UPDATE SET booked_minutes = {_DAYLOAD}.booked_minutes "
                 f"RETURNING calendar_key, free_cells, {VERSION_SUBQUERY}")
# The person's locks first (e-mail key and phone, the smaller key first), then the day's, always in that order.
_LOCK_BOTH_SQL = (f"WITH customer AS (SELECT pg_advisory_xact_lock(%s), pg_advisory_xact_lock(%s)) "
                  f"INSERT INTO {_DAYLOAD} (service_point_id, date, booked_minutes, calendar_key, free_cells) "
                  f"SELECT %s, %s, 0, '', '' FROM customer ON CONFLICT (service_point_id, date) "
                  f"DO UPDATE SET booked_minutes = {_DAYLOAD}.booked_minutes "
                  f"RETURNING calendar_key, free_cells, {VERSION_SUBQUERY}")
# A row (bookings of the service, bookings in all) when the person (same e-mail key or same phone)
# holds as many live (or held for confirmation) future bookings of the service as its cap, or of
# all services as the network's. The phone is NULL when there is none; "<> ''" lets a generic plan
# use the index of phones (booking_phone_set), which holds only bookings with one.
_PERSON_AT_CAP_SQL = (f"SELECT SUM(CASE WHEN service_id = %s THEN 1 ELSE 0 END), COUNT(*) FROM {_BOOKING} "
                      f"WHERE (email_key = %s OR (customer_phone = %s AND customer_phone <> '')) AND {_CAPPED_SQL} "
                      f"AND start_at > %s HAVING SUM(CASE WHEN service_id = %s THEN 1 ELSE 0 END) >= %s "
                      f"OR COUNT(*) >= %s")
# One notice per channel: e-mail always, a text when the booking has a phone number.
_NOTICE_SQL = (f"INSERT INTO {Notice._meta.db_table} (booking_id, event, channel, about_start, created_at, "
               f"next_attempt_at, attempts, last_error) SELECT new.id, %s, c.channel, new.start_at, %s, %s, 0, '' "
               f"FROM new CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel) "
               f"WHERE c.channel = 'email' OR new.customer_phone <> ''")
_NOTICE_EMAIL_SQL = _NOTICE_SQL.replace(" OR new.customer_phone <> ''", "")  # e-mail only
_DAY_UPDATE_SQL = (f"UPDATE {_DAYLOAD} SET booked_minutes = booked_minutes + %s, calendar_key = %s, free_cells = %s, "
                   f"free_run_minutes = %s WHERE service_point_id = %s AND date = %s")


def _lock_day(point_id: str, day: dt.date, *,
              customer: tuple[str, str] | None = None) -> tuple[str, str, int | None]:
    """Lock a point's day (its DayLoad row, made when missing) until the transaction ends, and
    return its stored summary (calendar key, free cells) and the network's version. With
    `customer` (e-mail key, phone), lock that person first (by each key, in a fixed order), so
    two bookings of theirs can't both pass the check of their caps.

    Every write to a day's bookings takes this lock before reading them, so those writes queue
    per point and day and each sees the ones before it; the summary it then stores is exact.
    """
    day_value = connection.ops.adapt_datefield_value(day)
    # SQLite serialises every write transaction (BEGIN IMMEDIATE): there the day's row is enough.
    if customer is None or connection.vendor != "postgresql":
        return prepared.rows(_LOCK_DAY_SQL, [point_id, day_value])[0]
    keys = sorted(_person_lock(kind, value) for kind, value in zip("ep", customer, strict=True) if value)
    keys = (keys * 2)[:2]  # one key (no phone): taken twice, which holds it once
    return prepared.rows(_LOCK_BOTH_SQL, [*keys, point_id, day_value])[0]


def _person_lock(kind: str, value: str) -> int:
    digest = hashlib.blake2b(f"person:{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _save_day(*, state: NetworkState, point: PointState, day: dt.date, minutes: int) -> None:
    """Add `minutes` to the day's booked minutes and store its free cells, from the day's live
    bookings read afresh. The day must be locked."""
    busy = busy_by_point_day([point], [day]).get((point.id, day), [])
    free_cells, free_run = day_summary(point.calendar.opening_on(day), busy, slot_minutes=state.slot_minutes)
    DayLoad.objects.filter(service_point_id=point.id, date=day).update(
        booked_minutes=F("booked_minutes") + minutes, calendar_key=point.calendar_key, free_cells=free_cells,
        free_run_minutes=free_run)


def _minutes(start_at: dt.datetime, end_at: dt.datetime) -> int:
    return int((end_at - start_at).total_seconds() // 60)


def booking_create(
    *, state: NetworkState, service_code: str, point_id: str, start_at: dt.datetime, persons: int, language: str,
    customer: Customer, now: dt.datetime, channel: str = Booking.Channel.ONLINE,
    pools: frozenset[str] = frozenset(), priority_code: str = "", on_behalf: OnBehalf | None = None,
    client_key: str = "", person_caps: bool = True, seen_at: dt.datetime | None = None,
    confirm_email: bool = False,
) -> NewBooking:
    """Book `start_at` for a service at a point, for the visit of `persons` people (its end is the start
    plus that length); raise SlotUnavailable, or ActiveBookingExists (BookingLimitReached for the
    network's cap) when the person (same e-mail key or phone) holds as many live future bookings
    as allowed. `person_caps=False` (staff, with a reason) books beyond those caps. `client_key`
    (vuoro.booking.guards.client_key) is kept for staff's look-out for hoarding.

    `pools`: the capacity pools the caller may book in (empty: the public; staff booking for a
    customer: every pool at the point). A `priority_code` adds its pool and is used up by this
    booking, in its transaction; one that is not good raises InvalidPriorityCode.

    With `on_behalf`, under that key and PIN hash (the returned PIN is ""), perhaps held rather
    than confirmed, with its own notice (vuoro.booking.waitlist). `seen_at` (the waitlist's
    look-ahead only): releases and the horizon are judged at that later moment.

    `confirm_email` (the public's own bookings: pages and API): when the network holds new
    addresses (`confirm_new_email_minutes`) and this e-mail key was never confirmed, the booking
    is held (hold_reason confirm_email) for that long, at most until its start, and the
    `confirm_email` message with its one-click link goes to the address alone
    (vuoro.booking.email_confirm); the caps count it as any booking.

    `state` may be this process's copy of the network unchecked (`network_state_unchecked`):
    the first statement reads the network's version, and a booking made under an outdated copy
    is undone and made again under the current network.
    """
    if not 1 <= persons <= MAX_PERSONS:
        raise ValueError("persons must be 1 to 6")
    email_key = person_email_key(customer.email)
    phone = customer.phone.strip()
    if priority_code:
        pools = pools | {priority_code_check(code=priority_code, service_code=service_code, now=now)}
    trust_summary = True
    # Looked up once, before any lock is taken, and only when the network asks for it (a network
    # changed meanwhile to ask for it looks it up under the lock: rare).
    new_address: bool | None = None
    if confirm_email and on_behalf is None and state.confirm_new_email_minutes:
        new_address = not email_confirmed(email_key)
    for attempt in range(RACE_RETRIES):
        try:
            point = state.points.get(point_id)
            service_id = state.service_ids.get(service_code)
            if point is None or service_id is None:
                raise SlotUnavailable("No such service or service point.", reason=refusal.NOT_OFFERED_HERE)
            opening, duration, day, cells = _opening_for(state=state, point=point, service_code=service_code,
                                                         start_at=start_at, now=now, persons=persons,
                                                         seen_at=seen_at)
        except SlotUnavailable:
            # Refused before the version is read: an unchecked copy may be older than a change
            # that opened this time. Only a refusal pays for a look at the current network.
            current = network_state()
            if current.version == state.version:
                raise
            state = current
            continue
        try:
            with transaction.atomic():
                calendar_key, stored, version = _lock_day(point.id, day,
                                                          customer=(email_key, phone) if person_caps else None)
                try:
                    caps = _caps(state, service_code) if person_caps else (NO_CAP, NO_CAP)
                    if calendar_key and calendar_key != point.calendar_key:
                        # Written under another network: when this copy is the older one and the lock was
                        # waited for (a closure held it), PostgreSQL read the version before that
                        # change committed; read it again.
                        version = prepared.rows(f"SELECT {VERSION_SUBQUERY}", [])[0][0]
                    if (version or 0) != state.version:
                        raise _NetworkMoved
                    # The day's summary is exact while its calendar key is current (the day is locked and
                    # every writer keeps it); after a lost race, the bookings themselves are read.
                    if trust_summary and calendar_key == point.calendar_key:
                        free = decode_free_cells(stored)
                    else:
                        busy = busy_by_point_day([point], [day]).get((point.id, day), [])
                        free = list(free_cells_by_desk(opening, busy, slot_minutes=state.slot_minutes).values())
                    if priority_code:
                        priority_code_claim(code=priority_code, service_id=service_id, now=now)
                    visible, pooled = _desks_open_to(state, point, free, service_code=service_code, day=day, now=now,
                                                     pools=pools)
                    number = free_desk_in(visible, cells=cells, preferred=pooled)
                    if number is None or number not in point.desk_ids:
                        _refuse_at_cap(email_key, phone, service_id, now, caps)
                        raise _not_free(state, point, free, cells=cells, day=day, service_code=service_code)
                    if on_behalf is None:
                        key, pin = new_reservation_key(), new_pin()
                        pin_hash = hash_pin(key, pin)
                    else:
                        key, pin, pin_hash = on_behalf.reservation_key, "", on_behalf.pin_hash
                    booking = Booking(
                        reservation_key=key, pin_hash=pin_hash, service_point_id=point_id,
                        service_id=service_id, desk_id=point.desk_ids[number], start_at=start_at,
                        end_at=start_at + dt.timedelta(minutes=duration), local_date=day, persons=persons,
                        language=language, customer_name=customer.name.strip(), customer_email=customer.email.strip(),
                        email_key=email_key, customer_phone=phone, channel=channel, created_at=now,
                        name_key=name_key(customer.name), email_shape=email_shape(email_key), client_key=client_key)
                    event = Notice.Event.CONFIRMED if on_behalf is None else on_behalf.event
                    if on_behalf is not None and on_behalf.held_until is not None:
                        booking.status, booking.held_until = Booking.Status.HELD, on_behalf.held_until
                        booking.hold_reason = on_behalf.hold_reason
                    elif confirm_email and on_behalf is None and state.confirm_new_email_minutes:
                        if new_address is None:
                            new_address = not email_confirmed(email_key)
                        if new_address:
                            booking.status, booking.hold_reason = Booking.Status.HELD, HOLD_CONFIRM_EMAIL
                            booking.held_until = min(now + dt.timedelta(minutes=state.confirm_new_email_minutes),
                                                     start_at)
                            event = Notice.Event.CONFIRM_EMAIL
                    free[number - 1] &= ~cells
                    if not _insert_with_day(booking, minutes=duration, calendar_key=point.calendar_key,
                                            free_cells=encode_free_cells(free),
                                            free_run=max(map(longest_run, free), default=0) * state.slot_minutes,
                                            unless_at_cap=(service_id, now, caps)
                                            if on_behalf is None or on_behalf.exclusive else None,
                                            event=event):
                        _refuse_at_cap(email_key, phone, service_id, now, caps)
                        raise ActiveBookingExists(ACTIVE_BOOKING_DETAIL)  # pragma: no cover - the row was there
                    if priority_code:
                        priority_code_bind(code=priority_code, booking_id=booking.pk)
                    sender_wake()
                    return NewBooking(booking=booking, pin=pin)
                except BookingError as error:
                    # A refusal wrote nothing to undo (unless it claimed a priority code or made the
                    # day's summary row just now): the transaction ends by COMMIT, not ROLLBACK. On
                    # PostgreSQL a ROLLBACK makes psycopg forget every statement the connection has
                    # prepared (vuoro.prepared): in a rush, where every other attempt is refused, the
                    # next requests on it would prepare them all again.
                    if priority_code or not calendar_key:
                        raise
                    refused = error
            raise refused
        except _NetworkMoved:
            state = network_state_at(version)  # hours, desks or services changed: place it again
        except (IntegrityError, OperationalError) as error:
            # A writer that skipped the day's lock took that desk (or, once in 10^15, that key)
            # meanwhile, or PostgreSQL broke a deadlock: everything was undone, look again.
            if isinstance(error, OperationalError) and not _lost_race(error):
                raise
            if attempt == RACE_RETRIES - 1:
                raise SlotUnavailable(JUST_TAKEN) from None
            trust_summary = False
    raise SlotUnavailable(JUST_TAKEN)


class _NetworkMoved(Exception):
    """The network changed since this process last looked: undo and look again."""


def _caps(state: NetworkState, service_code: str) -> tuple[int, int]:
    """(the service's cap, the network's cap) on live future bookings per person; NO_CAP for none."""
    return (state.person_caps.get(service_code, 1) or NO_CAP, state.network_person_cap or NO_CAP)


def _person_params(email_key: str, phone: str, service_id: int, now: dt.datetime, caps: tuple[int, int]) -> list:
    # An empty key matches nothing (NULL), never every booking without a phone.
    return [service_id, email_key or None, phone or None, connection.ops.adapt_datetimefield_value(now), service_id,
            *caps]


def _refuse_at_cap(email_key: str, phone: str, service_id: int, now: dt.datetime, caps: tuple[int, int]) -> None:
    """Raise ActiveBookingExists (the service's cap) or BookingLimitReached (the network's) when
    the person holds as many live future bookings as a cap allows."""
    found = prepared.rows(_PERSON_AT_CAP_SQL, _person_params(email_key, phone, service_id, now, caps))
    if found:
        if (found[0][0] or 0) >= caps[0]:
            raise ActiveBookingExists(ACTIVE_BOOKING_DETAIL)
        raise BookingLimitReached(LIMIT_DETAIL)


def _insert_with_day(booking: Booking, *, minutes: int, calendar_key: str, free_cells: str, free_run: int,
                     unless_at_cap: tuple[int, dt.datetime, tuple[int, int]] | None,
                     event: str = Notice.Event.CONFIRMED) -> bool:
    """Insert the booking, unless its person already holds as many live future bookings as a cap
    allows (then False, and nothing is written; None: not checked); store its day's new summary and
    queue its `event` notice (by e-mail, and text when it has a phone, unless it awaits the
    confirmation of its new e-mail address). The day and the person are locked. On PostgreSQL one
    statement."""
    email_only = booking.awaits_email_confirmation
    now = booking.created_at
    person = (None if unless_at_cap is None
              else _person_params(booking.email_key, booking.customer_phone, *unless_at_cap))
    day_params = [minutes, calendar_key, free_cells, free_run, booking.service_point_id,
                  connection.ops.adapt_datefield_value(booking.local_date)]
    if connection.vendor != "postgresql":
        if person is not None and unless_at_cap[2] != (NO_CAP, NO_CAP) and prepared.rows(_PERSON_AT_CAP_SQL, person):
            return False
        booking.save(force_insert=True)
        prepared.rows(_DAY_UPDATE_SQL, day_params)
        Notice.objects.bulk_create(notice_rows(booking_id=booking.pk, event=event, now=now,
                                               start_at=booking.start_at,
                                               phone="" if email_only else booking.customer_phone))
        return True
    insert, insert_params = prepared.insert(booking)
    found = prepared.rows(booking_statement(insert, caps=person is not None, email_only=email_only),
                          [*insert_params, *(person or []), str(event), now, now, *day_params])
    if not found:
        return False
    booking.pk = found[0][0]
    booking._state.adding = False
    return True


def booking_statement(insert: str, *, caps: bool, email_only: bool) -> str:
    """The one statement (PostgreSQL) that writes a booking: Django's `INSERT ... VALUES (...)` of it
    (`insert`, vuoro.prepared.insert) as `INSERT ... SELECT ...`, unless (`caps`) the person is at a
    cap (_PERSON_AT_CAP_SQL); its notices (by e-mail only with `email_only`); its day's new summary.
    Answers the booking's id, or no row when nothing was written."""
    columns, values = insert.split(" VALUES ", 1)
    unless = f" WHERE NOT EXISTS ({_PERSON_AT_CAP_SQL})" if caps else ""
    return (f"WITH new AS ({columns} SELECT {values.strip()[1:-1]}{unless} "
            f"RETURNING id, start_at, customer_phone), notice AS ({_NOTICE_EMAIL_SQL if email_only else _NOTICE_SQL}) "
            f"{_DAY_UPDATE_SQL} AND EXISTS (SELECT 1 FROM new) RETURNING (SELECT id FROM new)")


def booking_cancel(*, booking: Booking, now: dt.datetime, state: NetworkState | None = None,
                   because: str = "") -> Booking:
    """Cancel a live future booking, or one held until its new e-mail address is confirmed: its
    desk time is offered again at once. With `because` (a Booking.cancelled_because category) the
    agency cancels it, and the customer is told why (a held booking by e-mail only: notice_queue)."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == Booking.Status.CANCELLED:
            return booking
        held = booking.awaits_email_confirmation
        if booking.status == Booking.Status.HELD and not held:
            raise NotChangeable("A time held from the waitlist is given up on its offer page, or by leaving the "
                                "waitlist.")
        if (booking.status != Booking.Status.CONFIRMED and not held) or booking.start_at <= now:
            raise NotChangeable("A booking that has started or passed can no longer be cancelled.")
        state = state or network_state()
        notice_queue(booking_id=booking.pk, event=Notice.Event.AGENCY_CANCELLED if because else Notice.Event.CANCELLED,
                     now=now)
        booking_time_free(booking=booking, state=state, now=now, because=because)
    return booking


def booking_still_open(booking: Booking, state: NetworkState) -> bool:
    """Whether the network still opens a booking's time on its desk (a closure may have come since
    it was held: holds are left where they are)."""
    point = state.points.get(booking.service_point_id)
    if point is None or booking.desk_id not in point.desk_numbers:
        return False
    opening = point.calendar.opening_on(booking.local_date)
    return (opening is not None and opening.interval.start <= booking.start_at
            and booking.end_at <= opening.interval.end and point.desk_numbers[booking.desk_id] <= opening.desks)


def booking_time_free(*, booking: Booking, state: NetworkState, now: dt.datetime, because: str = "",
                      hand_off: bool = True) -> None:
    """The core of every cancellation, in the caller's transaction with `booking` locked (a live
    booking, confirmed or held): lock its day, set it cancelled, store the day's summary, and,
    with `hand_off` and while it has not started, give its time to the waitlist before anyone
    else can see it free. Queues no message: the caller says what the customer is told."""
    _lock_day(booking.service_point_id, booking.local_date)
    booking.status, booking.cancelled_at, booking.cancelled_because = Booking.Status.CANCELLED, now, because
    booking.save(update_fields=["status", "cancelled_at", "cancelled_because"])
    _save_point_day(state, booking.service_point_id, booking.local_date, -_minutes(booking.start_at, booking.end_at))
    if hand_off and booking.start_at > now:
        _hand_off(state, booking.service_point_id, booking.local_date, now)


def _hand_off(state: NetworkState, point_id: str, day: dt.date, now: dt.datetime) -> None:
    """Time freed at a point on a day goes to the waitlist first, in the freeing transaction."""
    from vuoro.booking.waitlist import waitlist_hand_off  # the waitlist builds on these functions

    waitlist_hand_off(state=state, point_id=point_id, day=day, now=now)


def _save_point_day(state: NetworkState, point_id: str, day: dt.date, minutes: int) -> None:
    point = state.points.get(point_id)
    if point is not None:
        _save_day(state=state, point=point, day=day, minutes=minutes)
    else:  # a point no longer in the network: keep the minutes right, forget the summary
        DayLoad.objects.filter(service_point_id=point_id, date=day).update(
            booked_minutes=F("booked_minutes") + minutes, calendar_key="", free_cells="", free_run_minutes=None)


def booking_pools(booking: Booking) -> frozenset[str]:
    """The pools a booking's customer is eligible for: that of the priority code it was made with."""
    return frozenset(PriorityCode.objects.filter(booking_id=booking.pk).values_list("pool_id", flat=True))


def booking_reschedule(*, state: NetworkState, booking: Booking, start_at: dt.datetime, point_id: str | None,
                       now: dt.datetime, pools: frozenset[str] = frozenset(), hand_off: bool = True,
                       seen_at: dt.datetime | None = None) -> Booking:
    """Move a booking to another start (and point), for its own number of persons: all or nothing,
    the key and PIN stay. It may move within `pools` and the pool of the code it was made with.
    The time it leaves goes to the waitlist first (unless `hand_off` is False: the waitlist's own
    moves hand it on themselves). `seen_at`: as for booking_create (the waitlist's look-ahead)."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("service").get(pk=booking.pk)
        if booking.status != Booking.Status.CONFIRMED or booking.start_at <= now:
            raise NotChangeable("Only a confirmed booking that has not started can be moved.")
        point = state.points.get(point_id or booking.service_point_id)
        if point is None:
            raise SlotUnavailable("No such service point.", reason=refusal.NOT_OFFERED_HERE)
        old = (booking.service_point_id, booking.local_date, _minutes(booking.start_at, booking.end_at))
        new_day = (point.id, local_date(start_at, point.zone))
        for day_key in sorted({old[:2], new_day}):  # always in the same order: no deadlock between two moves
            _lock_day(*day_key)
        pools = pools | booking_pools(booking)
        for attempt in range(RACE_RETRIES):
            desk_id, end_at, day = _place(
                state=state, point=point, service_code=booking.service.code, start_at=start_at, now=now,
                persons=booking.persons, exclude_booking=booking.pk if point.id == booking.service_point_id else None,
                preferred_desk=booking.desk_id, pools=pools, seen_at=seen_at)
            try:
                with transaction.atomic():
                    Booking.objects.filter(pk=booking.pk).update(
                        service_point_id=point.id, desk_id=desk_id, start_at=start_at, end_at=end_at, local_date=day,
                        rescheduled_count=F("rescheduled_count") + 1)
            except (IntegrityError, OperationalError) as error:
                if isinstance(error, OperationalError) and not _lost_race(error):
                    raise
                if attempt == RACE_RETRIES - 1:
                    raise SlotUnavailable(JUST_TAKEN) from None
                continue
            if old[:2] == (point.id, day):
                _save_point_day(state, point.id, day, _minutes(start_at, end_at) - old[2])
            else:
                _save_point_day(state, old[0], old[1], -old[2])
                _save_point_day(state, point.id, day, _minutes(start_at, end_at))
            notice_queue(booking_id=booking.pk, event=Notice.Event.RESCHEDULED, now=now)
            if hand_off:
                _hand_off(state, old[0], old[1], now)
            booking.refresh_from_db()
            return booking
    raise SlotUnavailable(JUST_TAKEN)  # pragma: no cover


def dayload_refresh(*, state: NetworkState, first_day: dt.date, last_day: dt.date,
                    only: set[tuple[str, dt.date]] | None = None) -> int:
    """Recompute every point's DayLoad rows from first_day to last_day (or only the given point days)
    from their bookings: after a bulk load or bulk delete, or after hours changed and summaries went
    stale. Return how many days were stored."""
    stored = 0
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    for point in state.points.values():
        if only is not None and not any(point_id == point.id for point_id, _ in only):
            continue
        with transaction.atomic():
            touched = {day for _, day in busy_by_point_day([point], days)}
            touched |= set(DayLoad.objects.filter(service_point_id=point.id, date__range=(first_day, last_day))
                           .values_list("date", flat=True))
            if only is not None:
                touched = {day for day in touched if (point.id, day) in only}
            for day in sorted(touched):
                _lock_day(point.id, day)
            busy = busy_by_point_day([point], sorted(touched))  # read again under the locks
            for day in sorted(touched):
                live = busy.get((point.id, day))
                if not live:
                    DayLoad.objects.filter(service_point_id=point.id, date=day).delete()
                    continue
                free_cells, free_run = day_summary(point.calendar.opening_on(day), live,
                                                   slot_minutes=state.slot_minutes)
                DayLoad.objects.filter(service_point_id=point.id, date=day).update(
                    booked_minutes=sum(_minutes(b.start, b.end) for b in live), calendar_key=point.calendar_key,
                    free_cells=free_cells, free_run_minutes=free_run)
                stored += 1
    return stored
