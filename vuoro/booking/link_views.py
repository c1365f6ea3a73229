"""Managing a booking without its PIN: the signed link in every message, the one-click "I cannot
come" (asks once, then cancels), and "Lost your PIN?" (sends the link to the booking's own
address and phone).

A link opens the manage pages in this session (vuoro.booking.session keeps the booking's id and
state, not its key or PIN). A dead or tampered link gets one page that says what to do next.
"""
from __future__ import annotations

import functools

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from vuoro.booking.forms import RecoverForm
from vuoro.booking.links import manage_token_booking
from vuoro.booking.page_context import booking_summary
from vuoro.booking.recovery import booking_links_send
from vuoro.booking.services import NotChangeable, booking_cancel
from vuoro.booking.session import managed_hold


def _linked_booking(view):
    """Give the view the booking a live link names (and the moment); a dead or tampered link gets
    one page that says what to do next. (Counted under the managing limit by vuoro.limits.)"""
    @functools.wraps(view)
    def wrapped(request, token: str):
        now = timezone.now()
        booking = manage_token_booking(token, now=now)
        if booking is None:
            return render(request, "booking/link_dead.html", status=410)
        return view(request, booking, token=token, now=now)
    return wrapped


@require_GET
@never_cache
@_linked_booking
def manage_link(request, booking, *, token: str, now):
    """Open the booking the link names, in this session, and show it."""
    request.session.cycle_key()
    managed_hold(request, booking)
    return redirect("booking:manage_booking")


@require_http_methods(["GET", "POST"])
@never_cache
@_linked_booking
def cannot_come(request, booking, *, token: str, now):
    """Ask once; on yes cancel at once (the time is offered again) and offer another time."""
    changeable = booking.status == booking.Status.CONFIRMED and booking.start_at > now
    if request.method == "POST" and changeable:
        try:
            booking = booking_cancel(booking=booking, now=now)
        except NotChangeable:
            changeable = False
        else:
            request.session.cycle_key()
            managed_hold(request, booking)
            messages.success(request, _("Your booking is cancelled. The time is now free for someone else."))
            return redirect("booking:manage_booking")
    return render(request, "booking/cannot_come.html",
                  {**booking_summary(booking), "changeable": changeable, "token": token},
                  status=200 if changeable or request.method == "GET" else 409)


@require_http_methods(["GET", "POST"])
@never_cache
def recover(request):
    """The key or e-mail address in; the same answer out, whether a booking was found or not."""
    form = RecoverForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            now = timezone.now()
            kind, value = form.cleaned_data["who"]
            booking_links_send(**{kind: value}, now=now)
            return redirect("booking:recover_sent")
        return render(request, "booking/recover.html", {"form": form}, status=400)
    return render(request, "booking/recover.html", {"form": form})


@require_GET
def recover_sent(request):
    return render(request, "booking/recover_sent.html")
