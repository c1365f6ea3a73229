"""Network changes that take desk time away from bookings: who is hit, and what becomes of them.

A change to a point's hours, exceptions or desks may leave live future bookings outside the
new hours, on a closed day, or on a desk no longer staffed. Each such booking is placed again
on its own day, in this order: the same time at another staffed desk (the customer notices
nothing and is not told); else the free start of that day nearest its old one, with the same
duration and persons (told `agency_moved`); else it is cancelled by the agency (told
`agency_cancelled`; a cancelled booking is not live, so the customer may book again at once).

`closure_guard` is registered with `vuoro.network.changes` (the network knows no bookings):
every change made through `network_change` (the admin, `vuoro loadnetwork`) asks it first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Max

from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.booking.models import Booking, DayLoad
from vuoro.booking.selectors import day_summary
from vuoro.booking.services import LIVE_FUTURE, _lock_day
from vuoro.booking.staff import OBJECT_TYPE, booking_snapshot
from vuoro.network.changes import Affected
from vuoro.network.state import NetworkState, PointState
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_queue
from vuoro.scheduling.availability import Busy
from vuoro.scheduling.calendar import Opening

DESK, MOVED, CANCELLED = "desk", "moved", "cancelled"
CLOSURE_REASON = "The service point's hours, exceptions or desks changed and left no desk at this time."


@dataclass(frozen=True)
class _Held:
    """A booking of the day as it stands."""

    id: int
    key: str
    desk_id: int
    start_at: dt.datetime
    end_at: dt.datetime
    status: str


@dataclass(frozen=True)
class Placement:
    """Where one hit booking goes: `outcome` DESK or MOVED with its new desk and times, or CANCELLED."""

    booking_id: int
    key: str
    point_id: str
    day: dt.date
    outcome: str
    old_start_at: dt.datetime
    desk_id: int | None = None
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    status: str = Booking.Status.CONFIRMED

    def affected(self, point: PointState) -> Affected:
        new = self.start_at.astimezone(point.zone) if self.start_at is not None else None
        return Affected(label=self.key, point_id=self.point_id, local_start=self.old_start_at.astimezone(point.zone),
                        outcome=self.outcome, new_local_start=new)


@dataclass
class ClosurePlan:
    """What a network change does to bookings: one Placement per booking that loses its desk or time."""

    after: NetworkState
    now: dt.datetime
    placements: list[Placement] = field(default_factory=list)
    days: list[tuple[str, dt.date]] = field(default_factory=list)  # every day the change touches (locked)
    busy: dict[tuple[str, dt.date], list[Busy]] = field(default_factory=dict)  # each day's bookings as they will be

    @property
    def affected(self) -> list[Affected]:
        return [p.affected(self.after.points[p.point_id]) for p in self.placements]

    def apply(self, *, actor=None) -> list[Affected]:
        closure_apply(plan=self, actor=actor)
        return self.affected


def _changed_days(before: NetworkState, after: NetworkState, now: dt.datetime) -> list[tuple[str, dt.date]]:
    """Every (point, local date) from today to the last bookable or booked day whose opening or
    desks the change touches, sorted."""
    days = []
    for point in after.points.values():
        old = before.points.get(point.id)
        if old is None or (old.calendar_key == point.calendar_key and old.desk_ids == point.desk_ids):
            continue  # a new point has no bookings yet
        first = now.astimezone(point.zone).date()
        last = max(before.horizon_end(now), after.horizon_end(now)).astimezone(point.zone).date()
        booked = (Booking.objects.filter(service_point_id=point.id, start_at__gt=now, status__in=LIVE_FUTURE)
                  .aggregate(last=Max("local_date"))["last"])
        last = max(last, booked or last)
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            opening, was = point.calendar.opening_on(day), old.calendar.opening_on(day)
            if (opening is not None or was is not None) and (old.desk_ids != point.desk_ids or was != opening):
                days.append((point.id, day))
    return days


def closure_plan(*, before: NetworkState, after: NetworkState, now: dt.datetime, lock: bool = True) -> ClosurePlan:
    """The live future bookings that the change from `before` to `after` leaves without a desk,
    each with where it would go (see the module's docstring).

    With `lock`, every day the change touches is locked (its DayLoad row, as every booking writer
    does) before its bookings are read, and stays locked until the transaction ends: a booking
    made meanwhile under the old network either committed before (and is read here) or waits,
    and then finds the day's summary written under the new network and looks again.
    """
    plan = ClosurePlan(after=after, now=now, days=_changed_days(before, after, now))
    if lock:
        for point_id, day in plan.days:  # sorted: always in the same order, like every writer
            _lock_day(point_id, day)
    wanted = set(plan.days)
    held: dict[tuple[str, dt.date], list[_Held]] = {key: [] for key in plan.days}
    for point_id in sorted({point_id for point_id, _ in plan.days}):
        dates = [day for pid, day in plan.days if pid == point_id]
        rows = (Booking.objects.filter(service_point_id=point_id, local_date__range=(min(dates), max(dates)))
                .exclude(status=Booking.Status.CANCELLED).order_by("start_at", "id")
                .values_list("local_date", "id", "reservation_key", "desk_id", "start_at", "end_at", "status"))
        for day, *row in rows:
            if (point_id, day) in wanted:
                held[(point_id, day)].append(_Held(*row))
    for point_id, day in plan.days:
        point = after.points[point_id]
        placements, busy = _place_day(point, point.calendar.opening_on(day), held[(point_id, day)],
                                      after.slot_minutes, now, day)
        plan.placements += placements
        plan.busy[(point_id, day)] = busy
    return plan


def _place_day(point: PointState, opening: Opening | None, held: list[_Held], slot_minutes: int,
               now: dt.datetime, day: dt.date) -> tuple[list[Placement], list[Busy]]:
    """Greedy: bookings that still fit where they are stay; the others, earliest first, take the
    same time at the lowest free desk, else the free start nearest their own, else nothing.
    Returns the placements and the day's live bookings as they will be."""
    desks = [number for number in range(1, opening.desks + 1) if number in point.desk_ids] if opening else []
    taken: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {number: [] for number in desks}

    def fits(number: int, start: dt.datetime, end: dt.datetime) -> bool:
        return (opening.interval.start <= start and end <= opening.interval.end
                and all(end <= s or e <= start for s, e in taken[number]))

    loose, busy = [], []
    for booking in held:
        number = point.desk_numbers.get(booking.desk_id)
        movable = booking.status in LIVE_FUTURE and booking.start_at > now
        if number in taken and (not movable or fits(number, booking.start_at, booking.end_at)):
            taken[number].append((booking.start_at, booking.end_at))  # stays (or has begun: left as it is)
        elif movable:
            loose.append(booking)
            continue
        if number is not None:
            busy.append(Busy(number, booking.start_at, booking.end_at))
    result = []
    for booking in loose:
        base = dict(booking_id=booking.id, key=booking.key, point_id=point.id, day=day,
                    old_start_at=booking.start_at, status=booking.status)
        duration = booking.end_at - booking.start_at
        found = None
        for number in desks:
            if fits(number, booking.start_at, booking.end_at):
                found = (DESK, number, booking.start_at)
                break
        if found is None and opening is not None:
            found = _nearest(opening, desks, fits, booking.start_at, duration, slot_minutes, now)
        if found is None:
            result.append(Placement(**base, outcome=CANCELLED))
            continue
        outcome, number, start = found
        taken[number].append((start, start + duration))
        busy.append(Busy(number, start, start + duration))
        result.append(Placement(**base, outcome=outcome, desk_id=point.desk_ids[number], start_at=start,
                                end_at=start + duration))
    return result, busy


def _nearest(opening: Opening, desks: list[int], fits, old_start: dt.datetime, duration: dt.timedelta,
             slot_minutes: int, now: dt.datetime) -> tuple[str, int, dt.datetime] | None:
    """The day's free start on the grid nearest `old_start` (the earlier of two as near), after `now`."""
    step = dt.timedelta(minutes=slot_minutes)
    starts = []
    start = opening.interval.start
    while start + duration <= opening.interval.end:
        if start > now:
            starts.append(start)
        start += step
    for start in sorted(starts, key=lambda s: (abs(s - old_start), s)):
        for number in desks:
            if fits(number, start, start + duration):
                return MOVED, number, start
    return None


def closure_apply(*, plan: ClosurePlan, actor=None) -> None:
    """Move and cancel as planned, tell each customer whose time changed, record each move and
    cancellation in the audit log as done by `actor` (None: the system), and store each day's
    summary afresh. Call in the transaction that made the change and the plan."""
    stranded = [p.booking_id for p in plan.placements if p.outcome != DESK]
    before = {pk: booking_snapshot(b) for pk, b in Booking.objects.in_bulk(stranded).items()}
    moving = [p for p in plan.placements if p.outcome != CANCELLED]
    # Moved bookings first leave their old places (not live for a moment), so that no move is
    # refused by the desk guard for a place another booking is about to leave.
    Booking.objects.filter(pk__in=[p.booking_id for p in moving]).update(status=Booking.Status.CANCELLED)
    for placement in moving:
        Booking.objects.filter(pk=placement.booking_id).update(
            status=placement.status, desk_id=placement.desk_id, start_at=placement.start_at,
            end_at=placement.end_at,
            rescheduled_count=F("rescheduled_count") + (1 if placement.outcome == MOVED else 0))
        if placement.outcome == MOVED:
            notice_queue(booking_id=placement.booking_id, event=Notice.Event.AGENCY_MOVED, now=plan.now)
    for placement in plan.placements:
        if placement.outcome == CANCELLED:
            Booking.objects.filter(pk=placement.booking_id).update(status=Booking.Status.CANCELLED,
                                                                   cancelled_at=plan.now)
            notice_queue(booking_id=placement.booking_id, event=Notice.Event.AGENCY_CANCELLED, now=plan.now)
    for booking in Booking.objects.filter(pk__in=stranded).order_by("start_at", "id"):
        audit_record(actor=actor, action=AuditEntry.Action.BOOKING_CANCEL if booking.status == Booking.Status.CANCELLED
                     else AuditEntry.Action.BOOKING_MOVE, object_type=OBJECT_TYPE, object_id=booking.pk,
                     now=plan.now, service_point_id=booking.service_point_id, reason=CLOSURE_REASON,
                     before=before[booking.pk], after=booking_snapshot(booking))
    for point_id, day in plan.days:
        _store_day(plan.after, plan.after.points[point_id], day, plan.busy[(point_id, day)])


def _store_day(state: NetworkState, point: PointState, day: dt.date, busy: list[Busy]) -> None:
    """The day's summary from its live bookings under the new network (the day is locked)."""
    free_cells, free_run = day_summary(point.calendar.opening_on(day), busy, slot_minutes=state.slot_minutes)
    DayLoad.objects.filter(service_point_id=point.id, date=day).update(
        booked_minutes=sum(int((b.end - b.start).total_seconds() // 60) for b in busy),
        calendar_key=point.calendar_key, free_cells=free_cells, free_run_minutes=free_run)


def closure_guard(*, before: NetworkState, after: NetworkState, now: dt.datetime) -> ClosurePlan:
    """The booking app's answer to `vuoro.network.changes`: the plan for a change, its days locked."""
    return closure_plan(before=before, after=after, now=now)
