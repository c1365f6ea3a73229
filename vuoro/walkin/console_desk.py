"""The clerk's console: choose a desk, then call, recall, start, finish, mark absent (confirmed,
undoable for a while), transfer, pause. Every act is a plain POST that answers with a redirect
back to the desk, so the page works without JavaScript; htmx only refreshes the waiting list
every few seconds (console.js adds a confirm dialog and keyboard shortcuts)."""
from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vuoro.booking.models import Booking
from vuoro.network.models import Desk
from vuoro.network.roles import point_ids_of
from vuoro.network.state import network_state
from vuoro.parsing import parse_int
from vuoro.walkin.desks import desk_pause, desk_resume, visit_no_show_undo, visit_transfer
from vuoro.walkin.forms import StaffTicketForm
from vuoro.walkin.models import Outcome
from vuoro.walkin.selectors import (
    NO_SHOW_UNDO,
    console_queue,
    desk_display_number,
    desk_undoable_no_show,
    desk_visits,
    paused_desk_ids,
    queue_status,
)
from vuoro.walkin.services import (
    Stale,
    WalkInError,
    appointment_shown,
    call_next,
    ticket_issue,
    visit_act,
    visit_stale,
)

POLL_SECONDS = 3  # how often an open console refreshes its waiting list


def _desks_of(user):
    points = point_ids_of(user)
    desks = Desk.objects.filter(active=True).select_related("service_point").order_by("service_point", "kind",
                                                                                      "number")
    return desks if points is None else desks.filter(service_point_id__in=points)


def desk_view(view):
    """A console view of one desk: staff only, and only a desk of the staff member's own points."""

    @staff_member_required
    @never_cache
    @functools.wraps(view)
    def wrapper(request, desk_id: int):
        desk = get_object_or_404(Desk.objects.select_related("service_point"), pk=desk_id, active=True)
        points = point_ids_of(request.user)
        if points is not None and desk.service_point_id not in points:
            return HttpResponseForbidden(_("You do not work at this service point."))
        return view(request, desk)

    return wrapper


def _back(desk: Desk):
    return redirect("walkin:console-desk", desk_id=desk.pk)


def _desk_numbers(desk: Desk, state) -> dict[int, str]:
    point = state.points[desk.service_point_id]
    return {d.pk: desk_display_number(point, d)
            for d in Desk.objects.filter(service_point_id=desk.service_point_id, active=True)}


def _error_text(error: WalkInError, numbers: dict[int, str]) -> str:
    """The console's words for a refused act: a stale page says where the customer is now."""
    if isinstance(error, Stale) and error.status:
        values = {"number": error.label, "desk": numbers.get(error.desk_id, "?")}
        if error.desk_id is not None and error.status in ("called", "in_service"):
            return _("%(number)s was already called to desk %(desk)s.") % values
        texts = {"done": _("%(number)s has already been served."),
                 "no_show": _("%(number)s was already marked as not come."),
                 "waiting": _("%(number)s is waiting in the queue again."),
                 "checked_in": _("%(number)s is waiting in the queue again."),
                 "cancelled": _("%(number)s was cancelled.")}
        return texts.get(error.status, _("%(number)s is no longer at this desk.")) % values
    if isinstance(error, Stale):
        return _("That customer is not at this desk in a state that allows this: the page was out of date.")
    return _(error.detail)  # the services' details are marked for translation (gettext_noop)


@staff_member_required
def console(request):
    state = network_state()
    desks = [(d, desk_display_number(state.points[d.service_point_id], d)) for d in _desks_of(request.user)
             if d.service_point_id in state.points]
    paused = paused_desk_ids(desk_ids=[d.pk for d, _number in desks])
    return render(request, "walkin/console.html", {"desks": desks, "paused": paused})


def _queue_context(desk: Desk, state, now) -> dict:
    point = state.points[desk.service_point_id]
    queue = console_queue(point_id=desk.service_point_id, day=now.astimezone(point.zone).date())
    numbers = _desk_numbers(desk, state)
    return {"desk": desk, "queue": queue, "rows": [(row, numbers.get(row.for_desk_id, "")) for row in queue.rows],
            "desk_numbers": numbers, "updated_at": now, "poll_seconds": POLL_SECONDS}


@desk_view
def console_desk(request, desk: Desk):
    state = network_state()
    now = timezone.now()
    point = state.points[desk.service_point_id]
    day = now.astimezone(point.zone).date()
    context = _queue_context(desk, state, now)
    numbers = context["desk_numbers"]
    paused_ids = paused_desk_ids(desk_ids=list(numbers))
    return render(request, "walkin/console_desk.html", {
        **context, "desk_number": numbers[desk.pk], "paused": desk.pk in paused_ids,
        "visits": desk_visits(desk=desk, day=day), "undoable": desk_undoable_no_show(desk=desk, now=now),
        "transfer_desks": [(pk, number) for pk, number in sorted(numbers.items(), key=lambda item: int(item[1]))
                           if pk != desk.pk and pk not in paused_ids],
        "services": [offer.service for offer in desk.service_point.offers.select_related("service")],
        "status": queue_status(state=state, point_id=desk.service_point_id, now=now),
        "outcomes": Outcome.choices,
        "ticket_form": StaffTicketForm(services=desk.service_point.offers.select_related("service"))})


@desk_view
def console_waiting(request, desk: Desk):
    """The waiting list alone, for htmx's polling (or a look without the rest of the page)."""
    return render(request, "walkin/console_queue.html", _queue_context(desk, network_state(), timezone.now()))


@require_POST
@desk_view
def console_call_next(request, desk: Desk):
    try:
        called = call_next(desk=desk, now=timezone.now(), state=network_state(), actor=request.user)
    except WalkInError as error:
        messages.error(request, _error_text(error, {}))
        return _back(desk)
    if called is None:
        messages.info(request, _("Nobody is waiting."))
    else:
        # Said as the board says it ("Appointment 15:30 (…0MQ)"); called.label is the API's "15:30 ·0MQ".
        shown = called.label
        if called.kind == "booking":
            booking = Booking.objects.select_related("service_point").get(pk=called.id)
            shown = appointment_shown(booking.start_at, booking.service_point_zone, booking.reservation_key)
        messages.success(request, _("Called %(number)s to this desk.") % {"number": shown})
    return _back(desk)


def _visit_of(request, desk: Desk):
    """The visit a form names, among those at this desk now; None when it is not here."""
    kind, visit_id = request.POST.get("kind", ""), parse_int(request.POST.get("id", ""), minimum=1)
    now = timezone.now()
    day = now.astimezone(network_state().points[desk.service_point_id].zone).date()
    return next((v for v in desk_visits(desk=desk, day=day) if (v.kind, v.id) == (kind, visit_id)), None)


@require_POST
@desk_view
def console_act(request, desk: Desk):
    state = network_state()
    action = request.POST.get("action", "")
    try:
        visit_id = parse_int(request.POST.get("id", ""), minimum=1)
        if action == "no_show" and request.POST.get("confirmed") != "yes":
            # The second step (without JavaScript; console.js asks in a dialog and sends confirmed=yes).
            visit = _visit_of(request, desk)
            if visit is None:  # never marked without asking: say where the customer is instead
                raise visit_stale(kind=request.POST.get("kind", ""), visit_id=visit_id, desk=desk)
            return render(request, "walkin/console_no_show_confirm.html", {
                "desk": desk, "desk_number": _desk_numbers(desk, state)[desk.pk], "visit": visit})
        now = timezone.now()
        visit_act(kind=request.POST.get("kind", ""), visit_id=visit_id, desk=desk, action=action, now=now,
                  outcome=request.POST.get("outcome", ""), actor=request.user)
    except ValueError:
        messages.error(request, _("That did not work."))
    except WalkInError as error:
        messages.error(request, _error_text(error, _desk_numbers(desk, state)))
    else:
        if action == "no_show":
            undo_until = formats.time_format(timezone.localtime(now + NO_SHOW_UNDO), "H:i")
            messages.success(request, _("Marked as not come. You can undo this until %(time)s, or until you call "
                                        "the next customer.") % {"time": undo_until})
    return _back(desk)


@require_POST
@desk_view
def console_undo(request, desk: Desk):
    try:
        visit_no_show_undo(kind=request.POST.get("kind", ""), visit_id=parse_int(request.POST.get("id", ""), minimum=1),
                           desk=desk, now=timezone.now(), actor=request.user)
    except ValueError:
        messages.error(request, _("That did not work."))
    except WalkInError as error:
        messages.error(request, _error_text(error, _desk_numbers(desk, network_state())))
    else:
        messages.success(request, _("Undone: the customer is called to this desk again."))
    return _back(desk)


@require_POST
@desk_view
def console_transfer(request, desk: Desk):
    state = network_state()
    numbers = _desk_numbers(desk, state)
    to_desk = request.POST.get("to_desk", "")
    try:
        to_desk_id = parse_int(to_desk, minimum=1) if to_desk else None
        visit_transfer(kind=request.POST.get("kind", ""), visit_id=parse_int(request.POST.get("id", ""), minimum=1),
                       desk=desk, state=state, now=timezone.now(), to_desk_id=to_desk_id,
                       to_service_code=request.POST.get("to_service", "")[:64], actor=request.user)
    except ValueError:
        messages.error(request, _("That did not work."))
    except WalkInError as error:
        messages.error(request, _error_text(error, numbers))
    else:
        if to_desk_id is not None:
            messages.success(request, _("Transferred: the customer waits for desk %(desk)s, in their own place in "
                                        "the queue.") % {"desk": numbers.get(to_desk_id, "?")})
        else:
            messages.success(request, _("Transferred: the customer waits for the new service, in their own place "
                                        "in the queue."))
    return _back(desk)


@require_POST
@desk_view
def console_pause(request, desk: Desk):
    if request.POST.get("paused") == "yes":
        desk_pause(desk=desk, now=timezone.now(), actor=request.user)
        messages.success(request, _("The desk is paused: it is offered no next call until you resume."))
    else:
        desk_resume(desk=desk, now=timezone.now(), actor=request.user)
        messages.success(request, _("The desk is open again."))
    return _back(desk)


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
    return _back(desk)


@desk_view
def console_book(request, desk: Desk):
    """Book for the customer at this desk: the console's booking flow, at this desk's point."""
    return redirect(reverse("walkin:staff-book") + "?" + urlencode({"point": desk.service_point_id}))
