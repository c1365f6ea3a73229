"""Availability and bookings over the v1 API, exactly as docs/api.md fixes them."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Literal, NamedTuple

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Header, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import Field, field_validator, model_validator

from vuoro.apierrors import ApiError, InputSchema, error_answers
from vuoro.booking.email_confirm import booking_email_confirm, confirm_token_booking
from vuoro.booking.guards import booking_authorise, client_key
from vuoro.booking.ics import booking_calendar
from vuoro.booking.keys import KEY_RE, normalise_key, seal, unseal
from vuoro.booking.models import MAX_PERSONS, Booking, IdempotentAnswer
from vuoro.booking.priority import InvalidPriorityCode, priority_code_check
from vuoro.booking.recovery import booking_links_send, looks_like_email
from vuoro.booking.rush import rush_pass_check
from vuoro.booking.selectors import (
    MAX_SLOTS,
    DayStarts,
    PointSlot,
    SlotDay,
    availability_days,
    availability_list,
    current_network,
)
from vuoro.booking.services import (
    BookingError,
    Customer,
    SlotUnavailable,
    booking_cancel,
    booking_create,
    booking_reschedule,
)
from vuoro.contact import email_normalise, phone_normalise
from vuoro.network.state import NetworkState, network_state, network_state_knowing
from vuoro.parsing import ApiDate, ApiDatetime

router = Router(tags=["booking"])


class SlotOut(Schema):
    service_point: str
    start: dt.datetime
    end: dt.datetime
    free_desks: int


class AvailabilityOut(Schema):
    slots: list[SlotOut]


class CustomerIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254)
    phone: str = Field("", max_length=32)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name is needed")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return email_normalise(value)  # ContactError is a ValueError: 422 with its message

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return phone_normalise(value)  # E.164, or "" when none was given


class BookingIn(InputSchema):
    service: str = Field(max_length=64)
    service_point: str = Field(max_length=64)
    start: ApiDatetime
    persons: int = Field(1, ge=1, le=MAX_PERSONS)
    language: Literal["fi", "sv", "en"] = "fi"
    customer: CustomerIn
    # Extension (docs/api.md): a code staff issued for a priority group; used up by this booking.
    priority_code: str | None = Field(None, max_length=40)
    rush_pass: str | None = Field(None, max_length=1000)  # or the X-Rush-Pass header (docs/api.md)


class BookingOut(Schema):
    reservation_key: str
    pin: str | None = None
    status: str
    service: str
    service_point: str
    start: dt.datetime
    end: dt.datetime
    persons: int
    language: str
    # Extension (docs/api.md): a held booking's end of hold and why it is held ("confirm_email":
    # a new e-mail address to confirm by the link sent there; "waitlist": a waitlist offer).
    held_until: dt.datetime | None = None
    hold_reason: Literal["confirm_email", "waitlist"] | None = None


class ConfirmEmailIn(InputSchema):
    token: str = Field(min_length=1, max_length=200)


class RescheduleIn(InputSchema):
    start: ApiDatetime
    service_point: str | None = Field(None, max_length=64)
    rush_pass: str | None = Field(None, max_length=1000)


def _booking_body(booking: Booking, *, pin: str | None = None, with_customer: bool = False,
                  state: NetworkState | None = None, service_code: str | None = None) -> dict:
    point = (state or network_state()).points.get(booking.service_point_id)
    zone = point.zone if point else dt.UTC
    body = {"reservation_key": booking.reservation_key, "status": booking.status,
            "service": service_code or booking.service.code, "service_point": booking.service_point_id,
            "start": booking.start_at.astimezone(zone).isoformat(), "end": booking.end_at.astimezone(zone).isoformat(),
            "persons": booking.persons, "language": booking.language}
    if booking.status == Booking.Status.HELD:
        body["held_until"] = booking.held_until.astimezone(zone).isoformat()
        body["hold_reason"] = booking.hold_reason
    if pin is not None:
        body = {"reservation_key": booking.reservation_key, "pin": pin, **body}
    if with_customer:
        body["customer"] = {"name": booking.customer_name, "email": booking.customer_email,
                            "phone": booking.customer_phone}
    return body


@router.get("/availability", response={200: AvailabilityOut, **error_answers(404)},
            summary="Offered start times, earliest first")
def availability(request, service: str = Query(..., max_length=64), service_point: str | None = Query(None),
                 from_date: ApiDate | None = Query(None, alias="from"),
                 to_date: ApiDate | None = Query(None, alias="to"),
                 limit: int | None = Query(None, ge=1, le=MAX_SLOTS),
                 persons: int = Query(1, ge=1, le=MAX_PERSONS),
                 priority_code: str | None = Query(None, max_length=40)):
    """`from`/`to` are inclusive local dates (default: today to the end of the booking horizon);
    without `service_point`, every point offering the service. At most 20,000 slots an answer.
    `persons` (1–6): only starts where the visit of that many people fits, each `end` after its
    length (the service's duration plus `minutes_per_extra_person` for each person after the first).
    `priority_code` (extension): a code staff issued for a priority group also shows the desk time
    its capacity pool keeps; one that is unknown, used, expired or for another service is 422
    `invalid_priority_code`."""
    now = timezone.now()

    def known(state: NetworkState) -> None:
        if service not in state.service_ids:
            raise ApiError(404, "not_found", f"No service {service!r}.")
        if service_point is not None and service_point not in state.points:
            raise ApiError(404, "not_found", f"No service point {service_point!r}.")

    # The search reads the network's version with the day summaries (current_network): this
    # process's copy is used unchecked.
    state = network_state_knowing(service, service_point)
    known(state)
    if from_date and to_date and from_date > to_date:
        raise ApiError(422, "invalid", "`from` is after `to`.", fields={"from": ["must not be after `to`"]})
    pools = frozenset()
    if priority_code is not None:
        try:
            pools = frozenset({priority_code_check(code=priority_code, service_code=service, now=now)})
        except InvalidPriorityCode as error:
            raise _bad_code(error) from None
    point_ids = None if service_point is None else [service_point]

    # Rendered here rather than validated item by item against AvailabilityOut (which still
    # documents it): a month can hold thousands of slots. The bytes are those ninja would send.
    def search(state: NetworkState, versions: list[int | None] | None) -> str:
        known(state)  # a network that moved meanwhile may have removed them
        if limit is None:
            return _days_json(availability_days(state=state, service_code=service, point_ids=point_ids,
                                                from_date=from_date, to_date=to_date, now=now, persons=persons,
                                                pools=pools, versions=versions))
        return _slots_json(availability_list(state=state, service_code=service, point_ids=point_ids,
                                             from_date=from_date, to_date=to_date, limit=limit, now=now,
                                             persons=persons, pools=pools, versions=versions))

    return HttpResponse(current_network(state, search), content_type="application/json; charset=utf-8")


def _bad_code(error: InvalidPriorityCode) -> ApiError:
    return ApiError(422, error.code, error.detail, fields={"priority_code": [error.detail]})


_CLOCK = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60)]


def _slots_json(found: list[PointSlot]) -> str:
    """`{"slots": [...]}` as Django's JsonResponse with ninja's encoder writes it, times in their
    point's zone. A day whose opening has one UTC offset throughout (every day but the few with a
    daylight-saving change inside the opening) is written from its local date and minute of day."""
    encode = NinjaJSONEncoder().default
    days: dict[int, _DayForm | None] = {}
    rows = []
    for item in found:
        day = item.day
        form = days.get(id(day), False)
        if form is False:
            form = days[id(day)] = _DayForm.of(day, encode)
        rows.append(form.row(item.cell, item.free_desks) if form else _slot_row(item, encode))
    return '{"slots": [' + ", ".join(rows) + "]}"


def _days_json(days: list[DayStarts]) -> str:
    """`_slots_json` of the same starts given a day at a time (`availability_days`): in (start,
    point) order, at most MAX_SLOTS, without an object per start."""
    encode = NinjaJSONEncoder().default
    per_day = []
    for starts in days:
        form = _DayForm.of(starts.day, encode)
        per_day.append([form.row(cell, desks) for cell, desks in zip(starts.cells, starts.free_desks, strict=True)]
                       if form else [_slot_row(starts.point_slot(k), encode) for k in range(len(starts.cells))])
    if len({starts.day.point.id for starts in days}) > 1:
        # Several points: their rows interleave by start, then point, as availability_list sorts.
        keyed = sorted((starts.day.at(cell), starts.day.point.id, row)
                       for starts, rows in zip(days, per_day, strict=True)
                       for cell, row in zip(starts.cells, rows, strict=True))
        rows = [row for _, _, row in keyed[:MAX_SLOTS]]
    else:
        rows = [row for day_rows in per_day for row in day_rows][:MAX_SLOTS]
    return '{"slots": [' + ", ".join(rows) + "]}"


def _slot_row(item: PointSlot, encode) -> str:
    slot = item.slot
    zone = item.day.point.zone
    return (f'{{"service_point": {json.dumps(item.service_point)}, "start": "{encode(slot.start.astimezone(zone))}", '
            f'"end": "{encode(slot.end.astimezone(zone))}", "free_desks": {item.free_desks}}}')


class _DayForm(NamedTuple):
    """How a day's slot rows are written when its opening has one UTC offset throughout: the
    row's fixed text around the two clock times and the free desks."""

    opening: str  # up to the start's clock time
    middle: str  # from after the start's clock time to the end's
    closing: str  # from after the end's clock time to the free desks
    minute: int  # the opening's local minute of day
    step: int  # minutes a cell
    duration: int

    def row(self, cell: int, free_desks: int) -> str:
        start = self.minute + cell * self.step
        return f"{self.opening}{_CLOCK[start]}{self.middle}{_CLOCK[start + self.duration]}{self.closing}{free_desks}}}"

    @classmethod
    def of(cls, day: SlotDay, encode) -> _DayForm | None:
        """None when each start needs its own look-up (a clock change inside the opening)."""
        zone = day.point.zone
        opens, closes = day.opening.interval.start.astimezone(zone), day.opening.interval.end.astimezone(zone)
        if (opens.utcoffset() != closes.utcoffset() or opens.second or opens.microsecond
                or opens.date() != closes.date()):
            return None
        minute = opens.hour * 60 + opens.minute
        if minute + (closes - opens).total_seconds() / 60 >= 24 * 60:
            return None
        date, suffix = opens.date().isoformat(), encode(opens)[19:]
        return cls(f'{{"service_point": {json.dumps(day.point.id)}, "start": "{date}T',
                   f':00{suffix}", "end": "{date}T', f':00{suffix}", "free_desks": ', minute, day.slot_minutes,
                   day.duration_minutes)


def _idempotency_pad(idempotency_key: str):
    # The stored first answer must replay the PIN, yet PINs are never stored readable: it is
    # kept XORed with a pad only the client's own Idempotency-Key (never stored) can make.
    def pad(secret: str) -> bytes:
        return hmac.new(secret.encode(), f"idem:{idempotency_key}".encode(), hashlib.sha256).digest()
    return pad


def _create(payload: BookingIn, now: dt.datetime, rush_pass: str | None = None, client: str = "") -> tuple[int, dict]:
    # booking_create checks the network's version in its first statement: no query for it here.
    state = network_state_knowing(payload.service, payload.service_point)
    if payload.service not in state.service_ids:
        raise ApiError(422, "invalid", "Unknown service.", fields={"service": [f"no service {payload.service!r}"]})
    if payload.service_point not in state.points:
        raise ApiError(422, "invalid", "Unknown service point.",
                       fields={"service_point": [f"no service point {payload.service_point!r}"]})
    try:
        rush_pass_check(state=state, point_id=payload.service_point, service_code=payload.service,
                        start_at=payload.start, email=payload.customer.email, phone=payload.customer.phone,
                        rush_pass=payload.rush_pass or rush_pass, now=now)
        made = booking_create(
            state=state, service_code=payload.service, point_id=payload.service_point, start_at=payload.start,
            persons=payload.persons, language=payload.language,
            customer=Customer(name=payload.customer.name, email=payload.customer.email, phone=payload.customer.phone),
            now=now, priority_code=payload.priority_code or "", client_key=client, confirm_email=True)
    except InvalidPriorityCode as error:
        raise _bad_code(error) from None
    except BookingError as error:
        return 409, _refusal_body(error)
    return 201, _booking_body(made.booking, pin=made.pin, state=state, service_code=payload.service)


@router.post("/bookings", response={201: BookingOut, **error_answers(409)},
             summary="Book an offered start time")
def bookings_create(request, payload: BookingIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
                    x_rush_pass: str | None = Header(None, alias="X-Rush-Pass", max_length=1000)):
    """A retry with the same `Idempotency-Key` and body returns the first answer without booking
    twice; the same key with another body is 422 `idempotency_key_reused`. 409 `slot_unavailable`
    says why the start is not offered in `reason` (an extension): `past`, `beyond_horizon`, `closed`,
    `not_released`, `outside_hours`, `off_grid`, `kept` (a capacity pool's), `taken`, `not_offered_here`.

    Extension: when the network asks new e-mail addresses to be confirmed
    (`confirm_new_email_minutes`) and this address was never confirmed, the booking is made
    `"status": "held"` with `"held_until"` and `"hold_reason": "confirm_email"`: a link goes to the
    address, and unless it is followed (or `POST /bookings/{key}/confirm-email` is called with its
    token) by `held_until`, the booking is cancelled and its time offered again."""
    now = timezone.now()
    if not idempotency_key:
        status, body = _create(payload, now, x_rush_pass, client_key(request))
        return JsonResponse(body, status=status)
    key_hash = hashlib.sha256(idempotency_key.encode()).hexdigest()
    body_hash = hashlib.sha256(payload.model_dump_json().encode()).hexdigest()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotentAnswer.objects.create(key=key_hash, request_hash=body_hash, status=0, body={},
                                                         created_at=now)
        except IntegrityError:
            record = IdempotentAnswer.objects.get(key=key_hash)
            if record.request_hash != body_hash:
                raise ApiError(422, "idempotency_key_reused",
                               "This Idempotency-Key was used with another request body.") from None
            body = dict(record.body)
            if "pin_sealed" in body:
                pin = unseal(body.pop("pin_sealed"), _idempotency_pad(idempotency_key))
                # None only when the secret that sealed it is no longer accepted: the answer without the PIN
                body = {"reservation_key": body.pop("reservation_key"), **({"pin": pin} if pin else {}), **body}
            return JsonResponse(body, status=record.status)
        status, body = _create(payload, now, x_rush_pass, client_key(request))
        stored = dict(body)
        if "pin" in stored:
            stored["pin_sealed"] = seal(stored.pop("pin"), _idempotency_pad(idempotency_key))
        record.status, record.body = status, stored
        record.save(update_fields=["status", "body"])
    return JsonResponse(body, status=status)


class RecoverIn(InputSchema):
    """Exactly one of the two."""

    reservation_key: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)

    @field_validator("reservation_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not KEY_RE.fullmatch(normalise_key(value)):
            raise ValueError("not a reservation key (10 letters and digits)")
        return None if value is None else normalise_key(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not looks_like_email(value):
            raise ValueError("not an e-mail address")
        return None if value is None else value.strip()

    @model_validator(mode="after")
    def _one(self):
        if (self.reservation_key is None) == (self.email is None):
            raise ValueError("give either reservation_key or email")
        return self


class RecoverOut(Schema):
    status: Literal["sent_if_found"]


@router.post("/bookings/recover", response={202: RecoverOut, **error_answers()},
             summary="Lost PIN: send a link to manage the booking")
def bookings_recover(request, payload: RecoverIn):
    """A link to manage the booking goes to the booking's own e-mail address and phone (for an
    e-mail: to every live future booking of that address), at most 3 a booking an hour. The
    answer is the same whether or not anything was found. 5 requests a minute per client."""
    now = timezone.now()
    booking_links_send(reservation_key=payload.reservation_key or "", email=payload.email or "", now=now)
    return JsonResponse({"status": "sent_if_found"}, status=202)


def _authorised(request, reservation_key: str, pin: str | None) -> Booking:
    """The booking for a key and PIN; 404 for any mismatch, 429 while the key's PIN attempts are
    used up. (The per-client limit counted the request before it was parsed: vuoro.limits.)"""
    booking = booking_authorise(reservation_key=normalise_key(reservation_key), pin=pin, now=timezone.now())
    if booking is None:
        raise ApiError(404, "not_found", "No booking with that reservation key and PIN.")
    return booking


@router.get("/bookings/{reservation_key}", response={200: BookingOut, **error_answers(404)},
            summary="A booking, with the customer's details")
def bookings_get(request, reservation_key: str, x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    booking = _authorised(request, reservation_key, x_pin)
    return JsonResponse(_booking_body(booking, with_customer=True))


@router.post("/bookings/{reservation_key}/cancel", response={200: BookingOut, **error_answers(404, 409)},
             summary="Cancel a booking")
def bookings_cancel(request, reservation_key: str, x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    """The time is offered again at once. A booking that has started or passed is 409 `not_changeable`."""
    booking = _authorised(request, reservation_key, x_pin)
    try:
        booking = booking_cancel(booking=booking, now=timezone.now())
    except BookingError as error:
        raise ApiError(409, error.code, error.detail) from None
    return JsonResponse(_booking_body(booking))


@router.post("/bookings/{reservation_key}/reschedule", response={200: BookingOut, **error_answers(404, 409)},
             summary="Move a booking to another time")
def bookings_reschedule(request, reservation_key: str, payload: RescheduleIn,
                        x_pin: str | None = Header(None, alias="X-PIN", max_length=64),
                        x_rush_pass: str | None = Header(None, alias="X-Rush-Pass", max_length=1000)):
    """All or nothing: 409 `slot_unavailable` leaves the booking exactly as it was; its `reason` says why
    the start is not offered (as for a booking)."""
    booking = _authorised(request, reservation_key, x_pin)
    state = network_state()
    if payload.service_point is not None and payload.service_point not in state.points:
        raise ApiError(422, "invalid", "Unknown service point.",
                       fields={"service_point": [f"no service point {payload.service_point!r}"]})
    now = timezone.now()
    try:
        rush_pass_check(state=state, point_id=payload.service_point or booking.service_point_id,
                        service_code=booking.service.code, start_at=payload.start, email=booking.customer_email,
                        phone=booking.customer_phone, rush_pass=payload.rush_pass or x_rush_pass, now=now)
        booking = booking_reschedule(state=state, booking=booking, start_at=payload.start,
                                     point_id=payload.service_point, now=now)
    except BookingError as error:
        return JsonResponse(_refusal_body(error), status=409)
    return JsonResponse(_booking_body(booking))


def _refusal_body(error: BookingError) -> dict:
    """A 409 in the error shape; `slot_unavailable` also says why (`reason`, an extension)."""
    body = {"error": error.code, "detail": error.detail}
    if isinstance(error, SlotUnavailable):
        body["reason"] = error.reason
    return body


@router.get("/bookings/{reservation_key}/calendar.ics", response={200: None, **error_answers(404)},
            summary="The booking as a calendar file (RFC 5545)")
def bookings_calendar(request, reservation_key: str, x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    booking = _authorised(request, reservation_key, x_pin)
    response = HttpResponse(booking_calendar(booking, now=timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reservation_key}.ics"'
    return response


@router.post("/bookings/{reservation_key}/confirm-email", response={200: BookingOut, **error_answers(404, 409)},
             summary="Confirm a new e-mail address with the token of its link (extension)")
def bookings_confirm_email(request, reservation_key: str, payload: ConfirmEmailIn,
                           x_pin: str | None = Header(None, alias="X-PIN", max_length=64)):
    """For a booking held until its new e-mail address is confirmed (`"hold_reason":
    "confirm_email"`): `token` is the last part of the link sent to the address
    (`.../book/confirm/<token>/`). 200 with the booking confirmed (also when it was confirmed
    already); 422 `invalid_token` when the token is not this booking's; 409 `hold_lapsed` when the
    hold has ended (the time was released: book again), 409 `slot_unavailable` when the service
    point closed at that time meanwhile (the hold is released)."""
    booking = _authorised(request, reservation_key, x_pin)
    linked = confirm_token_booking(payload.token.strip())
    if linked is None or linked.pk != booking.pk:
        raise ApiError(422, "invalid_token", "That token is not this booking's.",
                       fields={"token": ["not the token of this booking's link"]})
    try:
        done = booking_email_confirm(booking=booking, now=timezone.now())
    except BookingError as error:
        return JsonResponse(_refusal_body(error), status=409)
    return JsonResponse(_booking_body(done.booking))
