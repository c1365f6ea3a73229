"""The kiosk in a point's hall and the live page of a queue number (on the customer's phone).

The kiosk serves one stranger after another: it speaks the language chosen with `?lang=` (never a
cookie the next customer would inherit), no answer is kept by the browser (no-store: the back
button shows nobody's number), and every screen after the start goes back to the start by itself
(a meta refresh, so without JavaScript too).
"""
from __future__ import annotations

import functools
import math

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_POST

from vuoro.apierrors import ApiError
from vuoro.booking.keys import normalise_key
from vuoro.network.models import ServicePoint, ServicePointService
from vuoro.network.state import network_state
from vuoro.walkin.forms import CheckInForm, TicketForm
from vuoro.walkin.kiosks import kiosk_cookie_set, kiosk_device_of, ticket_of_token, ticket_rate_limit, ticket_token
from vuoro.walkin.models import Ticket
from vuoro.walkin.selectors import desk_display_number, queue_estimate, queue_status
from vuoro.walkin.services import CheckInRefused, WalkInError, booking_check_in, ticket_issue

KIOSK_LANGUAGES = ("fi", "sv", "en")
# Back to the start by itself: a screen with a number or a check-in after this many seconds, a
# form a customer left half-filled (an error shown) after this many.
KIOSK_RESET_SECONDS = 30
KIOSK_FORM_RESET_SECONDS = 90
LIVE_TICKET_REFRESH_SECONDS = 15
# A check-in key that was not found is one of these: the customer is told which.
_KEY_REFUSALS = ("not_found",)


def _language(request) -> str | None:
    value = request.POST.get("lang") or request.GET.get("lang")
    return value if value in KIOSK_LANGUAGES else None


def permissions_policy_allowing(*features: str) -> str:
    """The site's Permissions-Policy with `features` let in for our own origin (for one answer)."""

    def origin(value: str) -> str:
        return value if value in ("self", "*") else f'"{value}"'

    return ", ".join(f"{feature}=({' '.join(origin(v) for v in (['self'] if feature in features else origins))})"
                     for feature, origins in settings.PERMISSIONS_POLICY.items())


def kiosk_page(view):
    """A kiosk view: the point exists, the kiosk's language, nothing cached; a registered kiosk of
    the point may use its camera (to read a booking's QR code), nobody else's page asks for one."""

    @functools.wraps(view)
    def wrapper(request, point_id: str):
        state = network_state()
        if point_id not in state.points:
            raise Http404
        point = get_object_or_404(ServicePoint, pk=point_id)
        language = _language(request)
        with translation.override(language or translation.get_language()):
            context = {"point": point, "point_id": point_id, "kiosk_language": language or "",
                       "languages": [(code, translation.get_language_info(code)["name_local"])
                                     for code in KIOSK_LANGUAGES],
                       "current_language": translation.get_language()[:2]}
            response = view(request, state, context)
        response["Cache-Control"] = "no-store"
        device = (request.kiosk_device if hasattr(request, "kiosk_device")  # looked up by the limits already
                  else kiosk_device_of(request, point_id=point_id))
        if device is not None:
            response._permissions_policy_override = permissions_policy_allowing("camera")
        return response

    return wrapper


def _offers(point_id: str):
    return ServicePointService.objects.filter(service_point_id=point_id).select_related("service")


def _start(request, state, context, *, check_in_form=None, ticket_form=None, status=200):
    point_id = context["point_id"]
    now = timezone.now()
    return render(request, "walkin/kiosk.html", {
        **context, "status": queue_status(state=state, point_id=point_id, now=now),
        "check_in_form": check_in_form or CheckInForm(),
        "ticket_form": ticket_form or TicketForm(services=_offers(point_id)),
        "reset_seconds": KIOSK_FORM_RESET_SECONDS if status != 200 else None}, status=status)


def _done(request, template: str, context: dict, *, status: int = 200):
    return render(request, template, {**context, "reset_seconds": KIOSK_RESET_SECONDS,
                                      "book_url": request.build_absolute_uri(reverse("booking:service"))},
                  status=status)


@kiosk_page
def kiosk(request, state, context):
    return _start(request, state, context)


@require_POST
@kiosk_page
def kiosk_check_in(request, state, context):
    point_id = context["point_id"]
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _start(request, state, context, check_in_form=form, status=422)
    try:
        booking = booking_check_in(state=state, reservation_key=normalise_key(form.cleaned_data["reservation_key"]),
                                   point_id=point_id, now=timezone.now())
    except CheckInRefused as refused:
        if refused.reason in _KEY_REFUSALS:  # the customer's typing stays, with what is wrong beside it
            form.add_error("reservation_key", CheckInForm.NOT_FOUND)
            return _start(request, state, context, check_in_form=form, status=409)
        return _done(request, "walkin/kiosk_refused.html", {
            **context, "status": queue_status(state=state, point_id=point_id, now=timezone.now()),
            "reason": refused.reason}, status=409)
    return _done(request, "walkin/kiosk_checked_in.html", {**context, "booking": booking})


@require_POST
@kiosk_page
def kiosk_ticket(request, state, context):
    point_id = context["point_id"]
    now = timezone.now()
    refused = {**context, "status": queue_status(state=state, point_id=point_id, now=now)}
    try:
        device = ticket_rate_limit(request, point_id=point_id, now=now)
    except ApiError as error:
        if error.status != 429:
            raise
        seconds = int((error.headers or {}).get("Retry-After", "60"))
        response = _done(request, "walkin/kiosk_refused.html", {
            **refused, "reason": "too_many", "minutes": max(1, math.ceil(seconds / 60))}, status=429)
        response["Retry-After"] = str(seconds)
        return response
    form = TicketForm(request.POST, services=_offers(point_id))
    if not form.is_valid():
        return _start(request, state, context, ticket_form=form, status=422)
    try:
        issued = ticket_issue(state=state, point_id=point_id, service_code=form.cleaned_data["service"] or None,
                              language=translation.get_language()[:2], now=now,
                              phone=form.cleaned_data["phone"], channel="online" if form.cleaned_data["phone"]
                              else "kiosk")
    except WalkInError as error:
        return _done(request, "walkin/kiosk_refused.html", {**refused, "reason": error.code}, status=409)
    live_path = reverse("walkin:ticket-live", args=[ticket_token(issued.ticket)])
    response = _done(request, "walkin/kiosk_ticket.html", {
        **context, "issued": issued, "ticket": issued.ticket, "live_path": live_path,
        "live_url": request.build_absolute_uri(live_path)})
    if device is not None:
        kiosk_cookie_set(response, device)  # a kiosk in use never reaches the cookie's end
    return response


def ticket_live(request, ticket_token: str):
    """A queue number's own page: where it is in the line and what to do when called. No name, no
    phone number: whoever holds the token sees only the number, its matter and its place."""
    ticket = ticket_of_token(ticket_token)
    if ticket is None:
        raise Http404
    state = network_state()
    point = state.points.get(ticket.service_point_id)
    if point is None:
        raise Http404
    now = timezone.now()
    language = _language(request) or ticket.language
    today = now.astimezone(point.zone).date() == ticket.local_date
    estimate = (queue_estimate(state=state, point_id=ticket.service_point_id, now=now, ticket=ticket)
                if today and ticket.status == Ticket.Status.WAITING else None)
    live = today and ticket.status in (Ticket.Status.WAITING, Ticket.Status.CALLED)
    with translation.override(language if language in KIOSK_LANGUAGES else "fi"):
        response = render(request, "walkin/ticket_live.html", {
            "ticket": ticket, "point": ticket.service_point, "estimate": estimate, "today": today,
            "desk": desk_display_number(point, ticket.desk) if ticket.desk_id else "",
            "refresh_seconds": LIVE_TICKET_REFRESH_SECONDS if live else None,
            "languages": [(code, translation.get_language_info(code)["name_local"]) for code in KIOSK_LANGUAGES],
            "current_language": translation.get_language()[:2]})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
