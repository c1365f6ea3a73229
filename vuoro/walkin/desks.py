"""A desk's own acts beyond calling: undo a no-show, transfer the customer, pause and resume.

Each is one transaction with a conditional update as the last word, so two clerks (or two tabs)
acting on one customer never both succeed: the loser is told where the customer is now (Stale).
Each act is recorded in the audit log like the console's other acts.
"""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from vuoro.audit.models import AuditEntry
from vuoro.network.models import Desk
from vuoro.network.state import NetworkState
from vuoro.walkin.models import PausedDesk
from vuoro.walkin.services import WalkInError, _console_record, desk_lock, visit_model, visit_stale


class UndoExpired(WalkInError):
    code = "undo_expired"


class UndoRefused(WalkInError):
    code = "undo_refused"


class TransferRefused(WalkInError):
    code = "transfer_refused"


def visit_no_show_undo(*, kind: str, visit_id: int, desk: Desk, now: dt.datetime, actor=None) -> None:
    """Bring back the customer `desk` last marked absent, called to the desk again: within
    NO_SHOW_UNDO of marking and before the desk's next call (selectors.desk_undoable_no_show)."""
    from vuoro.walkin.selectors import desk_undoable_no_show

    model, desk_field = visit_model(kind)
    with transaction.atomic():
        desk_lock(desk)  # the undo and the desk's next call never cross
        undoable = desk_undoable_no_show(desk=desk, now=now)
        if undoable is None or (undoable.kind, undoable.id) != (kind, visit_id):
            raise UndoExpired(gettext_noop(
                "It is too late to undo: marking absent can be undone for 5 minutes, until the desk's next call."))
        try:
            with transaction.atomic():
                restored = model.objects.filter(pk=visit_id, status="no_show", **{desk_field: desk}).update(
                    status="called", no_show_at=None)
        except IntegrityError:
            # The customer's phone took a new queue number meanwhile (one live number per phone).
            raise UndoRefused(gettext_noop(
                "The customer has a new queue number meanwhile: call that one.")) from None
        if not restored:
            raise visit_stale(kind=kind, visit_id=visit_id, desk=desk)
        _console_record(actor=actor, action=AuditEntry.Action.CONSOLE_NO_SHOW_UNDO, kind=kind, visit_id=visit_id,
                        point_id=desk.service_point_id, now=now, before={"status": "no_show"},
                        after={"status": "called", "desk_id": desk.pk})


def visit_transfer(*, kind: str, visit_id: int, desk: Desk, state: NetworkState, now: dt.datetime,
                   to_desk_id: int | None = None, to_service_code: str = "", actor=None) -> None:
    """Send the customer called to (or served at) `desk` back into the queue, for another desk or
    another service of the same point, or both. They keep their place: a queue number its number,
    an appointment its time and check-in, so they come before those who came after them."""
    model, desk_field = visit_model(kind)
    point = state.points[desk.service_point_id]
    if to_desk_id is None and not to_service_code:
        raise TransferRefused(gettext_noop("Choose a desk or a service to transfer the customer to."))
    to_desk = None
    if to_desk_id is not None:
        to_desk = Desk.objects.filter(pk=to_desk_id, service_point_id=desk.service_point_id, active=True).first()
        if to_desk is None or to_desk.pk == desk.pk:
            raise TransferRefused(gettext_noop("Choose another desk of this service point."))
    if to_service_code and to_service_code not in point.durations:
        raise TransferRefused(gettext_noop("This service point does not serve that matter."))
    waiting = "waiting" if kind == "ticket" else "checked_in"
    with transaction.atomic():
        if to_desk is not None and PausedDesk.objects.filter(desk=to_desk).exists():
            raise TransferRefused(gettext_noop("That desk is paused: choose another."))
        current = (model.objects.select_for_update().filter(pk=visit_id, status__in=["called", "in_service"],
                                                             **{desk_field: desk})
                   .values("status", "service_id").first())
        if current is None:
            raise visit_stale(kind=kind, visit_id=visit_id, desk=desk)
        values = {"status": waiting, desk_field: to_desk, "called_at": None, "started_at": None}
        if to_service_code:
            values["service_id"] = state.service_ids[to_service_code]
        if not model.objects.filter(pk=visit_id, status=current["status"], **{desk_field: desk}).update(**values):
            raise visit_stale(kind=kind, visit_id=visit_id, desk=desk)
        _console_record(actor=actor, action=AuditEntry.Action.CONSOLE_TRANSFER, kind=kind, visit_id=visit_id,
                        point_id=desk.service_point_id, now=now,
                        before={"status": current["status"], "desk_id": desk.pk, "service_id": current["service_id"]},
                        after={"status": waiting, "desk_id": to_desk.pk if to_desk else None,
                               "service_id": values.get("service_id", current["service_id"])})


def desk_pause(*, desk: Desk, now: dt.datetime, actor=None) -> bool:
    """Pause `desk`: it is offered no next call until resumed. False when it was paused already."""
    with transaction.atomic():
        desk_lock(desk)
        _pause, created = PausedDesk.objects.get_or_create(desk=desk, defaults={
            "paused_at": now, "paused_by": actor if actor is not None and actor.is_authenticated else None})
        if created:
            _console_record(actor=actor, action=AuditEntry.Action.CONSOLE_PAUSE, kind="desk", visit_id=desk.pk,
                            point_id=desk.service_point_id, now=now, before={"paused": False},
                            after={"paused": True})
    return created


def desk_resume(*, desk: Desk, now: dt.datetime, actor=None) -> bool:
    """Resume a paused `desk`. False when it was not paused."""
    with transaction.atomic():
        desk_lock(desk)
        deleted, _kinds = PausedDesk.objects.filter(desk=desk).delete()
        if deleted:
            _console_record(actor=actor, action=AuditEntry.Action.CONSOLE_RESUME, kind="desk", visit_id=desk.pk,
                            point_id=desk.service_point_id, now=now, before={"paused": True},
                            after={"paused": False})
    return bool(deleted)

