"""Pages of the day: the kiosk and the display board (with server-sent events); the clerk's console
is in console_desk."""
from __future__ import annotations

import datetime as dt
import json
import math
import threading
import time

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import logout
from django.db import connection
from django.http import Http404, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vuoro.apierrors import ApiError
from vuoro.booking.keys import normalise_key
from vuoro.network.models import ServicePoint
from vuoro.network.roles import point_ids_of
from vuoro.network.state import network_state
from vuoro.walkin.forms import CheckInForm, KioskRegisterForm, TicketForm
from vuoro.walkin.kiosks import kiosk_cookie_set, kiosk_device_of, kiosk_device_register, ticket_rate_limit
from vuoro.walkin.selectors import board_fingerprint, queue_status
from vuoro.walkin.services import (
    CheckInRefused,
    WalkInError,
    booking_check_in,
    ticket_issue,
)

BOARD_LANGUAGES = ("fi", "sv", "en")
BOARD_ROTATE_SECONDS = 10
SSE_POLL_SECONDS = 0.5
SSE_MAX_SECONDS = 300  # the browser reconnects; no worker is held for ever
# Open board streams in one process at most (settings.BOARD_STREAMS, by default half the web
# threads), so streams never take every thread; a stream beyond it is asked to come back this much later.
SSE_FULL_RETRY_SECONDS = 30
_board_streams = threading.BoundedSemaphore(settings.BOARD_STREAMS)


def _point_or_404(point_id: str):
    state = network_state()
    if point_id not in state.points:
        raise Http404
    return state, get_object_or_404(ServicePoint, pk=point_id)


# The kiosk ------------------------------------------------------------------------------------

def kiosk(request, point_id: str):
    state, point = _point_or_404(point_id)
    status = queue_status(state=state, point_id=point_id, now=timezone.now())
    return render(request, "walkin/kiosk.html", {
        "point": point, "status": status, "check_in_form": CheckInForm(),
        "ticket_form": TicketForm(services=point.offers.select_related("service"))})


@require_POST
def kiosk_check_in(request, point_id: str):
    state, point = _point_or_404(point_id)
    form = CheckInForm(request.POST)
    context = {"point": point, "status": queue_status(state=state, point_id=point_id, now=timezone.now())}
    if not form.is_valid():
        return render(request, "walkin/kiosk.html", {**context, "check_in_form": form,
                      "ticket_form": TicketForm(services=point.offers.select_related("service"))}, status=422)
    try:
        booking = booking_check_in(state=state, reservation_key=normalise_key(form.cleaned_data["reservation_key"]),
                                   point_id=point_id, now=timezone.now())
    except CheckInRefused as refused:
        return render(request, "walkin/kiosk_refused.html", {**context, "reason": refused.reason}, status=409)
    return render(request, "walkin/kiosk_checked_in.html", {**context, "booking": booking})


@require_POST
def kiosk_ticket(request, point_id: str):
    state, point = _point_or_404(point_id)
    now = timezone.now()
    context = {"point": point, "status": queue_status(state=state, point_id=point_id, now=now)}
    try:
        device = ticket_rate_limit(request, point_id=point_id, now=now)
    except ApiError as error:
        if error.status != 429:
            raise
        seconds = int((error.headers or {}).get("Retry-After", "60"))
        response = render(request, "walkin/kiosk_refused.html", {
            **context, "reason": "too_many", "minutes": max(1, math.ceil(seconds / 60))}, status=429)
        response["Retry-After"] = str(seconds)
        return response
    form = TicketForm(request.POST, services=point.offers.select_related("service"))
    if not form.is_valid():
        return render(request, "walkin/kiosk.html", {**context, "check_in_form": CheckInForm(), "ticket_form": form},
                      status=422)
    try:
        issued = ticket_issue(state=state, point_id=point_id, service_code=form.cleaned_data["service"] or None,
                              language=translation.get_language()[:2], now=now,
                              phone=form.cleaned_data["phone"], channel="online" if form.cleaned_data["phone"]
                              else "kiosk")
    except WalkInError as error:
        return render(request, "walkin/kiosk_refused.html", {**context, "reason": error.code}, status=409)
    response = render(request, "walkin/kiosk_ticket.html", {**context, "issued": issued})
    if device is not None:
        kiosk_cookie_set(response, device)  # a kiosk in use never reaches the cookie's end
    return response


@staff_member_required
def kiosk_register(request, point_id: str):
    """Staff of the point make this browser one of its kiosks: a signed cookie names the point and
    the device, and the staff member is signed out, so the kiosk in the hall holds no staff session."""
    _state, point = _point_or_404(point_id)
    points = point_ids_of(request.user)
    if points is not None and point_id not in points:
        return HttpResponseForbidden(_("You do not work at this service point."))
    form = KioskRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = kiosk_device_register(point_id=point_id, name=form.cleaned_data["name"], actor=request.user,
                                       now=timezone.now())
        logout(request)
        response = redirect("walkin:kiosk", point_id=point_id)
        kiosk_cookie_set(response, device)
        return response
    return render(request, "walkin/kiosk_register.html", {
        "point": point, "form": form, "device": kiosk_device_of(request, point_id=point_id)},
        status=422 if form.errors else 200)


# The display board ----------------------------------------------------------------------------

def _board_language(now: dt.datetime) -> str:
    return BOARD_LANGUAGES[int(now.timestamp() // BOARD_ROTATE_SECONDS) % len(BOARD_LANGUAGES)]


def board(request, point_id: str):
    """A screen's page: fi/sv/en in turn; the partial alone with ?partial=1 (for the script)."""
    state, point = _point_or_404(point_id)
    now = timezone.now()
    language = request.GET.get("lang") if request.GET.get("lang") in BOARD_LANGUAGES else _board_language(now)
    with translation.override(language):
        context = {"point": point, "status": queue_status(state=state, point_id=point_id, now=now),
                   "board_language": language, "rotate_seconds": BOARD_ROTATE_SECONDS}
        template = "walkin/board_partial.html" if request.GET.get("partial") else "walkin/board.html"
        return render(request, template, context)


def board_events(request, point_id: str):
    """Server-sent events: a message whenever what the board shows changes, polled twice a second."""
    state, _point = _point_or_404(point_id)
    zone = state.points[point_id].zone

    def stream():
        # Taken at the first byte, given back when the stream ends or the browser goes: a stream
        # never started holds nothing.
        if not _board_streams.acquire(blocking=False):
            # Full: come back later; the board polls meanwhile (board.js) and still shows the queue.
            yield f"retry: {SSE_FULL_RETRY_SECONDS * 1000}\n: busy\n\n"
            return
        try:
            last = None
            started = time.monotonic()
            yield "retry: 1000\n\n"
            while time.monotonic() - started < SSE_MAX_SECONDS:
                now = timezone.now()
                fingerprint = board_fingerprint(point_id=point_id, day=now.astimezone(zone).date())
                if not connection.in_atomic_block:
                    connection.close()  # back to the pool between looks: a stream holds a thread, not a connection
                if fingerprint != last:
                    last = fingerprint
                    yield f"data: {json.dumps({'changed_at': now.isoformat()})}\n\n"
                else:
                    yield ": keep-alive\n\n"
                time.sleep(SSE_POLL_SECONDS)
        finally:
            _board_streams.release()

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# The clerk's console: vuoro.walkin.console_desk.
