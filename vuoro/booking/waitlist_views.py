"""The waitlist's public pages: join (from the booking pages when no time suits), ask for an
earlier time (from the manage page), see or leave an entry with its key and PIN, and the
one-click link of an offer (GET shows, POST takes the time).

Works without JavaScript; the link is signed (vuoro.booking.waitlist.offer_token) and dies when
the offer ends (taken, lapsed or cancelled).
"""
from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from vuoro.booking.forms import EarlierForm, ManageForm, WaitlistForm
from vuoro.booking.keys import normalise_key
from vuoro.booking.models import WaitlistEntry
from vuoro.booking.page_context import booking_summary
from vuoro.booking.services import BookingError, Customer
from vuoro.booking.session import managed_booking
from vuoro.booking.waitlist import (
    last_bookable_date,
    offer_token,
    offer_token_entry,
    today,
    waitlist_accept,
    waitlist_authorise,
    waitlist_cancel,
    waitlist_join,
    waitlist_join_move,
)
from vuoro.network.models import Service
from vuoro.network.state import network_state


@require_http_methods(["GET", "POST"])
@never_cache
def offer(request, token: str):
    """The held time and two buttons: take it, or give it up (it goes to the next in line)."""
    now = timezone.now()
    entry = offer_token_entry(token, now=now)
    if entry is None:
        return render(request, "booking/waitlist_offer_dead.html", status=410)
    hold = entry.hold
    context = {**booking_summary(hold), "entry": entry, "token": token,
               "held_until": timezone.localtime(hold.held_until, hold.service_point_zone),
               "old": booking_summary(entry.booking) if entry.booking_id else None}
    if request.method == "GET":
        return render(request, "booking/waitlist_offer.html", context)
    if request.POST.get("answer") == "decline":
        waitlist_cancel(entry=entry, now=now)
        return render(request, "booking/waitlist_offer_done.html", {**context, "declined": True})
    try:
        entry = waitlist_accept(entry=entry, now=now)
    except BookingError as error:
        return render(request, "booking/waitlist_offer.html", {**context, "problem": error.detail}, status=409)
    return render(request, "booking/waitlist_offer_done.html", {**booking_summary(entry.booked), "entry": entry,
                                                                "declined": False})


# --- joining, and seeing or leaving an entry -------------------------------------------------------

ENTRY = "waitlist_entry"  # the session's signed-in entry: its id


@require_http_methods(["GET", "POST"])
@never_cache
def join(request):
    """Join the waitlist for a service (from the booking pages when no time suits)."""
    state = network_state()
    code = request.GET.get("service", "")
    if code not in state.service_ids:
        return redirect("booking:service")
    service = Service.objects.get(code=code)
    now = timezone.now()
    initial = {"from_date": today(state, now), "to_date": min(today(state, now) + dt.timedelta(days=30),
                                                              last_bookable_date(state, now)),
               "language": get_language()[:2]}
    form = WaitlistForm(request.POST or None, initial=initial)
    problem = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["to_date"] < today(state, now):
            form.add_error("to_date", _("The latest date must not be in the past."))
        elif data["to_date"] > last_bookable_date(state, now):
            form.add_error("to_date", _("The latest date is beyond the dates we book."))
        else:
            try:
                made = waitlist_join(
                    state=state, service_code=code, point_ids=[], from_date=max(data["from_date"], today(state, now)),
                    to_date=data["to_date"], persons=data["persons"], language=data["language"],
                    auto_book=data["auto_book"], now=now,
                    customer=Customer(name=data["name"], email=data["email"], phone=data["phone"]))
            except BookingError as error:
                problem = error.code
            else:
                request.session.cycle_key()
                request.session[ENTRY] = made.entry.pk
                return render(request, "booking/waitlist_joined.html", {"entry": made.entry, "pin": made.pin})
    return render(request, "booking/waitlist_join.html", {"form": form, "service": service, "problem": problem},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@never_cache
def status_sign_in(request):
    """See a waitlist entry: its key and PIN (the booking's PIN for an earlier-time request)."""
    form = ManageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = waitlist_authorise(waitlist_key=normalise_key(form.cleaned_data["reservation_key"]),
                                   pin=form.cleaned_data["pin"], now=timezone.now())
        if entry is not None:
            request.session.cycle_key()
            request.session[ENTRY] = entry.pk
            return redirect("booking:waitlist_entry")
        form.add_error(None, _("No waitlist entry has that key and PIN."))
    return render(request, "booking/waitlist_sign_in.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _session_entry(request) -> WaitlistEntry | None:
    pk = request.session.get(ENTRY)
    return WaitlistEntry.objects.select_related("service", "hold", "booked").filter(pk=pk).first() if pk else None


@require_http_methods(["GET", "POST"])
@never_cache
def entry_view(request):
    """The entry's status; POST leaves the waitlist."""
    entry = _session_entry(request)
    if entry is None:
        return redirect("booking:waitlist_status")
    if request.method == "POST":
        entry = waitlist_cancel(entry=entry, now=timezone.now())
        entry = _session_entry(request)
    context = {"entry": entry}
    if entry.status == WaitlistEntry.Status.OFFERED and entry.hold is not None:
        context.update({**booking_summary(entry.hold), "offer_token": offer_token(entry),
                        "held_until": timezone.localtime(entry.hold.held_until, entry.hold.service_point_zone)})
    elif entry.booked is not None:
        context.update(booking_summary(entry.booked))
    return render(request, "booking/waitlist_entry.html", context)


@require_http_methods(["POST"])
@never_cache
def earlier(request):
    """From the manage page: find me an earlier time for this booking."""
    booking = managed_booking(request)
    if booking is None:
        return redirect("booking:manage")
    form = EarlierForm(request.POST)
    form.is_valid()
    now = timezone.now()
    try:
        made = waitlist_join_move(state=network_state(), booking=booking, point_ids=[], from_date=today(
            network_state(), now), to_date=None, auto_book=form.cleaned_data.get("auto_book", False), now=now)
    except BookingError as error:
        return render(request, "booking/waitlist_joined.html", {"problem": error.code, "booking": booking},
                      status=409)
    request.session[ENTRY] = made.entry.pk
    return render(request, "booking/waitlist_joined.html", {"entry": made.entry, "booking": booking})
