"""The manage pages: sign in with the reservation key and PIN, view, cancel, move (the move
walks the booking pages of vuoro.booking.views in mode "move", then confirms here), and the
calendar file. The session keeps the booking's id and its state's fingerprint, never the key or
PIN (vuoro.booking.session).
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vuoro.apierrors import ApiError
from vuoro.booking.forms import ManageForm
from vuoro.booking.guards import booking_authorise
from vuoro.booking.ics import booking_calendar
from vuoro.booking.keys import normalise_key
from vuoro.booking.models import Booking
from vuoro.booking.page_context import awaiting_confirmation, booking_changeable, booking_summary
from vuoro.booking.refusals import problem_of, start_problem
from vuoro.booking.rush import RushPassRequired, rush_pass_check
from vuoro.booking.rush_views import session_pass
from vuoro.booking.services import BookingError, NotChangeable, SlotUnavailable, booking_cancel, booking_reschedule
from vuoro.booking.session import managed_booking, managed_forget, managed_hold
from vuoro.booking.views import _alternatives, _choice, _flow, _points_by_id, _too_many
from vuoro.network.state import network_state


def _authorise(reservation_key: str, pin: str) -> Booking | None:
    """The booking for a key and PIN, or None; ApiError 429 while the key's PIN attempts are used up."""
    return booking_authorise(reservation_key=normalise_key(reservation_key), pin=pin, now=timezone.now())


@require_http_methods(["GET", "POST"])
@never_cache
def manage(request):
    if request.method == "GET" and managed_booking(request) is not None:
        return redirect("booking:manage_booking")
    form = ManageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = _authorise(data["reservation_key"], data["pin"])
            except ApiError as error:
                if error.status != 429:
                    raise
                return _too_many(request, error, pin_locked=True)
            if booking is not None:
                request.session.cycle_key()
                managed_hold(request, booking)
                return redirect("booking:manage_booking")
            form.add_error(None, _("We found no booking with that reservation key and PIN. Check them and try again."))
    return render(request, "booking/manage_sign_in.html", {"form": form}, status=status)


@require_GET
@never_cache
def manage_booking(request):
    booking = managed_booking(request)
    if booking is None:
        return redirect("booking:manage")
    now = timezone.now()
    return render(request, "booking/manage.html", {
        **booking_summary(booking), **awaiting_confirmation(booking, now),
        "changeable": booking_changeable(booking, now),
        "checklist": booking.service.checklist(get_language())})


@require_POST
def manage_sign_out(request):
    managed_forget(request)
    messages.info(request, _("You have signed out of the booking."))
    return redirect("booking:manage")


@require_http_methods(["GET", "POST"])
@never_cache
def manage_cancel(request):
    booking = managed_booking(request)
    if booking is None:
        return redirect("booking:manage")
    if request.method == "POST":
        try:
            booking = booking_cancel(booking=booking, now=timezone.now())
        except NotChangeable:
            messages.error(request, _("This booking can no longer be cancelled: its time has started or passed."))
        else:
            managed_hold(request, booking)  # the customer's own change: keep the booking open
            messages.success(request, _("Your booking is cancelled. The time is now free for someone else."))
        return redirect("booking:manage_booking")
    if not booking_changeable(booking, timezone.now()) and not awaiting_confirmation(booking, timezone.now()):
        return redirect("booking:manage_booking")
    return render(request, "booking/cancel.html", booking_summary(booking))


@require_http_methods(["GET", "POST"])
@never_cache
def move_confirm(request):
    state = network_state()
    flow = _flow(request, "move", state)
    if flow is None:
        return redirect("booking:manage")
    choice = _choice(request, state, flow.service_code)
    if choice is None:
        return redirect(flow.url("point"))
    point_id, start_at = choice
    problem, slot_problem, alternatives, status, queue_url = None, None, [], 200, None
    now = timezone.now()
    if request.method == "POST":
        try:
            rush_pass_check(state=state, point_id=point_id, service_code=flow.service_code, start_at=start_at,
                            email=flow.booking.customer_email, phone=flow.booking.customer_phone,
                            rush_pass=session_pass(request), now=now)
            moved = booking_reschedule(state=state, booking=flow.booking, start_at=start_at, point_id=point_id,
                                       now=now)
        except RushPassRequired as error:
            problem, status, queue_url = "rush", 409, reverse("booking:rush_join", args=[error.release_id])
        except SlotUnavailable as error:
            problem, status = "slot", 409
            slot_problem = problem_of(error, state=state, point_id=point_id, service_code=flow.service_code,
                                      start_at=start_at, persons=flow.persons)
        except BookingError:
            messages.error(request, _("This booking can no longer be changed: its time has started or passed."))
            return redirect("booking:manage_booking")
        else:
            managed_hold(request, moved)  # the customer's own change: keep the booking open
            messages.success(request, _("Your booking is moved to the new time. Your reservation key and PIN stay "
                                        "the same."))
            return redirect("booking:manage_booking")
    else:
        # An old link: what is wrong with the time whatever the bookings (the booking's own time
        # would count against a move, so whether it is free is left to the move itself).
        slot_problem = start_problem(state=state, service_code=flow.service_code, point_id=point_id,
                                     start_at=start_at, now=now, persons=flow.persons, pools=flow.pools,
                                     bookings_too=False)
        problem = "slot" if slot_problem else None
    if problem == "slot":
        alternatives = _alternatives(state, flow, point_id, start_at, now)
    point = _points_by_id()[point_id]
    return render(request, "booking/move_confirm.html", {
        **booking_summary(flow.booking), "flow": flow, "point": point, "new_start": start_at,
        "new_end": start_at + dt.timedelta(minutes=flow.minutes(state, point_id)), "problem": problem,
        "slot_problem": slot_problem, "alternatives": alternatives, "queue_url": queue_url,
        "action": flow.url("pick", point=point_id, start=start_at.isoformat()),
        "day_url": flow.url("day", point=point_id, date=start_at.date().isoformat()),
    }, status=status)


@require_POST
@never_cache
def calendar_file(request):
    """The booking as an .ics download: key and PIN from the POSTed form, else from the manage session."""
    if request.POST.get("reservation_key"):
        form = ManageForm(request.POST)
        if not form.is_valid():  # junk (a NUL character, a key too long) never reaches the PIN guard
            return render(request, "booking/manage_sign_in.html", {"form": form}, status=400)
        try:
            booking = _authorise(form.cleaned_data["reservation_key"], form.cleaned_data["pin"])
        except ApiError as error:
            if error.status != 429:
                raise
            return _too_many(request, error, pin_locked=True)
    else:
        booking = managed_booking(request)
    if booking is None:
        return redirect("booking:manage")
    response = HttpResponse(booking_calendar(booking, now=timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reservation_key}.ics"'
    return response
