"""The day at a service point: queue numbers, check-in, calling customers to desks, no-shows.

Each write is one transaction. The database keeps one number per point and day (a unique
constraint) and hands out numbers with one conditional UPDATE of a daily counter, so the quota
holds under any concurrency; a customer is called to one desk only (row locks on PostgreSQL,
serialised writes on SQLite, and a conditional update as the last word).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_noop

from vuoro.apierrors import DomainError
from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.booking.models import Booking
from vuoro.network.models import Desk
from vuoro.network.state import NetworkState, PointState
from vuoro.walkin.messages import turn_text_queue
from vuoro.walkin.models import LIVE_STATUSES, Outcome, PausedDesk, Ticket, TicketDay, ticket_label

CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)
GRACE_AFTER_START = dt.timedelta(minutes=10)  # later than this: a no-show, offered a number or a new time
DUE_BEFORE_START = dt.timedelta(minutes=5)  # a checked-in appointment is called from this before its start
NOTIFY_WHEN_AHEAD = 3


class WalkInError(DomainError):
    pass


class Closed(WalkInError):
    code = "closed"


class NoTicketsLeft(WalkInError):
    code = "no_tickets_left"


class PhoneHasTicket(WalkInError):
    code = "phone_has_ticket"


class CheckInRefused(WalkInError):
    code = "check_in_refused"

    def __init__(self, detail: str, *, reason: str):
        super().__init__(detail)
        self.reason = reason  # too_early, too_late, not_today, wrong_point, not_found, cancelled, done


class NotAllowed(WalkInError):
    code = "not_allowed"


class Stale(NotAllowed):
    """The customer is no longer where the clerk's page showed them: called to another desk,
    finished, marked absent or transferred meanwhile (another clerk, another tab). The console
    says so plainly; the API answers 409 not_allowed as before."""

    def __init__(self, detail: str, *, label: str = "", status: str = "", desk_id: int | None = None):
        super().__init__(detail)
        self.label, self.status, self.desk_id = label, status, desk_id


class DeskPaused(WalkInError):
    code = "desk_paused"


@dataclass(frozen=True)
class IssuedTicket:
    ticket: Ticket
    position: int
    estimated_wait_minutes: int


def today_opening(point: PointState, now: dt.datetime):
    day = now.astimezone(point.zone).date()
    return day, point.calendar.opening_on(day)


def _console_record(*, actor, action: str, kind: str, visit_id: int, point_id: str, now: dt.datetime,
                    before: dict | None, after: dict) -> None:
    """A clerk's act in the audit log, in the act's transaction; a customer's own act (actor None) is not one."""
    if actor is not None:
        audit_record(actor=actor, action=action, object_type=kind, object_id=visit_id, now=now,
                     service_point_id=point_id, before=before, after=after)


def ticket_issue(*, state: NetworkState, point_id: str, service_code: str | None, language: str, now: dt.datetime,
                 channel: str = Ticket.Channel.KIOSK, phone: str = "", urgent: bool = False,
                 actor=None) -> IssuedTicket:
    """Hand out the next queue number of the day, within the quota and the opening hours; a phone
    number holds one live (waiting, called or being served) number per point and day. A number a
    clerk issues (`actor`) is recorded in the audit log."""
    from vuoro.walkin.selectors import queue_estimate

    point = state.points[point_id]
    if not point.daily_tickets:
        raise Closed("This service point does not issue queue numbers.")
    day, opening = today_opening(point, now)
    if opening is None or not (opening.interval.start <= now < opening.interval.end):
        raise Closed("The service point is closed now; queue numbers are issued while it is open.")
    if phone and _phone_has_ticket(point_id, day, phone):
        raise PhoneHasTicket(_PHONE_HAS_TICKET)
    try:
        with transaction.atomic():
            number = _next_number(point_id, day, point.daily_tickets)
            if number is None:
                raise NoTicketsLeft("Today's queue numbers have all been given out.")
            ticket = Ticket.objects.create(
                service_point_id=point_id, local_date=day, number=number,
                service_id=state.service_ids.get(service_code) if service_code else None, language=language,
                urgent=urgent, channel=channel, phone=phone, issued_at=now)
            _console_record(actor=actor, action=AuditEntry.Action.CONSOLE_TICKET, kind="ticket", visit_id=ticket.pk,
                            point_id=point_id, now=now, before=None,
                            after={"number": ticket.label, "service": service_code, "urgent": urgent,
                                   "status": ticket.status})
    except NoTicketsLeft:
        # Counted after the refusing transaction rolled back, for the insight figures.
        TicketDay.objects.filter(service_point_id=point_id, date=day).update(turned_away=F("turned_away") + 1)
        raise
    except IntegrityError:
        # Two requests with one phone at once: the database's constraint lets one through; the
        # other's number goes back to the day's counter with its rolled-back transaction.
        if phone and _phone_has_ticket(point_id, day, phone):
            raise PhoneHasTicket(_PHONE_HAS_TICKET) from None
        raise
    estimate = queue_estimate(state=state, point_id=point_id, now=now, ticket=ticket)
    # Kept so the insight figures can set the wait told against the wait had.
    Ticket.objects.filter(pk=ticket.pk).update(estimated_wait_minutes=estimate.wait_minutes)
    ticket.estimated_wait_minutes = estimate.wait_minutes
    return IssuedTicket(ticket=ticket, position=estimate.position, estimated_wait_minutes=estimate.wait_minutes)


_PHONE_HAS_TICKET = "This phone number already has a queue number at this service point today."


def _phone_has_ticket(point_id: str, day: dt.date, phone: str) -> bool:
    return Ticket.objects.filter(service_point_id=point_id, local_date=day, phone=phone,
                                 status__in=LIVE_STATUSES).exists()


def _next_number(point_id: str, day: dt.date, quota: int) -> int | None:
    """Take the next number from the day's counter, or None when the quota is used up."""
    TicketDay.objects.get_or_create(service_point_id=point_id, date=day)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE walkin_ticketday SET issued = issued + 1 "
            "WHERE service_point_id = %s AND date = %s AND issued < %s RETURNING issued",
            [point_id, day, quota])
        row = cursor.fetchone()
    return row[0] if row else None


def booking_check_in(*, state: NetworkState, reservation_key: str, point_id: str, now: dt.datetime) -> Booking:
    """Check in an appointment at the kiosk: from 30 minutes before its start to 10 minutes after."""
    with transaction.atomic():
        booking = (Booking.objects.select_for_update().select_related("service", "service_point")
                   .filter(reservation_key=reservation_key).first())
        if booking is None:
            raise CheckInRefused("No booking with that reservation key.", reason="not_found")
        if booking.service_point_id != point_id:
            raise CheckInRefused("This booking is for another service point.", reason="wrong_point")
        if booking.status == Booking.Status.CANCELLED:
            raise CheckInRefused("This booking was cancelled.", reason="cancelled")
        if booking.status in (Booking.Status.CHECKED_IN, Booking.Status.CALLED, Booking.Status.IN_SERVICE):
            return booking
        if booking.status != Booking.Status.CONFIRMED:
            raise CheckInRefused("This booking can no longer be checked in.", reason="done")
        zone = state.points[point_id].zone
        if booking.start_at.astimezone(zone).date() != now.astimezone(zone).date():
            raise CheckInRefused("This booking is for another day.", reason="not_today")
        if now < booking.start_at - CHECK_IN_OPENS_BEFORE:
            raise CheckInRefused("It is too early to check in: come back 30 minutes before your time.",
                                 reason="too_early")
        if now > booking.start_at + GRACE_AFTER_START:
            raise CheckInRefused("Your appointment time has passed.", reason="too_late")
        booking.status, booking.checked_in_at = Booking.Status.CHECKED_IN, now
        booking.save(update_fields=["status", "checked_in_at"])
    return booking


@dataclass(frozen=True)
class Called:
    kind: str  # "booking" or "ticket"
    id: int
    label: str


def _lock(queryset):
    # PostgreSQL: lock the row and let another clerk's call skip it; SQLite serialises writes.
    return queryset.select_for_update(skip_locked=True) if connection.vendor == "postgresql" else queryset


def desk_lock(desk: Desk) -> None:
    """Serialise one desk's acts: a call, an undo, a pause (PostgreSQL: the desk's row; SQLite
    serialises every write)."""
    list(Desk.objects.select_for_update().filter(pk=desk.pk).values_list("pk", flat=True))


def call_next(*, desk: Desk, now: dt.datetime, state: NetworkState, actor=None) -> Called | None:
    """Call the next customer to `desk`: checked-in appointments that are due, then urgent queue
    numbers, then queue numbers, each first come first served. None when nobody waits. The
    clerk (`actor`) and whom they called are recorded in the audit log."""
    point = state.points[desk.service_point_id]
    day = now.astimezone(point.zone).date()
    with transaction.atomic():
        desk_lock(desk)
        if PausedDesk.objects.filter(desk=desk).exists():
            raise DeskPaused(gettext_noop("This desk is paused: resume it to call the next customer."))
        # A customer transferred to a desk waits for that desk only (the desk field of a waiting
        # visit); the others wait for any desk.
        for_booking = Q(served_at_desk__isnull=True) | Q(served_at_desk=desk)
        booking = _lock(Booking.objects.filter(
            for_booking, service_point_id=desk.service_point_id, local_date=day, status=Booking.Status.CHECKED_IN,
            start_at__lte=now + DUE_BEFORE_START).order_by("start_at", "checked_in_at", "id")).first()
        if booking is not None:
            taken = Booking.objects.filter(for_booking, pk=booking.pk, status=Booking.Status.CHECKED_IN).update(
                status=Booking.Status.CALLED, called_at=now, served_at_desk=desk)
            if taken:
                called = Called("booking", booking.pk, booking_label(booking))
                _console_record(actor=actor, action=AuditEntry.Action.CONSOLE_CALL, kind="booking",
                                visit_id=booking.pk, point_id=desk.service_point_id, now=now,
                                before={"status": Booking.Status.CHECKED_IN.value},
                                after={"status": Booking.Status.CALLED.value, "desk_id": desk.pk,
                                       "label": called.label})
                return called
        for_ticket = Q(desk__isnull=True) | Q(desk=desk)
        ticket = _lock(Ticket.objects.filter(for_ticket, service_point_id=desk.service_point_id, local_date=day,
                                             status=Ticket.Status.WAITING)
                       .order_by("-urgent", "number")).first()
        if ticket is None:
            return None
        taken = Ticket.objects.filter(for_ticket, pk=ticket.pk, status=Ticket.Status.WAITING).update(
            status=Ticket.Status.CALLED, called_at=now, desk=desk)
        if not taken:
            return None
        _console_record(actor=actor, action=AuditEntry.Action.CONSOLE_CALL, kind="ticket", visit_id=ticket.pk,
                        point_id=desk.service_point_id, now=now, before={"status": Ticket.Status.WAITING.value},
                        after={"status": Ticket.Status.CALLED.value, "desk_id": desk.pk, "label": ticket.label})
        _notify_soon(desk.service_point_id, day, now)
    return Called("ticket", ticket.pk, ticket.label)


def appointment_shown(start_at: dt.datetime, zone, reservation_key: str) -> str:
    """An appointment as the board shows it to the hall, and the console to the clerk who calls it:
    "Appointment 15:30 (…0MQ)", its local time and the last three characters of its key, in the
    active language. (The API's now_serving keeps its own "15:30 ·0MQ": see booking_label.)"""
    return gettext("Appointment %(time)s (…%(key)s)") % {"time": f"{start_at.astimezone(zone):%H:%M}",
                                                         "key": reservation_key[-3:]}


def booking_label(booking: Booking) -> str:
    """How an appointment is shown on the board: its time and the end of its key, no name."""
    return f"{booking.start_at.astimezone(booking.service_point_zone):%H:%M} ·{booking.reservation_key[-3:]}"


ACTIONS = {
    # action: (statuses it applies to, new status, timestamp field)
    "recall": ((Ticket.Status.CALLED,), Ticket.Status.CALLED, "called_at"),
    "start": ((Ticket.Status.CALLED,), Ticket.Status.IN_SERVICE, "started_at"),
    "finish": ((Ticket.Status.IN_SERVICE, Ticket.Status.CALLED), Ticket.Status.DONE, "finished_at"),
    "no_show": ((Ticket.Status.CALLED,), Ticket.Status.NO_SHOW, "no_show_at"),
}


CONSOLE_ACTIONS = {"recall": AuditEntry.Action.CONSOLE_RECALL, "start": AuditEntry.Action.CONSOLE_START,
                   "finish": AuditEntry.Action.CONSOLE_FINISH, "no_show": AuditEntry.Action.CONSOLE_NO_SHOW}


def visit_model(kind: str):
    """A visit's model and the field naming the desk it is called (or sent) to: a queue number's
    `desk`, a booking's `served_at_desk`."""
    if kind not in ("ticket", "booking"):
        raise NotAllowed(f"Unknown kind {kind!r}.")
    return (Ticket, "desk") if kind == "ticket" else (Booking, "served_at_desk")


def visit_act(*, kind: str, visit_id: int, desk: Desk, action: str, now: dt.datetime, outcome: str = "",
              actor=None) -> None:
    """Recall, start, finish (with an outcome) or mark absent a customer called to `desk`; the
    clerk (`actor`) and the visit's status before and after are recorded in the audit log."""
    if action not in ACTIONS:
        raise NotAllowed(f"Unknown action {action!r}.")
    if action == "finish" and outcome not in Outcome.values:
        raise NotAllowed(gettext_noop("Choose an outcome to finish the visit."))
    allowed, new_status, stamp = ACTIONS[action]
    model, desk_field = visit_model(kind)
    values = {"status": new_status, stamp: now}
    if action == "finish":
        values["outcome"] = outcome
    with transaction.atomic():
        queryset = model.objects.filter(pk=visit_id, status__in=[str(s) for s in allowed], **{desk_field: desk})
        if action == "recall":
            values = {"called_at": now} if kind == "booking" else {"called_at": now,
                                                                   "recalled_count": F("recalled_count") + 1}
        before = queryset.select_for_update().values_list("status", flat=True).first()
        if not queryset.update(**values):
            raise visit_stale(kind=kind, visit_id=visit_id, desk=desk)
        after = {"status": str(new_status), "desk_id": desk.pk}
        if action == "finish":
            after["outcome"] = outcome
        _console_record(actor=actor, action=CONSOLE_ACTIONS[action], kind=kind, visit_id=visit_id,
                        point_id=desk.service_point_id, now=now, before={"status": before}, after=after)


def visit_stale(*, kind: str, visit_id: int, desk: Desk) -> Stale:
    """Why an act on a visit found it elsewhere: where it is now, for a clear message."""
    if kind == "ticket":
        row = Ticket.objects.filter(pk=visit_id).values("status", "desk_id", "number", "urgent").first()
        label = ticket_label(row["number"], urgent=row["urgent"]) if row else ""
    else:
        booking = Booking.objects.select_related("service_point").filter(pk=visit_id).first()
        row = None if booking is None else {"status": booking.status, "desk_id": booking.served_at_desk_id}
        # As the console lists it (its time and the key's last three characters), never the
        # whole key: with the PIN, that opens the booking.
        label = ("" if booking is None
                 else appointment_shown(booking.start_at, booking.service_point_zone, booking.reservation_key))
    if row is None or row["desk_id"] == desk.pk and row["status"] in ("called", "in_service"):
        return Stale("That customer is not at this desk in a state that allows this.", label=label)
    return Stale("That customer is not at this desk in a state that allows this.", label=label,
                 status=row["status"], desk_id=row["desk_id"] if row["desk_id"] != desk.pk else None)


def noshow_sweep(*, now: dt.datetime) -> int:
    """Mark appointments not checked in by their start plus the grace period as no-shows."""
    with transaction.atomic():
        count = Booking.objects.filter(status=Booking.Status.CONFIRMED, start_at__lt=now - GRACE_AFTER_START).update(
            status=Booking.Status.NO_SHOW, no_show_at=now)
    return count


def _notify_soon(point_id: str, day: dt.date, now: dt.datetime) -> None:
    """Text each online ticket holder who has three or fewer people ahead, once: queued in the
    outbox in this transaction, so the text exists if and only if the call committed."""
    first_in_line = (Ticket.objects.filter(service_point_id=point_id, local_date=day, status=Ticket.Status.WAITING)
                     .order_by("-urgent", "number").values_list("pk", flat=True)[:NOTIFY_WHEN_AHEAD + 1])
    due = Ticket.objects.filter(pk__in=list(first_in_line), notified_at__isnull=True).exclude(phone="")
    for ticket in list(due.only("pk", "service_point_id", "local_date", "number", "urgent")):
        if Ticket.objects.filter(pk=ticket.pk, notified_at__isnull=True).update(notified_at=now):
            turn_text_queue(ticket=ticket, now=now)
