"""Staff acts on bookings: cancel, move, send the confirmation again, book for the customer.

Each act goes through the booking services (so the no-double-booking rules hold for staff too),
tells the customer through the outbox, and records who did what and why in the audit log, all
in one transaction. A reason is required for every act on an existing booking.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.booking.models import Booking
from vuoro.booking.services import (
    BookingError,
    Customer,
    NewBooking,
    NotChangeable,
    booking_cancel,
    booking_create,
    booking_reschedule,
)
from vuoro.network.state import NetworkState
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_queue

OBJECT_TYPE = "booking"


class ReasonRequired(BookingError):
    code = "reason_required"


def booking_snapshot(booking: Booking) -> dict:
    """What the audit log keeps of a booking's state: time, place and status, no contact details."""
    return {"status": booking.status, "service_point": booking.service_point_id, "desk_id": booking.desk_id,
            "start_at": booking.start_at.isoformat(), "end_at": booking.end_at.isoformat(),
            "persons": booking.persons}


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ReasonRequired("Give the reason for this act.")
    return reason.strip()


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().get(pk=booking.pk)


def _record(*, actor, action: str, booking: Booking, now: dt.datetime, reason: str, before: dict | None) -> None:
    audit_record(actor=actor, action=action, object_type=OBJECT_TYPE, object_id=booking.pk, now=now,
                 service_point_id=booking.service_point_id, reason=reason, before=before,
                 after=booking_snapshot(booking))


def booking_staff_cancel(*, booking: Booking, actor, reason: str, now: dt.datetime,
                         state: NetworkState | None = None) -> Booking:
    """Cancel a live future booking for the customer (who is sent the `cancelled` message)."""
    reason = _reason(reason)
    with transaction.atomic():
        current = _locked(booking)
        if current.status == Booking.Status.CANCELLED:
            raise NotChangeable("This booking is already cancelled.")
        before = booking_snapshot(current)
        cancelled = booking_cancel(booking=current, now=now, state=state)
        _record(actor=actor, action=AuditEntry.Action.BOOKING_CANCEL, booking=cancelled, now=now, reason=reason,
                before=before)
    return cancelled


def booking_staff_move(*, state: NetworkState, booking: Booking, start_at: dt.datetime, point_id: str,
                       actor, reason: str, now: dt.datetime) -> Booking:
    """Move a booking to an offered time (the customer is sent the `rescheduled` message)."""
    reason = _reason(reason)
    with transaction.atomic():
        before = booking_snapshot(_locked(booking))
        moved = booking_reschedule(state=state, booking=booking, start_at=start_at, point_id=point_id, now=now,
                                   pools=state.pools_at([point_id]))
        _record(actor=actor, action=AuditEntry.Action.BOOKING_MOVE, booking=moved, now=now, reason=reason,
                before=before)
    return moved


def booking_confirmation_resend(*, booking: Booking, actor, reason: str, now: dt.datetime) -> Booking:
    """Queue the `confirmed` message again, for a live booking whose time has not passed."""
    reason = _reason(reason)
    with transaction.atomic():
        current = _locked(booking)
        if current.status not in (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN) or current.end_at <= now:
            raise NotChangeable("The confirmation is sent again only for a live booking whose time has not passed.")
        notice_queue(booking_id=current.pk, event=Notice.Event.CONFIRMED, now=now)
        _record(actor=actor, action=AuditEntry.Action.BOOKING_RESEND, booking=current, now=now, reason=reason,
                before=None)
    return current


def booking_desk_create(*, state: NetworkState, service_code: str, point_id: str, start_at: dt.datetime,
                        persons: int, language: str, customer: Customer, actor, now: dt.datetime,
                        reason: str = "", beyond_caps: bool = False) -> NewBooking:
    """Book for a customer at the desk (channel DESK): the customer is sent the confirmation, and
    the key and PIN returned are for the clerk to hand over. Staff book in the time every capacity
    pool keeps at the point, as well as the public's. The caps on bookings per person hold for
    staff too, unless `beyond_caps` with a reason (kept in the audit log with the booking)."""
    if beyond_caps:
        reason = _reason(reason)
    with transaction.atomic():
        made = booking_create(state=state, service_code=service_code, point_id=point_id, start_at=start_at,
                              persons=persons, language=language, customer=customer, now=now,
                              channel=Booking.Channel.DESK, pools=state.pools_at([point_id]),
                              person_caps=not beyond_caps)
        audit_record(actor=actor, action=AuditEntry.Action.BOOKING_CREATE, object_type=OBJECT_TYPE,
                     object_id=made.booking.pk, now=now, service_point_id=made.booking.service_point_id,
                     reason=reason, before=None,
                     after={**booking_snapshot(made.booking), **({"beyond_caps": True} if beyond_caps else {})})
    return made
