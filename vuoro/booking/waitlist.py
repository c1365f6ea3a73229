"""The waitlist: freed time goes to those waiting for it, first come first served, by itself.

An entry waits for a time of one service at some points (or any) between two dates, for a new
booking or (`booking` set) to move that booking to an earlier day. When a matching time frees
up, the earliest waiting entry that fits gets it: with `auto_book` the booking is made (or
moved) at once; otherwise the time is held for it (a booking with status `held`, which occupies
its desk like any live booking) for WAITLIST_HOLD_MINUTES, and the customer accepts it with one
click or lets it lapse, and then it goes to the next entry.

Time frees up in two ways, and both hand it over here:
- a cancellation or move calls `waitlist_hand_off` inside its own transaction, under the day's
  lock: the time is given before anyone else can see it free;
- `waitlist_sweep` (a periodic task) lapses held times, expires entries whose dates have
  passed, and matches the waiting entries against availability, which catches everything else
  (capacity changes, closures' moves, pooled time turning public). Each entry is its own
  transaction, its row locked (SKIP LOCKED on PostgreSQL), so several workers can sweep at once
  and a sweep cut short loses nothing.

Both look ahead: the waitlist sees the times a release (or the horizon) opens within the next
WAITLIST_RELEASE_LEAD_MINUTES, so the sweeps of those minutes give a release's times to the
waiting entries before the public can see them. It sees unreleased times for that only. A
release with a rush (vuoro.booking.rush) goes the same way: the waitlist first (its own
hand-off is no public booking and needs no pass), then the rush for the rest; entries made after
the rush's queue opened get none of its times while the rush is on (they would pass the queue).

An unexpected error while giving one entry a time is logged, counted on the entry (shown to
staff in the back office) and undone; the other entries go on.

An entry made for a new booking has its own key and PIN (as a booking's); the booking it gets
uses that same key and PIN. A move entry is opened with its booking's PIN.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse

from vuoro.booking.email_confirm import email_holds_lapse
from vuoro.booking.guards import pin_attempt_clear, pin_attempt_take
from vuoro.booking.keys import hash_pin, new_pin, new_reservation_key, pin_matches
from vuoro.booking.models import HOLD_WAITLIST, MAX_PERSONS, Booking, WaitlistEntry, WaitlistEntryPoint
from vuoro.booking.rush import rush_is_on
from vuoro.booking.selectors import availability_list
from vuoro.booking.services import (
    ActiveBookingExists,
    BookingError,
    Customer,
    NotChangeable,
    OnBehalf,
    _lost_race,
    booking_create,
    booking_reschedule,
    booking_still_open,
    booking_time_free,
)
from vuoro.contact import email_key as person_email_key
from vuoro.network.state import NetworkState, network_state
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_queue, sender_wake

OPEN = (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
HAND_OFF_CANDIDATES = 50  # entries tried for one freed day inside the freeing transaction
HAND_OFF_DAYS = 8  # freed days handled inline in one transaction (a chain of moves); the sweep does the rest
OFFER_SALT = "vuoro.booking.waitlist-offer"
NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)  # a release barred to an entry opens, for it, never

logger = logging.getLogger(__name__)


class WaitlistError(BookingError):
    pass


class EntryExists(WaitlistError):
    code = "waitlist_entry_exists"


class NotOffered(WaitlistError):
    code = "not_offered"


def hold_minutes() -> int:
    return settings.WAITLIST_HOLD_MINUTES


def seen_at(now: dt.datetime) -> dt.datetime:
    """How far the waitlist sees: what a release (or the horizon) opens by then it may give now."""
    return now + dt.timedelta(minutes=settings.WAITLIST_RELEASE_LEAD_MINUTES)


@dataclass(frozen=True)
class NewEntry:
    entry: WaitlistEntry
    pin: str  # "" for a move entry: its booking's PIN serves it


def today(state: NetworkState, now: dt.datetime) -> dt.date:
    return now.astimezone(state.timezone).date()


def last_bookable_date(state: NetworkState, now: dt.datetime) -> dt.date:
    return state.horizon_end(now).astimezone(state.timezone).date()


def _earliest_public_date(*, state: NetworkState, service_code: str, point_ids: list[str], persons: int,
                          now: dt.datetime) -> dt.date:
    """The date of the earliest time anyone could book now (the horizon's end + 1 when none)."""
    found = availability_list(state=state, service_code=service_code, point_ids=point_ids or None, from_date=None,
                              to_date=None, limit=1, now=now, persons=persons)
    if not found:
        return last_bookable_date(state, now) + dt.timedelta(days=1)
    return found[0].day.opening.day


def _create(entry: WaitlistEntry) -> WaitlistEntry:
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
            WaitlistEntryPoint.objects.bulk_create(
                [WaitlistEntryPoint(entry=entry, point_id=point_id) for point_id in entry.point_ids or
                 [WaitlistEntryPoint.ANY]])
    except IntegrityError:
        if WaitlistEntry.objects.filter(email_key=entry.email_key, service_id=entry.service_id,
                                        status__in=OPEN).exists():
            raise EntryExists("This e-mail address is already on the waitlist for this service.") from None
        raise
    return entry


def waitlist_join(*, state: NetworkState, service_code: str, point_ids: list[str], from_date: dt.date,
                  to_date: dt.date, persons: int, language: str, customer: Customer, auto_book: bool,
                  now: dt.datetime) -> NewEntry:
    """Put a customer on the waitlist for a new booking; raise EntryExists (already waiting for the
    service) or ActiveBookingExists (they have a booking of it: move that one earlier instead).
    The caller has checked the service, points and dates."""
    if not 1 <= persons <= MAX_PERSONS:
        raise ValueError("persons must be 1 to 6")
    email_key = person_email_key(customer.email)
    service_id = state.service_ids[service_code]
    if Booking.objects.filter(email_key=email_key, service_id=service_id, start_at__gt=now,
                              status__in=(Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN)).exists():
        raise ActiveBookingExists("This e-mail address already has a booking for this service: "
                                  "ask for an earlier time for that booking instead.")
    key, pin = new_reservation_key(), new_pin()
    entry = WaitlistEntry(
        waitlist_key=key, pin_hash=hash_pin(key, pin), service_id=service_id, point_ids=sorted(point_ids),
        from_date=from_date, to_date=to_date, persons=persons, language=language,
        customer_name=customer.name.strip(), customer_email=customer.email.strip(), email_key=email_key,
        customer_phone=customer.phone.strip(), auto_book=auto_book, created_at=now,
        baseline_date=_earliest_public_date(state=state, service_code=service_code, point_ids=point_ids,
                                            persons=persons, now=now))
    return NewEntry(entry=_create(entry), pin=pin)


def waitlist_join_move(*, state: NetworkState, booking: Booking, point_ids: list[str],
                       from_date: dt.date, to_date: dt.date | None, auto_book: bool,
                       now: dt.datetime) -> NewEntry:
    """Ask for an earlier day for a confirmed future booking (the caller has checked the customer
    may manage it): only days before the booking's own count. The booking stays as it is until
    one is found. The booking's PIN opens the entry: its hash is kept (made with the booking's key)."""
    if booking.status != Booking.Status.CONFIRMED or booking.start_at <= now:
        raise NotChangeable("Only a confirmed booking that has not started can be moved earlier.")
    last = booking.local_date - dt.timedelta(days=1)
    to_date = min(to_date or last, last)
    if to_date < from_date:
        raise NotChangeable("There is no earlier day in that range.")
    key = new_reservation_key()
    entry = WaitlistEntry(
        waitlist_key=key, pin_hash=booking.pin_hash, service_id=booking.service_id,
        point_ids=sorted(point_ids), from_date=from_date, to_date=to_date, persons=booking.persons,
        language=booking.language, customer_name=booking.customer_name, customer_email=booking.customer_email,
        email_key=booking.email_key, customer_phone=booking.customer_phone, auto_book=auto_book, booking=booking,
        created_at=now, baseline_date=booking.local_date)
    return NewEntry(entry=_create(entry), pin="")


def waitlist_authorise(*, waitlist_key: str, pin: str | None, now: dt.datetime) -> WaitlistEntry | None:
    """The entry a key and PIN open, or None; the same guard on guessing as a booking's PIN
    (vuoro.booking.guards: ApiError 429 while the key's attempts are used up)."""
    key = waitlist_key[:32]
    if "\x00" in key:
        return None
    pin_attempt_take(reservation_key=key, now=now)
    entry = (WaitlistEntry.objects.select_related("service", "booking").filter(waitlist_key=key).first()
             if len(key) == 10 else None)
    if entry is None or not pin:
        return None
    # A move entry keeps its booking's PIN hash, made with the booking's key.
    hashed_with = entry.booking.reservation_key if entry.booking_id is not None else key
    if not pin_matches(hashed_with, pin.strip(), entry.pin_hash):
        return None
    pin_attempt_clear(reservation_key=key)
    return entry


def entry_reservation_key(entry: WaitlistEntry) -> str | None:
    """The booking the entry ended with (booked), or None."""
    if entry.status != WaitlistEntry.Status.BOOKED or entry.booked_id is None:
        return None
    return Booking.objects.filter(pk=entry.booked_id).values_list("reservation_key", flat=True).first()


# -- giving time ---------------------------------------------------------------------------------

@dataclass
class _Giving:
    """What one hand-off or sweep knows: the network, the moment, how far ahead it sees, and the
    rushes on (release id -> when its queue opened; read only once an entry asks, since most
    cancellations find no entry to give to)."""

    state: NetworkState
    now: dt.datetime
    seen_at: dt.datetime
    _views: dict = field(default_factory=dict)

    @classmethod
    def at(cls, state: NetworkState, now: dt.datetime) -> _Giving:
        return cls(state=state, now=now, seen_at=seen_at(now))

    @cached_property
    def rush_bars(self) -> dict[int, dt.datetime]:
        return _rush_bars(self.state, self.now)

    def view_for(self, entry: WaitlistEntry) -> NetworkState:
        """The network as the entry may search it: the releases whose rush is on and whose queue
        opened before the entry was made are closed to it until the rush is over."""
        barred = frozenset(rid for rid, opened_at in self.rush_bars.items() if entry.created_at >= opened_at)
        if not barred:
            return self.state
        view = self._views.get(barred)
        if view is None:
            releases = self.state.releases
            fixed = tuple(replace(r, opens_at=NEVER) if r.id in barred else r for r in releases.fixed)
            view = self._views[barred] = replace(self.state, releases=replace(releases, fixed=fixed))
        return view


def _rush_bars(state: NetworkState, now: dt.datetime) -> dict[int, dt.datetime]:
    """The releases with a rush that is on at `now` (or whose queue is open), some of whose days
    are still ahead: id -> when the queue opened."""
    bars = {}
    first_day = today(state, now)
    for release in state.releases.fixed if state.releases else ():
        rush = release.rush
        if rush is None or release.last_date < first_day:
            continue
        if not rush_is_on(release_id=release.id, rush=rush, now=now):
            continue  # not yet, or over (as rush_pass_check judges it): its times are booked as any others
        bars[release.id] = rush.window_start
    return bars


def _range(entry: WaitlistEntry, state: NetworkState, now: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """The dates the entry can still take, or None when none are left."""
    first, last = max(entry.from_date, today(state, now)), entry.to_date
    if entry.booking_id is not None:
        last = min(last, entry.booking.local_date - dt.timedelta(days=1))
    return (first, last) if first <= last else None


def _end(entry: WaitlistEntry, status: str, now: dt.datetime) -> None:
    entry.status, entry.ended_at = status, now
    entry.save(update_fields=["status", "ended_at"])


def _booked(entry: WaitlistEntry, booking: Booking, now: dt.datetime) -> None:
    entry.booked, entry.booked_date = booking, booking.local_date
    entry.days_gained = (entry.baseline_date - booking.local_date).days
    entry.hold = None
    entry.status, entry.ended_at = WaitlistEntry.Status.BOOKED, now
    entry.save(update_fields=["booked", "booked_date", "days_gained", "hold", "status", "ended_at"])


def _give(entry: WaitlistEntry, *, giving: _Giving, point_id: str | None = None, day: dt.date | None = None,
          freed: list | None = None) -> bool:
    """Give the entry (locked, waiting) the earliest time that suits it (only at `point_id` on
    `day` when given): book, move or hold it. True when it got one. A move's freed old day is
    appended to `freed`."""
    state, now = giving.state, giving.now
    if entry.booking_id is not None:
        booking = entry.booking
        if booking.status != Booking.Status.CONFIRMED or booking.start_at <= now:
            _end(entry, WaitlistEntry.Status.CANCELLED, now)  # its booking is gone or due: nothing to move
            return False
    span = _range(entry, state, now)
    if span is None:
        return False
    first, last = span
    if day is not None:
        if not first <= day <= last:
            return False
        first = last = day
    service_code = entry.service.code
    points = [point_id] if point_id is not None else (entry.point_ids or None)
    if point_id is not None and entry.point_ids and point_id not in entry.point_ids:
        return False
    found = availability_list(state=giving.view_for(entry), service_code=service_code, point_ids=points,
                              from_date=first, to_date=last, limit=1, now=now, persons=entry.persons,
                              seen_at=giving.seen_at)
    if not found:
        return False
    start_at, slot_point = found[0].slot.start, found[0].service_point
    try:
        with transaction.atomic():
            if entry.booking_id is not None and entry.auto_book:
                old = (entry.booking.service_point_id, entry.booking.local_date)
                moved = booking_reschedule(state=state, booking=entry.booking, start_at=start_at,
                                           point_id=slot_point, now=now, hand_off=False, seen_at=giving.seen_at)
                if freed is not None:
                    freed.append(old)
                _booked(entry, moved, now)
                return True
            held_until = None if entry.auto_book else min(now + dt.timedelta(minutes=hold_minutes()), start_at)
            made = booking_create(
                state=state, service_code=service_code, point_id=slot_point, start_at=start_at,
                persons=entry.persons, language=entry.language,
                customer=Customer(name=entry.customer_name, email=entry.customer_email, phone=entry.customer_phone),
                now=now, seen_at=giving.seen_at, on_behalf=OnBehalf(
                    reservation_key=entry.waitlist_key, pin_hash=entry.pin_hash, held_until=held_until,
                    hold_reason=HOLD_WAITLIST if held_until else "",
                    event=Notice.Event.CONFIRMED if held_until is None else Notice.Event.WAITLIST_OFFERED,
                    exclusive=entry.booking_id is None))
            if held_until is None:
                _booked(entry, made.booking, now)
            else:
                entry.hold, entry.offered_at, entry.status = made.booking, now, WaitlistEntry.Status.OFFERED
                entry.save(update_fields=["hold", "offered_at", "status"])
            return True
    except ActiveBookingExists:
        _end(entry, WaitlistEntry.Status.CANCELLED, now)  # booked meanwhile on their own
        return False
    except (BookingError, IntegrityError):
        return False  # taken meanwhile: the next sweep looks again
    except OperationalError as error:
        if not _lost_race(error):
            raise
        return False


def _failed(entry_id: int, error: Exception, now: dt.datetime) -> None:
    """Log an unexpected error in giving an entry a time and count it on the entry, for staff."""
    logger.error("Waitlist entry %s: giving it a time failed; the others go on.", entry_id, exc_info=error)
    WaitlistEntry.objects.filter(pk=entry_id).update(failed_attempts=F("failed_attempts") + 1, last_failure_at=now,
                                                      last_failure=type(error).__name__[:100])


def _try_give(entry: WaitlistEntry, *, giving: _Giving, failed: list[int] | None = None, **where) -> bool:
    """`_give` in a savepoint: an unexpected error undoes this entry's attempt only, is logged and
    counted on the entry (and its id appended to `failed`), and the caller goes on with the next."""
    try:
        with transaction.atomic():
            return _give(entry, giving=giving, **where)
    except Exception as error:  # noqa: BLE001 - one entry's fault must not stop the others
        _failed(entry.pk, error, giving.now)
        if failed is not None:
            failed.append(entry.pk)
        return False


def _candidates(*, state: NetworkState, point_id: str, day: dt.date, now: dt.datetime):
    """Waiting entries that could take time at a point on a day, first come first served, locked:
    the point is matched in SQL (WaitlistEntryPoint), so entries for other points never crowd
    out the first HAND_OFF_CANDIDATES that could use it."""
    point = state.points.get(point_id)
    if point is None:
        return []
    services = [state.service_ids[code] for code in state.service_ids
                if state.visit_minutes(point, code, 1) is not None]
    for_point = WaitlistEntryPoint.objects.filter(entry=OuterRef("pk"),
                                                  point_id__in=[point_id, WaitlistEntryPoint.ANY])
    rows = (WaitlistEntry.objects.select_related("service", "booking")
            .filter(Exists(for_point), status=WaitlistEntry.Status.WAITING, service_id__in=services,
                    from_date__lte=day, to_date__gte=day).order_by("created_at", "id"))
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows[:HAND_OFF_CANDIDATES])


def waitlist_hand_off(*, state: NetworkState, point_id: str, day: dt.date, now: dt.datetime) -> int:
    """Give time just freed at a point on a day to the waiting entries, first come first served,
    inside the freeing transaction (the day is locked): before anyone else can see it free.
    A move made for an entry frees its old day, which is handed on in turn (a few at most here;
    the sweep does the rest). Returns how many entries got a time."""
    giving = _Giving.at(state, now)
    given = 0
    freed = [(point_id, day)]
    handled = 0
    while freed and handled < HAND_OFF_DAYS:
        point_id, day = freed.pop(0)
        handled += 1
        for entry in _candidates(state=state, point_id=point_id, day=day, now=now):
            if _try_give(entry, giving=giving, point_id=point_id, day=day, freed=freed):
                given += 1
    if given:
        sender_wake()
    return given


# -- the customer's answers ------------------------------------------------------------------------

def _locked(entry: WaitlistEntry) -> WaitlistEntry:
    return (WaitlistEntry.objects.select_for_update(of=("self",)).select_related("service", "booking", "hold")
            .get(pk=entry.pk))


def _hold_release(hold: Booking, *, state: NetworkState, now: dt.datetime) -> None:
    """Cancel a held booking (its entry locked) and hand its time to the next entry."""
    hold = Booking.objects.select_for_update().get(pk=hold.pk)
    if hold.status == Booking.Status.HELD:
        booking_time_free(booking=hold, state=state, now=now)


def waitlist_cancel(*, entry: WaitlistEntry, now: dt.datetime, state: NetworkState | None = None) -> WaitlistEntry:
    """Leave the waitlist: a time held for the entry goes to the next one. An entry that has ended
    stays as it is (a booking it made is cancelled as a booking)."""
    state = state or network_state()
    with transaction.atomic():
        entry = _locked(entry)
        if entry.status not in OPEN:
            return entry
        if entry.hold is not None:
            _hold_release(entry.hold, state=state, now=now)
        entry.hold = None
        entry.status, entry.ended_at = WaitlistEntry.Status.CANCELLED, now
        entry.save(update_fields=["hold", "status", "ended_at"])
    sender_wake()
    return entry


def waitlist_accept(*, entry: WaitlistEntry, now: dt.datetime, state: NetworkState | None = None) -> WaitlistEntry:
    """Take the time held for the entry: it becomes a confirmed booking, or (a move entry) the
    entry's booking moves into it, in one transaction. NotOffered when nothing is held (any more)."""
    state = state or network_state()
    with transaction.atomic():
        entry = _locked(entry)
        hold = entry.hold
        if entry.status != WaitlistEntry.Status.OFFERED or hold is None:
            raise NotOffered("No time is held for this waitlist entry.")
        hold = Booking.objects.select_for_update().get(pk=hold.pk)
        if hold.status != Booking.Status.HELD or hold.held_until <= now or hold.start_at <= now:
            raise NotOffered("The time held for you has lapsed.")
        closed = not booking_still_open(hold, state)
        if closed:  # the point closed or lost the desk since: the entry waits again, keeping its place
            entry.hold, entry.status, entry.offered_at = None, WaitlistEntry.Status.WAITING, None
            entry.save(update_fields=["hold", "status", "offered_at"])
            _hold_release(hold, state=state, now=now)
    if closed:
        raise NotOffered("The service point closed at that time since; you keep your place on the waitlist.")
    with transaction.atomic():
        entry = _locked(entry)
        hold = Booking.objects.select_for_update().get(pk=entry.hold_id)
        if entry.status != WaitlistEntry.Status.OFFERED or hold.status != Booking.Status.HELD:
            raise NotOffered("No time is held for this waitlist entry.")
        if entry.booking_id is None:
            if Booking.objects.filter(email_key=entry.email_key, service_id=entry.service_id, start_at__gt=now,
                                      status__in=(Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN)).exists():
                raise ActiveBookingExists("This e-mail address already has a booking for this service.")
            hold.status, hold.held_until, hold.hold_reason = Booking.Status.CONFIRMED, None, ""
            hold.save(update_fields=["status", "held_until", "hold_reason"])
            notice_queue(booking_id=hold.pk, event=Notice.Event.CONFIRMED, now=now)
            _booked(entry, hold, now)
        else:
            booking = entry.booking
            old = (booking.service_point_id, booking.local_date)
            booking_time_free(booking=hold, state=state, now=now, hand_off=False)  # the booking moves into it
            # A time given by the look-ahead may open to the public only later: it is the entry's already.
            moved = booking_reschedule(state=state, booking=booking, start_at=hold.start_at,
                                       point_id=hold.service_point_id, now=now, hand_off=False,
                                       seen_at=seen_at(now))
            _booked(entry, moved, now)
            waitlist_hand_off(state=state, point_id=old[0], day=old[1], now=now)
    sender_wake()
    return entry


# -- the sweep ------------------------------------------------------------------------------------

def _lock_entry(pk: int) -> WaitlistEntry | None:
    rows = WaitlistEntry.objects.select_related("service", "booking", "hold").filter(pk=pk)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return rows.first()


def waitlist_sweep(*, now: dt.datetime, state: NetworkState | None = None) -> dict[str, int]:
    """Release the bookings whose new e-mail address was not confirmed in time
    (vuoro.booking.email_confirm), lapse the holds whose time is up (their time goes to the next
    entry), expire the entries whose last date has passed, and give free time to the waiting
    entries, first come first served, looking ahead to what releases open within
    WAITLIST_RELEASE_LEAD_MINUTES.

    Each entry is its own transaction; entries another worker has locked are left to it. A sweep
    cut short (a killed worker) loses nothing: what it did is committed, and the next sweep takes
    the rest from the same state. An unexpected error in one entry is logged, counted on the
    entry ("failed") and passed over."""
    state = state or network_state()
    counts = {"unconfirmed": email_holds_lapse(now=now, state=state), "lapsed": 0, "expired": 0, "given": 0,
              "failed": 0}
    lapsed = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED, hold__held_until__lte=now)
    for pk in lapsed.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                entry = _lock_entry(pk)
                if entry is None or entry.status != WaitlistEntry.Status.OFFERED:
                    continue
                hold = entry.hold
                entry.hold = None
                entry.status, entry.ended_at = WaitlistEntry.Status.EXPIRED, now
                entry.save(update_fields=["hold", "status", "ended_at"])
                if hold is not None:
                    _hold_release(hold, state=state, now=now)
                counts["lapsed"] += 1
        except Exception as error:  # noqa: BLE001 - one entry's fault must not stop the others
            _failed(pk, error, now)
            counts["failed"] += 1
    counts["expired"] = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING,
                                                     to_date__lt=today(state, now)).update(
        status=WaitlistEntry.Status.EXPIRED, ended_at=now)
    giving = _Giving.at(state, now)
    nothing: set[tuple] = set()  # searches that found nothing in this sweep: not made again
    waiting = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING).order_by("created_at", "id")
    # An entry made later may see less (a rush barred to it), never more: a search that found
    # nothing for an earlier entry finds nothing for a later one with the same terms.
    for pk, service_id, point_ids, persons, from_date, to_date, booking_id in waiting.values_list(
            "pk", "service_id", "point_ids", "persons", "from_date", "to_date", "booking_id"):
        search = (service_id, tuple(point_ids), persons, from_date, to_date, booking_id)
        if search in nothing:
            continue
        failed: list[int] = []
        with transaction.atomic():
            entry = _lock_entry(pk)
            if entry is None or entry.status != WaitlistEntry.Status.WAITING:
                continue
            if _try_give(entry, giving=giving, failed=failed):
                counts["given"] += 1
            elif not failed:
                nothing.add(search)
        counts["failed"] += len(failed)
    if counts["given"] or counts["lapsed"]:
        sender_wake()
    return counts


# -- the one-click link ---------------------------------------------------------------------------

def _offer_signer(entry: WaitlistEntry) -> signing.Signer:
    return signing.Signer(salt=f"{OFFER_SALT}:{entry.pk}:{entry.hold_id}:{entry.status}")


def offer_token(entry: WaitlistEntry) -> str:
    """"<entry id>:<signature over the id, its held booking and status>": dead once the offer ends."""
    return _offer_signer(entry).sign(str(entry.pk))


def offer_token_entry(token: str, *, now: dt.datetime) -> WaitlistEntry | None:
    """The entry with a live offer a token opens, or None (malformed, tampered with, or the offer ended)."""
    head, _, _sig = (token or "").partition(":")
    if not head.isdigit() or len(head) > 18:
        return None
    entry = WaitlistEntry.objects.select_related("service", "hold", "hold__service_point", "booking").filter(
        pk=int(head)).first()
    if entry is None:
        return None
    try:
        _offer_signer(entry).unsign(token)
    except signing.BadSignature:
        return None
    if entry.status != WaitlistEntry.Status.OFFERED or entry.hold is None or entry.hold.held_until <= now:
        return None
    return entry


def offer_url(entry: WaitlistEntry) -> str:
    return settings.PUBLIC_URL + reverse("booking:waitlist_offer", args=[offer_token(entry)])


def entry_local_start(booking: Booking, state: NetworkState) -> dt.datetime:
    point = state.points.get(booking.service_point_id)
    return booking.start_at.astimezone(point.zone if point else dt.UTC)

