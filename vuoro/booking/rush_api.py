"""A release's rush queue over the API (an extension; docs/api.md, "A fair release rush").

A poll (GET of one's place) is the crowd's most frequent request during a rush, so
RushPollMiddleware answers it near the top of the middleware stack, after the security headers'
middleware: no session, locale, CSRF, authentication or per-client counter (polls are not
limited: they are told when to come back), and one statement (vuoro.booking.rush.rush_poll).
The route below stays for the schema and answers the same."""
from __future__ import annotations

import datetime as dt
import logging
import math
import re
from typing import Literal

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field, field_validator

from vuoro.apierrors import API_PREFIX, ApiError, InputSchema, error_answers, error_response
from vuoro.booking.rush import NoRush, RushError, RushStatus, rush_join, rush_poll
from vuoro.contact import email_normalise, phone_normalise
from vuoro.network.state import network_state
from vuoro.unavailable import DATABASE_ERRORS, unavailable_response

logger = logging.getLogger("vuoro.rush")

router = Router(tags=["releases"])


class QueueIn(InputSchema):
    email: str = Field(max_length=254)
    phone: str = Field("", max_length=32)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return email_normalise(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return phone_normalise(value)


class ReleaseQueueOut(Schema):
    release: int
    queue_key: str | None
    status: Literal["waiting", "admitted", "over", "open"]
    place: int | None
    draw_at: dt.datetime
    admitted_at: dt.datetime | None
    retry_after_seconds: int | None
    rush_pass: str | None = Field(None, alias="pass")
    pass_expires_at: dt.datetime | None
    pass_from_admission: str | None = None


def queue_body(status: RushStatus, now: dt.datetime, zone) -> dict:
    def local(value):
        return value.astimezone(zone).isoformat() if value is not None else None

    retry = None if status.retry_at is None else max(1, math.ceil((status.retry_at - now).total_seconds()))
    return {"release": status.release_id, "queue_key": status.queue_key, "status": status.status,
            "place": status.place, "draw_at": local(status.draw_at), "admitted_at": local(status.admitted_at),
            "retry_after_seconds": retry, "pass": status.pass_token, "pass_expires_at": local(status.pass_expires_at),
            "pass_from_admission": status.pass_from_admission}


def _answer(status: RushStatus, now: dt.datetime, zone, code: int = 200) -> JsonResponse:
    body = queue_body(status, now, zone)
    response = JsonResponse(body, status=code)
    if body["retry_after_seconds"] is not None:
        response["Retry-After"] = str(body["retry_after_seconds"])
    return response


@router.post("/releases/{release_id}/queue", response={200: ReleaseQueueOut, **error_answers(404, 409)}, by_alias=True,
             summary="Join a release's queue (or get one's place back)")
def queue_join(request, release_id: int, payload: QueueIn):
    """One place a person (by e-mail, and by phone when given): joining again answers the same
    place. Places of everyone who joins in the window are drawn at random, so arriving early gains
    nothing; 409 `rush_not_open` before the window. Poll with GET and the `queue_key`, no sooner
    than `retry_after_seconds` (also the Retry-After header)."""
    now = timezone.now()
    state = network_state()
    try:
        status = rush_join(state=state, release_id=release_id, email=payload.email, phone=payload.phone, now=now)
    except NoRush as error:
        raise ApiError(404, "not_found", error.detail) from None
    except RushError as error:
        raise ApiError(409, "rush_not_open", error.detail) from None
    return _answer(status, now, state.timezone)


@router.get("/releases/{release_id}/queue/{queue_key}", response={200: ReleaseQueueOut, **error_answers(404)},
            by_alias=True, summary="One's place in a release's queue, and the pass once admitted")
def queue_get(request, release_id: int, queue_key: str):
    """Answered by RushPollMiddleware before the rest of the stack; this route is its schema (and
    answers the same if the middleware is not installed)."""
    return poll_response(request, release_id, queue_key)


def poll_response(request, release_id: int, queue_key: str) -> JsonResponse:
    now = timezone.now()
    try:
        state, status = rush_poll(release_id=release_id, queue_key=queue_key[:300], now=now)
    except RushError as error:
        return error_response(request, 404, "not_found", error.detail)
    return _answer(status, now, state.timezone)


_POLL_PATH = re.compile(rf"{re.escape(API_PREFIX)}v1/releases/(?P<release>[0-9]{{1,18}})/queue/(?P<key>[^/]+)")


class RushPollMiddleware:
    """Answers `GET /api/v1/releases/{id}/queue/{key}` at once (see the module's docstring); any
    other request goes on down the stack. In settings.MIDDLEWARE after the middleware that sets
    the security headers (so the answer carries them), before sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and (match := _POLL_PATH.fullmatch(request.path_info)):
            try:
                response = poll_response(request, int(match["release"]), match["key"])
            except DATABASE_ERRORS as error:
                logger.warning("database unavailable for %s %s: %s", request.method, request.path, error)
                response = unavailable_response(request)
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
            return response
        return self.get_response(request)
