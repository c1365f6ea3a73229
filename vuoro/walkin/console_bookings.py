"""The console's bookings: staff find a booking of their own points and act on it (cancel, move,
send the confirmation again, each with a reason), and book for a customer at the desk.

Times are picked as the customer picks them: a month of free days, then a day's free times, from
the same selectors and the same month template as the public pages. Every act goes through
`vuoro.booking.staff`, which keeps the booking rules, tells the customer and writes the audit log.
A booking, a point or a service outside the staff member's own points is a 404.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from vuoro.audit.models import AuditEntry
from vuoro.audit.selectors import audit_list
from vuoro.booking.forms import SERVICE_LANGUAGES
from vuoro.booking.models import MAX_PERSONS, Booking
from vuoro.booking.selectors import availability_list, free_day_list
from vuoro.booking.services import ActiveBookingExists, BookingError, Customer, SlotUnavailable
from vuoro.booking.staff import (
    OBJECT_TYPE,
    booking_confirmation_resend,
    booking_desk_create,
    booking_staff_cancel,
    booking_staff_move,
)
from vuoro.booking.staff_selectors import booking_search, staff_booking_get
from vuoro.network.models import ServicePoint
from vuoro.network.roles import point_ids_of
from vuoro.network.selectors import service_list
from vuoro.network.state import NetworkState, network_state
from vuoro.parsing import ParseError, or_none, parse_aware_datetime, parse_date, parse_int, parse_month
from vuoro.walkin.forms import BookingSearchForm, DeskBookingStartForm, DeskCustomerForm, ReasonForm


def _own(request, state: NetworkState) -> list[str]:
    """The ids of the points this staff member may act on, in the network's order."""
    points = point_ids_of(request.user)
    return [pid for pid in state.points if points is None or pid in points]


def staff_booking(view):
    """A view of one booking of the staff member's own points; any other booking is a 404."""

    @staff_member_required
    @never_cache
    @functools.wraps(view)
    def wrapper(request, booking_id: int, **kwargs):
        booking = staff_booking_get(booking_id=booking_id, point_ids=point_ids_of(request.user))
        if booking is None:
            raise Http404
        return view(request, booking, **kwargs)

    return wrapper


def _changeable(booking: Booking, now: dt.datetime) -> bool:
    return booking.status == Booking.Status.CONFIRMED and booking.start_at > now


def _back(request) -> str | None:
    """Where to return after an act: a page of this site (the back office), or the booking's page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


# Search and the booking's page -----------------------------------------------------------------------------

@staff_member_required
def search(request):
    form = BookingSearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = list(booking_search(point_ids=point_ids_of(request.user), text=form.cleaned_data["q"],
                                      on_date=form.cleaned_data["date"], now=timezone.now()))
    return render(request, "walkin/staff_search.html", {"form": form, "results": results},
                  status=400 if form.is_bound and not form.is_valid() else 200)


def _entries(booking: Booking, zone) -> list:
    """The booking's audit entries; a move carries its old and new local start (`moved`)."""
    entries = list(audit_list(object_type=OBJECT_TYPE, object_id=booking.pk))
    for entry in entries:
        times = [(side or {}).get("start_at") for side in (entry.before, entry.after)]
        entry.moved = None
        if entry.action == AuditEntry.Action.BOOKING_MOVE and all(times):
            entry.moved = [dt.datetime.fromisoformat(t).astimezone(zone) for t in times]
    return entries


def _notices(booking: Booking) -> str:
    """The messages to the customer and their state, exactly as the back office shows them."""
    return admin.site.get_model_admin(Booking).messages(booking)


def _booking_page(request, booking: Booking, *, cancel_form=None, resend_form=None, status=200):
    now = timezone.now()
    zone = booking.service_point_zone
    return render(request, "walkin/staff_booking.html", {
        "booking": booking, "start": booking.start_at.astimezone(zone), "end": booking.end_at.astimezone(zone),
        "changeable": _changeable(booking, now),
        "language_name": dict(SERVICE_LANGUAGES).get(booking.language, booking.language),
        "resendable": booking.status in (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN) and booking.end_at > now,
        "notices": _notices(booking), "entries": _entries(booking, zone),
        "cancel_form": cancel_form or ReasonForm(prefix="cancel"),
        "resend_form": resend_form or ReasonForm(prefix="resend"), "next": _back(request) or ""}, status=status)


@staff_booking
def booking_page(request, booking: Booking):
    return _booking_page(request, booking)


def _reason_act(request, booking: Booking, *, prefix: str, act, refused: str, done: str):
    """An act on a booking that needs a reason (cancel, resend): check the form, act, say how it went."""
    form = ReasonForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _booking_page(request, booking, status=400, **{f"{prefix}_form": form})
    try:
        act(booking=booking, actor=request.user, reason=form.cleaned_data["reason"], now=timezone.now())
    except BookingError:
        messages.error(request, refused)
    else:
        messages.success(request, done)
    return redirect(_back(request) or reverse("walkin:staff-booking", args=[booking.pk]))


@require_POST
@staff_booking
def booking_cancel(request, booking: Booking):
    return _reason_act(request, booking, prefix="cancel", act=booking_staff_cancel,
                       refused=_("This booking can no longer be cancelled: it is cancelled already, or its time "
                                 "has started or passed."),
                       done=_("The booking is cancelled and the customer is told."))


@require_POST
@staff_booking
def booking_resend(request, booking: Booking):
    return _reason_act(request, booking, prefix="resend", act=booking_confirmation_resend,
                       refused=_("The confirmation is sent again only for a live booking whose time has not "
                                 "passed."),
                       done=_("The confirmation is on its way to the customer again."))


# Picking a time: the month, then the day -----------------------------------------------------------------------

@dataclass(frozen=True)
class Picker:
    """Where a staff member picks a time: moving a booking ("move") or booking for a customer ("book")."""

    mode: str
    service_code: str
    point_id: str
    persons: int
    booking: Booking | None = None

    def url(self, step: str, **params) -> str:
        query = {"point": self.point_id, **{k: v for k, v in params.items() if v not in (None, "")}}
        if self.mode == "move":
            return reverse(f"walkin:staff-move-{step}", args=[self.booking.pk]) + "?" + urlencode(query)
        query = {"service": self.service_code, "persons": self.persons, **query}
        return reverse(f"walkin:staff-book-{step}") + "?" + urlencode(query)


def _point_choices(state: NetworkState, own: list[str], service_code: str) -> list[tuple[str, str]]:
    offering = [pid for pid in own if service_code in state.points[pid].durations]
    names = {p.id: p.name for p in ServicePoint.objects.filter(id__in=offering)}
    return [(pid, names.get(pid, pid)) for pid in offering]


def _move_picker(request, booking: Booking, state: NetworkState) -> Picker | None:
    point_id = request.GET.get("point") or booking.service_point_id
    if point_id not in dict(_point_choices(state, _own(request, state), booking.service.code)):
        return None
    return Picker("move", booking.service.code, point_id, booking.persons, booking)


def _book_picker(request, state: NetworkState) -> Picker | None:
    code, point_id = request.GET.get("service", ""), request.GET.get("point", "")
    persons = or_none(parse_int, request.GET.get("persons", "1"), minimum=1, maximum=MAX_PERSONS)
    if code not in state.service_ids or persons is None:
        return None
    if point_id not in dict(_point_choices(state, _own(request, state), code)):
        return None
    return Picker("book", code, point_id, persons)


def _wanted(picker: Picker, state: NetworkState) -> dict:
    """What the times are for, as the availability selectors take it (one place for all pickers).
    Staff book and move in the time every capacity pool keeps at the point, as well as the public's."""
    return {"service_code": picker.service_code, "point_ids": [picker.point_id], "persons": picker.persons,
            "pools": state.pools_at([picker.point_id])}


def _month(request, picker: Picker, state: NetworkState, template: str, context: dict):
    """The month of free days at the picker's point, as the public month page shows it."""
    now = timezone.now()
    zone = state.points[picker.point_id].zone
    today, last_day = now.astimezone(zone).date(), state.horizon_end(now).astimezone(zone).date()
    first_month, last_month = today.replace(day=1), last_day.replace(day=1)
    month = or_none(parse_month, request.GET.get("month"))
    if month is None:
        earliest = availability_list(state=state, **_wanted(picker, state), from_date=None, to_date=None, limit=1,
                                     now=now)
        month = earliest[0].slot.start.astimezone(zone).date().replace(day=1) if earliest else first_month
    month = min(max(month, first_month), last_month)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    counts = free_day_list(state=state, **_wanted(picker, state), first_date=max(month, today),
                           last_date=min(month_end, last_day), now=now)
    weeks = [[{"date": day, "in_month": day.month == month.month, "bookable": today <= day <= last_day,
               "count": counts.get(day, 0),
               "href": picker.url("day", date=day.isoformat()) if counts.get(day) else None}
              for day in week] for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year,
                                                                                                month.month)]
    previous_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = month_end + dt.timedelta(days=1)
    return render(request, template, {
        **context, "picker": picker, "partial": False, "month": month, "weeks": weeks, "weekdays": weeks[0],
        "free_days": sum(1 for c in counts.values() if c),
        "previous": (previous_month, picker.url("month", month=f"{previous_month:%Y-%m}"))
        if month > first_month else None,
        "next": (next_month, picker.url("month", month=f"{next_month:%Y-%m}")) if month < last_month else None,
        "points": _point_choices(state, _own(request, state), picker.service_code),
        "point": ServicePoint.objects.filter(id=picker.point_id).first()})


def _day(request, picker: Picker, state: NetworkState, template: str, context: dict):
    """A day's free times at the picker's point, each a link to the last step."""
    try:
        day = parse_date(request.GET.get("date", ""))
    except ParseError:
        return redirect(picker.url("month"))
    zone = state.points[picker.point_id].zone
    found = availability_list(state=state, **_wanted(picker, state), from_date=day, to_date=day, limit=None,
                              now=timezone.now())
    times = [{"start": s.slot.start.astimezone(zone),
              "href": picker.url("pick", start=s.slot.start.astimezone(zone).isoformat())} for s in found]
    return render(request, template, {
        **context, "picker": picker, "day": day, "times": times,
        "point": ServicePoint.objects.filter(id=picker.point_id).first(),
        "month_url": picker.url("month", month=f"{day:%Y-%m}")})


def _start(request, picker: Picker, state: NetworkState) -> dt.datetime | None:
    start_at = or_none(parse_aware_datetime, request.GET.get("start", ""))
    return start_at.astimezone(state.points[picker.point_id].zone) if start_at else None


# Moving a booking ----------------------------------------------------------------------------------------------

def _move_context(booking: Booking) -> dict:
    zone = booking.service_point_zone
    return {"booking": booking, "start": booking.start_at.astimezone(zone), "end": booking.end_at.astimezone(zone)}


@staff_booking
def move_month(request, booking: Booking):
    state = network_state()
    picker = _move_picker(request, booking, state)
    if picker is None or not _changeable(booking, timezone.now()):
        return redirect("walkin:staff-booking", booking.pk)
    return _month(request, picker, state, "walkin/staff_month.html", _move_context(booking))


@staff_booking
def move_day(request, booking: Booking):
    state = network_state()
    picker = _move_picker(request, booking, state)
    if picker is None or not _changeable(booking, timezone.now()):
        return redirect("walkin:staff-booking", booking.pk)
    return _day(request, picker, state, "walkin/staff_day.html", _move_context(booking))


@require_http_methods(["GET", "POST"])
@staff_booking
def move_confirm(request, booking: Booking):
    state = network_state()
    picker = _move_picker(request, booking, state)
    if picker is None or not _changeable(booking, timezone.now()):
        return redirect("walkin:staff-booking", booking.pk)
    start_at = _start(request, picker, state)
    if start_at is None:
        return redirect(picker.url("month"))
    form = ReasonForm(request.POST or None)
    problem, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                booking_staff_move(state=state, booking=booking, start_at=start_at, point_id=picker.point_id,
                                   actor=request.user, reason=form.cleaned_data["reason"], now=timezone.now())
            except SlotUnavailable:
                problem, status = "taken", 409
            except BookingError:
                messages.error(request, _("This booking can no longer be moved: its time has started or passed."))
                return redirect("walkin:staff-booking", booking.pk)
            else:
                messages.success(request, _("The booking is moved and the customer is told."))
                return redirect("walkin:staff-booking", booking.pk)
    duration = state.visit_minutes(state.points[picker.point_id], picker.service_code, picker.persons)
    return render(request, "walkin/staff_move_confirm.html", {
        **_move_context(booking), "picker": picker, "form": form, "problem": problem, "new_start": start_at,
        "new_end": start_at + dt.timedelta(minutes=duration),
        "point": ServicePoint.objects.filter(id=picker.point_id).first(),
        "action": picker.url("pick", start=start_at.isoformat()),
        "day_url": picker.url("day", date=start_at.date().isoformat())}, status=status)


# Booking for the customer at the desk -------------------------------------------------------------------------

@staff_member_required
def book_start(request):
    state = network_state()
    own = _own(request, state)
    offered = {code for pid in own for code in state.points[pid].durations}
    services = [(s.code, s.name) for s in service_list() if s.code in offered]
    names = {p.id: p.name for p in ServicePoint.objects.filter(id__in=own)}
    initial = {"point": request.GET.get("point")} if request.GET.get("point") in own else {}
    bound = "service" in request.GET
    form = DeskBookingStartForm(request.GET if bound else None, initial=initial, services=services,
                                points=[(pid, names.get(pid, pid)) for pid in own])
    if form.is_valid():
        code, point_id = form.cleaned_data["service"], form.cleaned_data["point"]
        if code in state.points[point_id].durations:
            return redirect(Picker("book", code, point_id, form.cleaned_data["persons"]).url("month"))
        form.add_error("service", _("This service point does not offer that service."))
    return render(request, "walkin/staff_book_start.html", {"form": form}, status=400 if bound else 200)


@staff_member_required
def book_month(request):
    state = network_state()
    picker = _book_picker(request, state)
    if picker is None:
        return redirect("walkin:staff-book")
    return _month(request, picker, state, "walkin/staff_month.html", {"service": _service(picker)})


@staff_member_required
def book_day(request):
    state = network_state()
    picker = _book_picker(request, state)
    if picker is None:
        return redirect("walkin:staff-book")
    return _day(request, picker, state, "walkin/staff_day.html", {"service": _service(picker)})


def _service(picker: Picker):
    return service_list().filter(code=picker.service_code).first()


@require_http_methods(["GET", "POST"])
@staff_member_required
@never_cache
def book_details(request):
    state = network_state()
    picker = _book_picker(request, state)
    start_at = _start(request, picker, state) if picker else None
    if picker is None or start_at is None:
        return redirect(picker.url("month") if picker else "walkin:staff-book")
    form = DeskCustomerForm(request.POST or None, initial={"language": "fi"})
    problem, status, over_cap = None, 200, bool(request.POST.get("beyond_caps"))
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = booking_desk_create(
                    state=state, service_code=picker.service_code, point_id=picker.point_id, start_at=start_at,
                    persons=picker.persons, language=data["language"], actor=request.user, now=timezone.now(),
                    customer=Customer(name=data["name"], email=data["email"], phone=data["phone"]),
                    beyond_caps=data["beyond_caps"], reason=data["reason"])
            except SlotUnavailable:
                problem, status = "taken", 409
            except ActiveBookingExists:
                form.add_error("email", _("This customer (this e-mail address or phone number) already holds the "
                                          "bookings allowed: find one and move it instead, or book beyond the "
                                          "limit with a reason."))
                status, over_cap = 409, True
            else:
                # The key and PIN are shown in this answer only, never stored in clear: hand them over now.
                zone = made.booking.service_point_zone
                return render(request, "walkin/staff_book_done.html", {
                    "made": made, "booking": made.booking, "start": made.booking.start_at.astimezone(zone),
                    "end": made.booking.end_at.astimezone(zone), "service": _service(picker),
                    "point": ServicePoint.objects.filter(id=picker.point_id).first()})
    duration = state.visit_minutes(state.points[picker.point_id], picker.service_code, picker.persons)
    return render(request, "walkin/staff_book_details.html", {
        "picker": picker, "form": form, "problem": problem, "over_cap": over_cap, "start": start_at,
        "service": _service(picker),
        "end": start_at + dt.timedelta(minutes=duration),
        "point": ServicePoint.objects.filter(id=picker.point_id).first(),
        "action": picker.url("pick", start=start_at.isoformat()),
        "day_url": picker.url("day", date=start_at.date().isoformat())}, status=status)
