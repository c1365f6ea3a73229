"""Queue numbers and the queue over the v1 API (public), and the clerk's actions (staff, logged in)."""
from __future__ import annotations

from typing import Literal

from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field, field_validator

from vuoro.apierrors import ApiError, InputSchema, error_answers
from vuoro.contact import phone_normalise
from vuoro.network.models import Desk
from vuoro.network.roles import point_ids_of
from vuoro.network.state import network_state
from vuoro.walkin.kiosks import ticket_rate_limit
from vuoro.walkin.models import Outcome
from vuoro.walkin.selectors import queue_status
from vuoro.walkin.services import WalkInError, call_next, ticket_issue, visit_act

router = Router(tags=["walk-in"])
staff_router = Router(tags=["staff"], auth=django_auth)


class TicketIn(InputSchema):
    service: str | None = Field(None, max_length=64)
    language: Literal["fi", "sv", "en"] = "fi"
    phone: str = Field("", max_length=32, description="online tickets: a text message when three are ahead; "
                       "a mobile number, stored in E.164 (without a country code: Finnish)")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return phone_normalise(value)


class TicketOut(Schema):
    number: str
    position: int
    estimated_wait_minutes: int


class ServingOut(Schema):
    number: str
    desk: str


class QueueOut(Schema):
    waiting: int
    tickets_left: int
    estimated_wait_minutes: int
    now_serving: list[ServingOut]


def _point(point_id: str):
    state = network_state()
    if point_id not in state.points:
        raise ApiError(404, "not_found", f"No service point {point_id!r}.")
    return state


@router.post("/service-points/{point_id}/tickets", response={201: TicketOut, **error_answers(404, 409)},
             summary="Take today's queue number")
def tickets_create(request, point_id: str, payload: TicketIn):
    """409 `no_tickets_left` when today's quota is used, `closed` outside the opening hours; extension:
    409 `phone_has_ticket` when the phone number already holds a live number of this point today.
    429 past the limits per client address (5 a minute, 10 an hour), or per device for a kiosk
    registered by the point's staff (60 a minute)."""
    now = timezone.now()
    ticket_rate_limit(request, point_id=point_id, now=now)
    state = _point(point_id)
    if payload.service is not None and payload.service not in state.points[point_id].durations:
        raise ApiError(422, "invalid", "This point does not serve that matter.",
                       fields={"service": [f"not offered here: {payload.service!r}"]})
    try:
        issued = ticket_issue(state=state, point_id=point_id, service_code=payload.service,
                              language=payload.language, now=now, phone=payload.phone,
                              channel="online" if payload.phone else "kiosk")
    except WalkInError as error:
        raise ApiError(409, error.code, error.detail) from None
    return Status(201, {"number": issued.ticket.label, "position": issued.position,
                 "estimated_wait_minutes": issued.estimated_wait_minutes})


@router.get("/service-points/{point_id}/queue", response={200: QueueOut, **error_answers(404)},
            summary="Today's queue at a service point")
def queue(request, point_id: str):
    state = _point(point_id)
    status = queue_status(state=state, point_id=point_id, now=timezone.now())
    return {"waiting": status.waiting, "tickets_left": status.tickets_left,
            "estimated_wait_minutes": status.estimated_wait_minutes,
            "now_serving": [{"number": s["number"], "desk": s["desk"]} for s in status.now_serving]}


class CalledOut(Schema):
    kind: Literal["booking", "ticket"] | None
    id: int | None
    number: str | None


class ActIn(InputSchema):
    kind: Literal["booking", "ticket"]
    id: int
    action: Literal["recall", "start", "finish", "no_show"]
    outcome: str | None = Field(None, max_length=24, description="to finish: " + ", ".join(Outcome.values))


def _desk_for(request, desk_id: int) -> Desk:
    desk = Desk.objects.filter(pk=desk_id, active=True).first()
    if desk is None:
        raise ApiError(404, "not_found", "No such desk.")
    points = point_ids_of(request.user)
    if points is not None and desk.service_point_id not in points:
        raise ApiError(403, "forbidden", "You do not work at this service point.")
    return desk


@staff_router.post("/staff/desks/{desk_id}/call-next",
                   response={200: CalledOut, **error_answers(401, 403, 404, 409)},
                   summary="Call the next customer to a desk")
def staff_call_next(request, desk_id: int):
    """Checked-in appointments that are due, then urgent queue numbers, then queue numbers; a
    customer transferred to another desk waits for that desk. 409 `desk_paused` while the desk's
    clerk has paused it in the console."""
    desk = _desk_for(request, desk_id)
    try:
        called = call_next(desk=desk, now=timezone.now(), state=network_state(), actor=request.user)
    except WalkInError as error:
        raise ApiError(409, error.code, error.detail) from None
    if called is None:
        return {"kind": None, "id": None, "number": None}
    return {"kind": called.kind, "id": called.id, "number": called.label}


@staff_router.post("/staff/desks/{desk_id}/act", response={200: dict, **error_answers(401, 403, 404, 409)},
                   summary="Recall, start, finish or mark absent the customer at a desk")
def staff_act(request, desk_id: int, payload: ActIn):
    desk = _desk_for(request, desk_id)
    try:
        visit_act(kind=payload.kind, visit_id=payload.id, desk=desk, action=payload.action, now=timezone.now(),
                  outcome=payload.outcome or "", actor=request.user)
    except WalkInError as error:
        raise ApiError(409, error.code, error.detail) from None
    return {"ok": True}
