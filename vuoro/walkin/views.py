"""Pages of the day: the kiosk, the display board (with server-sent events), the clerk's console."""
from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import logout
from django.db import connection
from django.http import Http404, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vuoro.network.models import Desk, ServicePoint
from vuoro.network.roles import point_ids_of
from vuoro.network.state import network_state
from vuoro.parsing import parse_int
from vuoro.walkin.forms import KioskRegisterForm, StaffTicketForm
from vuoro.walkin.kiosk_views import permissions_policy_allowing
from vuoro.walkin.kiosks import kiosk_cookie_set, kiosk_device_of, kiosk_device_register
from vuoro.walkin.models import Outcome, Ticket
from vuoro.walkin.selectors import (
    board_fingerprint,
    desk_display_number,
    queue_status,
    recent_calls,
    waiting_list,
)
from vuoro.walkin.services import WalkInError, call_next, ticket_issue, visit_act

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


# The clerk's console --------------------------------------------------------------------------

def _desks_of(user):
    points = point_ids_of(user)
    desks = Desk.objects.filter(active=True).select_related("service_point").order_by("service_point", "kind",
                                                                                      "number")
    return desks if points is None else desks.filter(service_point_id__in=points)


def desk_view(view):
    """A console view of one desk: staff only, and only a desk of the staff member's own points."""

    @staff_member_required
    @functools.wraps(view)
    def wrapper(request, desk_id: int):
        desk = get_object_or_404(Desk.objects.select_related("service_point"), pk=desk_id, active=True)
        points = point_ids_of(request.user)
        if points is not None and desk.service_point_id not in points:
            return HttpResponseForbidden(_("You do not work at this service point."))
        return view(request, desk)

    return wrapper


@staff_member_required
def console(request):
    state = network_state()
    desks = [(d, desk_display_number(state.points[d.service_point_id], d)) for d in _desks_of(request.user)
             if d.service_point_id in state.points]
    return render(request, "walkin/console.html", {"desks": desks})


@desk_view
def console_desk(request, desk: Desk):
    state = network_state()
    now = timezone.now()
    point = state.points[desk.service_point_id]
    day = now.astimezone(point.zone).date()
    from vuoro.booking.models import Booking

    current_tickets = Ticket.objects.filter(desk=desk, local_date=day, status__in=["called", "in_service"])
    current_bookings = Booking.objects.filter(served_at_desk=desk, local_date=day,
                                              status__in=["called", "in_service"]).select_related("service")
    return render(request, "walkin/console_desk.html", {
        "desk": desk, "desk_number": desk_display_number(point, desk),
        "current_tickets": current_tickets, "current_bookings": current_bookings,
        "waiting": waiting_list(point_id=desk.service_point_id, day=day, now=now),
        "status": queue_status(state=state, point_id=desk.service_point_id, now=now),
        "outcomes": Outcome.choices, "ticket_form": StaffTicketForm(
            services=desk.service_point.offers.select_related("service"))})


@require_POST
@desk_view
def console_call_next(request, desk: Desk):
    called = call_next(desk=desk, now=timezone.now(), state=network_state(), actor=request.user)
    if called is None:
        messages.info(request, _("Nobody is waiting."))
    else:
        messages.success(request, _("Called %(number)s to this desk.") % {"number": called.label})
    return redirect("walkin:console-desk", desk_id=desk.pk)


@require_POST
@desk_view
def console_act(request, desk: Desk):
    try:
        visit_act(kind=request.POST.get("kind", ""), visit_id=parse_int(request.POST.get("id", ""), minimum=1),
                  desk=desk, action=request.POST.get("action", ""), now=timezone.now(),
                  outcome=request.POST.get("outcome", ""), actor=request.user)
    except (WalkInError, ValueError) as error:
        messages.error(request, getattr(error, "detail", _("That did not work.")))
    return redirect("walkin:console-desk", desk_id=desk.pk)


@require_POST
@desk_view
def console_ticket(request, desk: Desk):
    form = StaffTicketForm(request.POST, services=desk.service_point.offers.select_related("service"))
    if form.is_valid():
        try:
            issued = ticket_issue(state=network_state(), point_id=desk.service_point_id,
                                  service_code=form.cleaned_data["service"] or None,
                                  language=form.cleaned_data["language"], now=timezone.now(), channel="staff",
                                  urgent=form.cleaned_data["urgent"], actor=request.user)
            messages.success(request, _("Queue number %(number)s issued.") % {"number": issued.ticket.label})
        except WalkInError as error:
            messages.error(request, error.detail)
    return redirect("walkin:console-desk", desk_id=desk.pk)


@desk_view
def console_book(request, desk: Desk):
    """Book for the customer at this desk: the console's booking flow, at this desk's point."""
    return redirect(reverse("walkin:staff-book") + "?" + urlencode({"point": desk.service_point_id}))
