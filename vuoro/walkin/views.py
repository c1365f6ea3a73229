"""Pages of the day: the kiosk and the display board (with server-sent events); the clerk's console
is in console_desk."""
from __future__ import annotations

import datetime as dt
import json
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

from vuoro.network.models import ServicePoint
from vuoro.network.roles import point_ids_of
from vuoro.network.state import network_state
from vuoro.walkin.forms import KioskRegisterForm
from vuoro.walkin.kiosk_views import permissions_policy_allowing
from vuoro.walkin.kiosks import kiosk_cookie_set, kiosk_device_of, kiosk_device_register
from vuoro.walkin.selectors import board_fingerprint, queue_status, recent_calls

BOARD_LANGUAGES = ("fi", "sv", "en")
BOARD_ROTATE_SECONDS = 10
BOARD_CALLS = 5  # the latest calls the board lists, the newest first and largest
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


# The kiosk (its public pages: kiosk_views) -----------------------------------------------------

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
    """A screen's page: fi/sv/en in turn; the partial alone with ?partial=1 (for the script). The
    chime on a new call is off unless staff turn it on (the page's switch, or ?chime=1)."""
    state, point = _point_or_404(point_id)
    now = timezone.now()
    language = request.GET.get("lang") if request.GET.get("lang") in BOARD_LANGUAGES else _board_language(now)
    with translation.override(language):
        calls = recent_calls(state=state, point_id=point_id, now=now, limit=BOARD_CALLS)
        context = {"point": point, "status": queue_status(state=state, point_id=point_id, now=now),
                   "board_language": language, "rotate_seconds": BOARD_ROTATE_SECONDS,
                   "newest": calls[0] if calls else None, "earlier": calls[1:],
                   "chime": request.GET.get("chime") == "1",
                   "fixed_language": language if request.GET.get("lang") == language else ""}
        template = "walkin/board_partial.html" if request.GET.get("partial") else "walkin/board.html"
        response = render(request, template, context)
    response._permissions_policy_override = permissions_policy_allowing("autoplay")  # the chime, once allowed
    return response


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
