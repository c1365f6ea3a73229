"""The public booking pages: a service → a point or the earliest anywhere → a day → a time →
the customer's details → the confirmation (the manage pages are in vuoro.booking.manage_views;
the move there walks the same month and day pages as booking, in mode "move").

Every step is a plain GET or POST page that works without JavaScript; htmx only swaps the month
view in place. A view parses, authorises, calls one selector or service function, and renders.
The reservation key and PIN never travel in a URL: forms POST them; after a successful sign-in
(or a signed manage link, vuoro.booking.link_views) the session keeps the booking's id and the
fingerprint of its state, never the key or PIN in clear (vuoro.booking.session).
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vuoro.apierrors import ApiError
from vuoro.booking.forms import SERVICE_LANGUAGES, DetailsForm, PriorityCodeForm
from vuoro.booking.guards import client_key
from vuoro.booking.models import MAX_PERSONS, Booking
from vuoro.booking.page_context import awaiting_confirmation, booking_changeable, booking_summary
from vuoro.booking.priority import InvalidPriorityCode, priority_code_check, priority_code_find
from vuoro.booking.refusals import problem_of, start_problem
from vuoro.booking.release_notice import first_held_back_date, held_back_notices, queued_release_ids
from vuoro.booking.rush import RushPassRequired, rush_pass_check
from vuoro.booking.rush_views import session_pass
from vuoro.booking.selectors import (
    PointSlot,
    availability_list,
    earliest_by_point,
    free_day_list,
    nearest_slot_list,
)
from vuoro.booking.services import (
    ActiveBookingExists,
    Customer,
    SlotUnavailable,
    booking_create,
    booking_pools,
)
from vuoro.booking.session import booked_get, booked_hold, managed_booking
from vuoro.network.selectors import service_list, service_point_list
from vuoro.network.state import NetworkState, network_state
from vuoro.parsing import ParseError, or_none, parse_aware_datetime, parse_date, parse_int, parse_month

STEPS = {
    "book": {"point": "booking:point", "month": "booking:month", "day": "booking:day", "pick": "booking:details"},
    "move": {"point": "booking:move_point", "month": "booking:move_month", "day": "booking:move_day",
             "pick": "booking:move_confirm"},
}


@dataclass(frozen=True)
class Flow:
    """Where the point, month and day steps lead: booking anew ("book") or moving a booking ("move")."""

    mode: str
    service_code: str
    booking: Booking | None = None
    persons: int = 1  # asked before any time is shown: a family's visit takes longer (docs/api.md, family time)
    # Capacity pools this customer may book in: the session's priority code's, or those of the code
    # the booking being moved was made with. Empty: the public's view.
    pools: frozenset[str] = frozenset()

    def url(self, step: str, **params) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if self.mode == "book":
            query = {"service": self.service_code, **({"persons": self.persons} if self.persons > 1 else {}),
                     **query}
        return reverse(STEPS[self.mode][step]) + ("?" + urlencode(query) if query else "")

    def minutes(self, state: NetworkState, point_id: str) -> int | None:
        """How long this customer's visit takes at a point."""
        point = state.points.get(point_id)
        return state.visit_minutes(point, self.service_code, self.persons) if point else None


def _persons(value: str | None) -> int | None:
    """The number of persons from a URL (missing: 1), or None when it is not 1 to 6."""
    if value in (None, ""):
        return 1
    return or_none(parse_int, value, minimum=1, maximum=MAX_PERSONS)


def _too_many(request, error: ApiError, *, pin_locked: bool) -> HttpResponse:
    seconds = int((error.headers or {}).get("Retry-After", "60"))
    response = render(request, "booking/too_many.html",
                      {"pin_locked": pin_locked, "minutes": max(1, math.ceil(seconds / 60))}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _flow(request, mode: str, state: NetworkState) -> Flow | None:
    if mode == "move":
        booking = managed_booking(request)
        if booking is None or not booking_changeable(booking, timezone.now()):
            return None
        return Flow("move", booking.service.code, booking, persons=booking.persons, pools=booking_pools(booking))
    code = request.GET.get("service", "")
    persons = _persons(request.GET.get("persons"))
    if code not in state.service_ids or not persons:
        return None
    return Flow("book", code, persons=persons, pools=_code_pools(request, code))


PRIORITY_CODE = "booking.priority_code"  # session: the priority code the customer gave on the first step


def _code_pools(request, service_code: str) -> frozenset[str]:
    """The pool the session's priority code opens for this service (none: the public's view)."""
    code = request.session.get(PRIORITY_CODE)
    if not code:
        return frozenset()
    try:
        return frozenset({priority_code_check(code=code, service_code=service_code, now=timezone.now())})
    except InvalidPriorityCode:
        return frozenset()


def _code_problem(error: InvalidPriorityCode) -> str:
    return {"used": _("This priority code has already been used."),
            "expired": _("This priority code has expired."),
            "service": _("This priority code is for another service."),
            }.get(error.reason, _("There is no such priority code. Check it and try again."))


def _start_over(mode: str):
    return redirect("booking:manage" if mode == "move" else "booking:service")


def _flow_at_point(request, mode: str, state: NetworkState):
    """(flow, point id or None for every point offering the service), or the redirect that sends
    the customer back a step when the service or the point in the address is not valid."""
    flow = _flow(request, mode, state)
    if flow is None:
        return _start_over(mode)
    point_id = request.GET.get("point") or None
    if point_id is not None:
        point = state.points.get(point_id)
        if point is None or flow.service_code not in point.durations:
            return redirect(flow.url("point"))
    return flow, point_id


def _points_by_id() -> dict:
    return {point.id: point for point in service_point_list()}


def _local(found: PointSlot, state: NetworkState) -> dt.datetime:
    return found.slot.start.astimezone(state.points[found.service_point].zone)


# --- booking: service → point → month → day → details → confirmation -------------------------------------------

@require_GET
def service_choose(request):
    state = network_state()
    code = request.GET.get("service")
    persons = _persons(request.GET.get("persons"))
    # A link naming only the service (front page, guidance) still asks the number of persons first.
    if code in state.service_ids and persons and "persons" in request.GET and "change" not in request.GET:
        return redirect(Flow("book", code, persons=persons).url("point"))
    error = _("Choose the service you need.") if "next" in request.GET and code not in state.service_ids else None
    persons_error = _("Choose from 1 to 6 persons.") if persons is None else None
    return _service_page(request, state, code=code, persons=persons, error=error, persons_error=persons_error,
                         code_form=PriorityCodeForm())


def _service_page(request, state: NetworkState, *, code, persons, error, persons_error, code_form):
    held = request.session.get(PRIORITY_CODE)
    held_row = None
    if held:
        try:
            held_row = priority_code_find(code=held, now=timezone.now())
        except InvalidPriorityCode:
            request.session.pop(PRIORITY_CODE, None)
    return render(request, "booking/service.html", {
        "services": _service_rows(state), "error": error, "persons_error": persons_error,
        "persons_choices": range(1, MAX_PERSONS + 1), "persons": persons or 1,
        "selected": code or (held_row.service.code if held_row else None), "code_form": code_form,
        "held_code": held_row}, status=400 if error or persons_error or code_form.errors else 200)


@require_POST
def priority_code_use(request):
    """The first step's priority code: a good one is kept in the session (its pool's kept time is
    then shown for its service); a wrong, used or expired one is named, and the public view stays."""
    state = network_state()
    form = PriorityCodeForm(request.POST)
    if form.is_valid():
        try:
            row = priority_code_find(code=form.cleaned_data["priority_code"], now=timezone.now())
        except InvalidPriorityCode as error:
            form.add_error("priority_code", _code_problem(error))
        else:
            request.session[PRIORITY_CODE] = form.cleaned_data["priority_code"]
            messages.success(request, _("Your priority code is in use: the free times shown to you include "
                                        "the times kept for %(group)s.") % {"group": row.pool.name})
            return redirect(reverse("booking:service") + "?" + urlencode({"service": row.service.code}))
    return _service_page(request, state, code=None, persons=1, error=None, persons_error=None, code_form=form)


def _service_rows(state: NetworkState) -> list[dict]:
    """Each service with the visit lengths its points give one person, and its minutes per extra person."""
    return [dict(zip(("shortest", "longest", "extra"), state.service_lengths(s.code, s.duration_minutes),
                     strict=True), service=s) for s in service_list()]


@require_GET
def point_choose(request, mode: str = "book"):
    state = network_state()
    flow = _flow(request, mode, state)
    if flow is None:
        return _start_over(mode)
    now = timezone.now()
    offering = {p.id for p in state.points_offering(flow.service_code)}
    choice = request.GET.get("point")
    if "next" in request.GET and choice in offering:
        return redirect(flow.url("month", point=choice))
    earliest = earliest_by_point(state=state, service_code=flow.service_code, now=now, persons=flow.persons,
                                 pools=flow.pools)
    first = min(earliest.values(), key=lambda s: (s.slot.start, s.service_point), default=None)
    error = None
    if "next" in request.GET:
        if choice == "any":
            # The earliest anywhere: that day's free times at every point, or the month when there are none.
            return redirect(flow.url("day", date=_local(first, state).date().isoformat()) if first else
                            flow.url("month"))
        error = _("Choose a service point, or the earliest free time at any service point.")
    points = [{"point": p, "earliest": _local(earliest[p.id], state) if p.id in earliest else None,
               "minutes": flow.minutes(state, p.id)} for p in _points_by_id().values() if p.id in offering]
    first_point = next((row["point"] for row in points if first and row["point"].id == first.service_point), None)
    return render(request, "booking/point.html", {
        "flow": flow, "points": points, "error": error, "selected": choice,
        "first": _local(first, state) if first else None, "first_point": first_point,
        "service": _service(flow), "back": reverse("booking:manage_booking") if mode == "move" else
        reverse("booking:service")}, status=400 if error else 200)


def _service(flow: Flow):
    if flow.booking is not None:
        return flow.booking.service
    return service_list().filter(code=flow.service_code).first()


@require_GET
def month_view(request, mode: str = "book"):
    state = network_state()
    chosen = _flow_at_point(request, mode, state)
    if isinstance(chosen, HttpResponseBase):
        return chosen
    flow, point_id = chosen
    now = timezone.now()
    zone = state.points[point_id].zone if point_id else state.timezone
    today = now.astimezone(zone).date()
    last_day = state.horizon_end(now).astimezone(zone).date()
    first_month, last_month = today.replace(day=1), last_day.replace(day=1)
    point_ids = [point_id] if point_id else [p.id for p in state.points_offering(flow.service_code)]
    month = or_none(parse_month, request.GET.get("month"))
    if month is None:
        earliest = availability_list(state=state, service_code=flow.service_code,
                                     point_ids=[point_id] if point_id else None, from_date=None, to_date=None,
                                     limit=1, now=now, persons=flow.persons, pools=flow.pools)
        held = None if earliest else first_held_back_date(
            state=state, service_code=flow.service_code, point_ids=point_ids, first_date=today, last_date=last_day,
            now=now)
        month = (_local(earliest[0], state).date() if earliest else held or first_month).replace(day=1)
    month = min(max(month, first_month), last_month)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    held_back = held_back_notices(state=state, service_code=flow.service_code, point_ids=point_ids,
                                  first_date=max(month, today), last_date=min(month_end, last_day), now=now)
    counts = free_day_list(state=state, service_code=flow.service_code, point_ids=[point_id] if point_id else None,
                           first_date=max(month, today), last_date=min(month_end, last_day), now=now,
                           persons=flow.persons, pools=flow.pools)
    weeks = [[{"date": day, "in_month": day.month == month.month, "bookable": today <= day <= last_day,
               "count": counts.get(day, 0),
               "href": flow.url("day", point=point_id, date=day.isoformat()) if counts.get(day) else None}
              for day in week] for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year,
                                                                                                month.month)]
    previous_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = month_end + dt.timedelta(days=1)
    context = {
        "flow": flow, "service": _service(flow), "point": _points_by_id().get(point_id) if point_id else None,
        "month": month, "weeks": weeks, "weekdays": weeks[0], "free_days": sum(1 for c in counts.values() if c),
        "previous": (previous_month, flow.url("month", point=point_id, month=f"{previous_month:%Y-%m}"))
        if month > first_month else None,
        "next": (next_month, flow.url("month", point=point_id, month=f"{next_month:%Y-%m}"))
        if month < last_month else None,
        "points_url": flow.url("point"), "minutes": flow.minutes(state, point_id) if point_id else None,
        "held_back": held_back,
        "queues": [reverse("booking:rush_join", args=[release_id]) for release_id in queued_release_ids(
            state=state, service_code=flow.service_code, point_ids=point_ids, first_date=max(month, today),
            last_date=min(month_end, last_day), now=now)],
    }
    # htmx swaps only the month in; restoring history after a cache miss needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "booking/_month.html" if partial else "booking/month.html"
    return render(request, template, {**context, "partial": partial})


@require_GET
def day_view(request, mode: str = "book"):
    state = network_state()
    chosen = _flow_at_point(request, mode, state)
    if isinstance(chosen, HttpResponseBase):
        return chosen
    flow, point_id = chosen
    try:
        day = parse_date(request.GET.get("date", ""))
    except ParseError:
        return redirect(flow.url("month", point=point_id))
    now = timezone.now()
    found = availability_list(state=state, service_code=flow.service_code, point_ids=[point_id] if point_id else None,
                              from_date=day, to_date=day, limit=None, now=now, persons=flow.persons,
                              pools=flow.pools)
    points = _points_by_id()
    groups: dict[str, list] = {}
    for slot in found:
        start = _local(slot, state)
        groups.setdefault(slot.service_point, []).append(
            {"start": start, "href": flow.url("pick", point=slot.service_point, start=start.isoformat())})
    return render(request, "booking/day.html", {
        "flow": flow, "service": _service(flow), "day": day, "point": points.get(point_id) if point_id else None,
        "groups": [{"point": points[pid], "times": times, "minutes": flow.minutes(state, pid)}
                   for pid, times in groups.items()],
        "month_url": flow.url("month", point=point_id, month=f"{day:%Y-%m}"),
        "held_back": [] if found else held_back_notices(
            state=state, service_code=flow.service_code, now=now, first_date=day, last_date=day,
            point_ids=[point_id] if point_id else [p.id for p in state.points_offering(flow.service_code)]),
    })


def _choice(request, state: NetworkState, service_code: str) -> tuple[str, dt.datetime] | None:
    """The chosen point and start: a POSTed alternative ("point|start") first, else the URL's."""
    point_id, start = request.GET.get("point", ""), request.GET.get("start", "")
    if request.method == "POST" and request.POST.get("alternative"):
        point_id, _sep, start = request.POST["alternative"].partition("|")
    point = state.points.get(point_id)
    start_at = or_none(parse_aware_datetime, start)
    if point is None or service_code not in point.durations or start_at is None:
        return None
    return point_id, start_at.astimezone(point.zone)


def _alternatives(state: NetworkState, flow: Flow, point_id: str, start_at: dt.datetime, now: dt.datetime) -> list:
    points = _points_by_id()
    return [{"value": f"{s.service_point}|{_local(s, state).isoformat()}", "start": _local(s, state),
             "point": points[s.service_point]}
            for s in nearest_slot_list(state=state, service_code=flow.service_code, point_id=point_id,
                                       start_at=start_at, now=now, persons=flow.persons, pools=flow.pools)]


@require_http_methods(["GET", "POST"])
def details(request):
    state = network_state()
    flow = _flow(request, "book", state)
    choice = _choice(request, state, flow.service_code) if flow else None
    if choice is None:
        return redirect(flow.url("point") if flow else "booking:service")
    point_id, start_at = choice
    language = (get_language() or "fi")[:2]
    form = DetailsForm(request.POST or None, initial={"language": language})
    problem, slot_problem, code_problem, alternatives, status, queue_url = None, None, None, [], 200, None
    now = timezone.now()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rush_pass_check(state=state, point_id=point_id, service_code=flow.service_code, start_at=start_at,
                            email=data["email"], phone=data["phone"], rush_pass=session_pass(request), now=now)
            made = booking_create(
                state=state, service_code=flow.service_code, point_id=point_id, start_at=start_at,
                persons=flow.persons, language=data["language"],
                customer=Customer(name=data["name"], email=data["email"], phone=data["phone"]), now=now,
                priority_code=request.session.get(PRIORITY_CODE, "") if flow.pools else "",
                client_key=client_key(request), confirm_email=True)
        except RushPassRequired as error:
            problem, status, queue_url = "rush", 409, reverse("booking:rush_join", args=[error.release_id])
        except SlotUnavailable as error:
            problem, status = "slot", 409
            slot_problem = problem_of(error, state=state, point_id=point_id, service_code=flow.service_code,
                                      start_at=start_at, persons=flow.persons)
        except ActiveBookingExists:
            problem, status = "active", 409
        except InvalidPriorityCode as error:  # used meanwhile (another tab): the public's times from now on
            request.session.pop(PRIORITY_CODE, None)
            flow = replace(flow, pools=frozenset())
            status, code_problem = 409, _code_problem(error)
            slot_problem = start_problem(state=state, service_code=flow.service_code, point_id=point_id,
                                         start_at=start_at, now=now, persons=flow.persons, pools=flow.pools)
            problem = "slot" if slot_problem else "code"  # free for the public too: booking again books it
        else:
            if flow.pools:
                request.session.pop(PRIORITY_CODE, None)
            booked_hold(request, made.booking, made.pin)
            return redirect("booking:done")
    elif request.method == "POST":
        status = 400
    if problem is None:
        # An old link or a page left open: say now what is wrong with the time, before any typing.
        slot_problem = start_problem(state=state, service_code=flow.service_code, point_id=point_id,
                                     start_at=start_at, now=now, persons=flow.persons, pools=flow.pools)
        problem = "slot" if slot_problem else None
    if problem == "slot":
        alternatives = _alternatives(state, flow, point_id, start_at, now)
    points = _points_by_id()
    return render(request, "booking/details.html", {
        "flow": flow, "form": form, "service": _service(flow), "point": points[point_id], "start": start_at,
        "end": start_at + dt.timedelta(minutes=flow.minutes(state, point_id)), "persons": flow.persons,
        "problem": problem, "slot_problem": slot_problem, "code_problem": code_problem, "alternatives": alternatives,
        "queue_url": queue_url, "details_kept": request.method == "POST",
        "action": flow.url("pick", point=point_id, start=start_at.isoformat()),
        "day_url": flow.url("day", point=point_id, date=start_at.date().isoformat()),
        "languages": SERVICE_LANGUAGES,
    }, status=status)


@require_GET
@never_cache
def done(request):
    held = booked_get(request)
    if held is None:
        return redirect("booking:service")
    booking, pin = held
    return render(request, "booking/done.html", {
        **booking_summary(booking), **awaiting_confirmation(booking, timezone.now()), "pin": pin,
        "checklist": booking.service.checklist(get_language())})
