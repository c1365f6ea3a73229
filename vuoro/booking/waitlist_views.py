"""The waitlist's public pages: the one-click link of an offer (GET shows, POST takes the time).

Works without JavaScript; the link is signed (vuoro.booking.waitlist.offer_token) and dies when
the offer ends (taken, lapsed or cancelled).
"""
from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from vuoro.booking.services import BookingError
from vuoro.booking.views import _summary
from vuoro.booking.waitlist import offer_token_entry, waitlist_accept, waitlist_cancel


@require_http_methods(["GET", "POST"])
@never_cache
def offer(request, token: str):
    """The held time and two buttons: take it, or give it up (it goes to the next in line)."""
    now = timezone.now()
    entry = offer_token_entry(token, now=now)
    if entry is None:
        return render(request, "booking/waitlist_offer_dead.html", status=410)
    hold = entry.hold
    context = {**_summary(hold), "entry": entry, "token": token,
               "held_until": timezone.localtime(hold.held_until, hold.service_point_zone),
               "old": _summary(entry.booking) if entry.booking_id else None}
    if request.method == "GET":
        return render(request, "booking/waitlist_offer.html", context)
    if request.POST.get("answer") == "decline":
        waitlist_cancel(entry=entry, now=now)
        return render(request, "booking/waitlist_offer_done.html", {**context, "declined": True})
    try:
        entry = waitlist_accept(entry=entry, now=now)
    except BookingError as error:
        return render(request, "booking/waitlist_offer.html", {**context, "problem": error.detail}, status=409)
    return render(request, "booking/waitlist_offer_done.html", {**_summary(entry.booked), "entry": entry,
                                                                "declined": False})
