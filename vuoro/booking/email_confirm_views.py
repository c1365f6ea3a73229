"""The one-click link that confirms a new e-mail address (vuoro.booking.email_confirm).

GET shows the held booking and a button (mail scanners open links: opening changes nothing);
the button POSTs and confirms. Works without JavaScript. A link whose hold has ended, or that
names nothing, gets a page that says what happened and what to do next, never an error.
"""
from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from vuoro.booking.email_confirm import (
    HoldLapsed,
    booking_email_confirm,
    confirm_token_booking,
    released,
)
from vuoro.booking.page_context import booking_summary
from vuoro.booking.services import SlotUnavailable
from vuoro.booking.session import managed_hold


def _dead(request, booking, why: str, status: int = 410):
    return render(request, "booking/confirm_email_dead.html", {"booking": booking, "why": why}, status=status)


def _confirmed(request, booking, *, already: bool):
    # The link proved the mailbox, as a manage link does: the manage pages open in this session.
    request.session.cycle_key()
    managed_hold(request, booking)
    return _done(request, booking, already=already)


def _done(request, booking, *, already: bool):
    return render(request, "booking/confirm_email_done.html", {
        **booking_summary(booking), "already": already, "checklist": booking.service.checklist(get_language())})


@require_http_methods(["GET", "POST"])
@never_cache
def confirm(request, token: str):
    now = timezone.now()
    booking = confirm_token_booking(token)
    if booking is None:
        return _dead(request, None, "unknown")
    if request.method == "POST":
        try:
            done = booking_email_confirm(booking=booking, now=now)
        except HoldLapsed:
            return _dead(request, booking, "released")
        except SlotUnavailable:
            return _dead(request, booking, "closed", status=409)
        return _confirmed(request, done.booking, already=done.already)
    if booking.awaits_email_confirmation and booking.held_until > now and booking.start_at > now:
        return render(request, "booking/confirm_email.html", {
            **booking_summary(booking), "token": token,
            "held_until": timezone.localtime(booking.held_until, booking.service_point_zone)})
    if released(booking):
        return _dead(request, booking, "released")
    return _done(request, booking, already=True)
