"""The waitlist over the v1 API (docs/api.md, Additions: Waitlist)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import JsonResponse
from django.utils import timezone
from ninja import Header, Router, Schema
from pydantic import Field, model_validator

from vuoro.apierrors import ApiError, InputSchema, error_answers
from vuoro.booking.api import CustomerIn
from vuoro.booking.guards import booking_authorise
from vuoro.booking.keys import normalise_key
from vuoro.booking.models import MAX_PERSONS, WaitlistEntry
from vuoro.booking.services import BookingError, Customer
from vuoro.booking.waitlist import (
    entry_reservation_key,
    last_bookable_date,
    today,
    waitlist_accept,
    waitlist_authorise,
    waitlist_cancel,
    waitlist_join,
    waitlist_join_move,
)
from vuoro.network.state import NetworkState, network_state
from vuoro.parsing import ApiDate

router = Router(tags=["waitlist"])


class WaitlistIn(InputSchema):
    """A new booking wanted: `service`, `from`, `to` and `customer` are needed. Or, with
    `reservation_key` (and that booking's PIN in `X-PIN`), an earlier day for that booking: its
    service, persons, language and contact details are the booking's, `from` defaults to today and
    `to` (at most, and by default) to the day before the booking's."""

    service: str | None = Field(None, max_length=64)
    service_points: list[str] = Field(default_factory=list, max_length=50)
    from_date: ApiDate | None = Field(None, alias="from")
    to_date: ApiDate | None = Field(None, alias="to")
    persons: int = Field(1, ge=1, le=MAX_PERSONS)
    language: Literal["fi", "sv", "en"] = "fi"
    customer: CustomerIn | None = None
    auto_book: bool = False
    reservation_key: str | None = Field(None, max_length=32)

    @model_validator(mode="after")
    def _needed(self):
        if self.reservation_key is None:
            missing = [name for name, value in (("service", self.service), ("from", self.from_date),
                                                 ("to", self.to_date), ("customer", self.customer)) if value is None]
            if missing:
                raise ValueError(f"needed without reservation_key: {', '.join(missing)}")
        return self


class WaitlistCreatedOut(Schema):
    waitlist_key: str
    pin: str | None = None
    status: Literal["waiting"]


class WaitlistOut(Schema):
    waitlist_key: str
    status: Literal["waiting", "offered", "booked", "cancelled", "expired"]
    reservation_key: str | None = None
    service: str
    service_points: list[str]
    from_date: dt.date = Field(alias="from")
    to_date: dt.date = Field(alias="to")
    persons: int
    auto_book: bool
    offered: dict | None = None
    days_gained: int | None = None


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, fields={field: [message]})


def _check_points(state: NetworkState, service_code: str, point_ids: list[str]) -> list[str]:
    unknown = [p for p in point_ids if p not in state.points]
    if unknown:
        raise _invalid("service_points", f"no service point {unknown[0]!r}")
    offering = {p.id for p in state.points_offering(service_code)}
    elsewhere = [p for p in point_ids if p not in offering]
    if elsewhere:
        raise _invalid("service_points", f"{elsewhere[0]!r} does not offer {service_code!r}")
    return sorted(set(point_ids))


def _check_dates(state: NetworkState, from_date: dt.date, to_date: dt.date, now: dt.datetime) -> None:
    if from_date > to_date:
        raise _invalid("from", "must not be after `to`")
    if to_date < today(state, now):
        raise _invalid("to", "must not be in the past")
    if from_date > last_bookable_date(state, now):
        raise _invalid("from", "beyond the booking horizon")


def waitlist_body(entry: WaitlistEntry, state: NetworkState) -> dict:
    body = {"waitlist_key": entry.waitlist_key, "status": entry.status}
    key = entry_reservation_key(entry)
    if key is not None:
        body["reservation_key"] = key
    body.update({"service": entry.service.code, "service_points": entry.point_ids,
                 "from": entry.from_date.isoformat(), "to": entry.to_date.isoformat(), "persons": entry.persons,
                 "auto_book": entry.auto_book})
    if entry.status == WaitlistEntry.Status.OFFERED and entry.hold is not None:
        hold = entry.hold
        point = state.points.get(hold.service_point_id)
        zone = point.zone if point else dt.UTC
        body["offered"] = {"service_point": hold.service_point_id, "start": hold.start_at.astimezone(zone).isoformat(),
                           "end": hold.end_at.astimezone(zone).isoformat(),
                           "held_until": hold.held_until.astimezone(zone).isoformat()}
    if entry.days_gained is not None:
        body["days_gained"] = entry.days_gained
    return body


@router.post("/waitlist", response={201: WaitlistCreatedOut, **error_answers(404, 409)},
             summary="Join the waitlist, or ask for an earlier time for a booking")
def waitlist_create(request, payload: WaitlistIn, x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    """When a matching time frees up, the first waiting entry gets it: booked at once with
    `auto_book`, otherwise held for it for 30 minutes (status `offered`) and a one-click link sent.
    `service_points` empty = any point offering the service. One open entry per e-mail address and
    service: 409 `waitlist_entry_exists`; 409 `active_booking_exists` when the address has a
    future booking of the service (ask to move that one earlier instead). With `reservation_key`:
    a wrong key or PIN is 404, and the answer has no PIN (the booking's serves the entry)."""
    now = timezone.now()
    state = network_state()
    try:
        if payload.reservation_key is not None:
            return _create_move(payload, x_pin, state, now)
        if payload.service not in state.service_ids:
            raise _invalid("service", f"no service {payload.service!r}")
        points = _check_points(state, payload.service, payload.service_points)
        _check_dates(state, payload.from_date, payload.to_date, now)
        if payload.to_date > last_bookable_date(state, now):
            raise _invalid("to", "beyond the booking horizon")
        customer = payload.customer
        made = waitlist_join(
            state=state, service_code=payload.service, point_ids=points,
            from_date=max(payload.from_date, today(state, now)), to_date=payload.to_date, persons=payload.persons,
            language=payload.language, auto_book=payload.auto_book, now=now,
            customer=Customer(name=customer.name, email=customer.email, phone=customer.phone))
    except BookingError as error:
        raise ApiError(409, error.code, error.detail) from None
    return JsonResponse({"waitlist_key": made.entry.waitlist_key, "pin": made.pin, "status": "waiting"}, status=201)


def _create_move(payload: WaitlistIn, x_pin: str | None, state: NetworkState, now: dt.datetime) -> JsonResponse:
    booking = booking_authorise(reservation_key=normalise_key(payload.reservation_key), pin=x_pin, now=now)
    if booking is None:
        raise ApiError(404, "not_found", "No booking with that reservation key and PIN.")
    points = _check_points(state, booking.service.code, payload.service_points)
    from_date = max(payload.from_date or today(state, now), today(state, now))
    to_date = payload.to_date
    if to_date is not None:
        _check_dates(state, from_date, to_date, now)
    made = waitlist_join_move(state=state, booking=booking, point_ids=points, from_date=from_date,
                              to_date=to_date, auto_book=payload.auto_book, now=now)
    return JsonResponse({"waitlist_key": made.entry.waitlist_key, "status": "waiting"}, status=201)


def _authorised(waitlist_key: str, pin: str | None) -> WaitlistEntry:
    entry = waitlist_authorise(waitlist_key=normalise_key(waitlist_key), pin=pin, now=timezone.now())
    if entry is None:
        raise ApiError(404, "not_found", "No waitlist entry with that key and PIN.")
    return entry


@router.get("/waitlist/{waitlist_key}", response={200: WaitlistOut, **error_answers(404)},
            summary="A waitlist entry's status")
def waitlist_get(request, waitlist_key: str, x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    """`reservation_key` once booked; `offered` (the held time and until when) while offered. A wrong
    key or PIN is 404, and repeated wrong PINs for one key are 429."""
    entry = _authorised(waitlist_key, x_pin)
    entry = WaitlistEntry.objects.select_related("service", "hold").get(pk=entry.pk)
    return JsonResponse(waitlist_body(entry, network_state()))


@router.post("/waitlist/{waitlist_key}/cancel", response={200: WaitlistOut, **error_answers(404)},
             summary="Leave the waitlist")
def waitlist_cancel_view(request, waitlist_key: str,
                         x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    """A time held for the entry goes to the next one. An entry that has ended answers as it is
    (a booking it made is cancelled as a booking)."""
    entry = _authorised(waitlist_key, x_pin)
    state = network_state()
    entry = waitlist_cancel(entry=entry, now=timezone.now(), state=state)
    entry = WaitlistEntry.objects.select_related("service", "hold").get(pk=entry.pk)
    return JsonResponse(waitlist_body(entry, state))


@router.post("/waitlist/{waitlist_key}/accept", response={200: WaitlistOut, **error_answers(404, 409)},
             summary="Take the time held for the entry")
def waitlist_accept_view(request, waitlist_key: str,
                         x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    """The held time becomes a confirmed booking (`reservation_key`; for a move entry, the booking
    moves into it). 409 `not_offered` when no time is held (any more)."""
    entry = _authorised(waitlist_key, x_pin)
    state = network_state()
    try:
        entry = waitlist_accept(entry=entry, now=timezone.now(), state=state)
    except BookingError as error:
        raise ApiError(409, error.code, error.detail) from None
    entry = WaitlistEntry.objects.select_related("service", "hold").get(pk=entry.pk)
    return JsonResponse(waitlist_body(entry, state))
