"""A release's queue as pages, without JavaScript: join with an e-mail address, then a page that
says the place and when to come back (and reloads itself then, at the earliest the server says).
Once admitted, the pass is kept in the session, and the booking pages use it."""
from __future__ import annotations

import math

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from vuoro.booking.forms import QueueForm
from vuoro.booking.rush import NoRush, RushError, rush_join, rush_status
from vuoro.network.state import NetworkState, network_state

SESSION_PASS = "rush_pass"
REFRESH_AT_MOST_SECONDS = 600  # a page reloads itself no later than this, to show the estimate afresh


def _release(state: NetworkState, release_id: int):
    release = state.releases.get(release_id)
    if release is None or release.rush is None:
        raise Http404("No release with a queue has that id.")
    return release


def _shown(value, zone) -> str:
    """An instant as local date and time in the active language."""
    return date_format(value.astimezone(zone).replace(tzinfo=None), "SHORT_DATETIME_FORMAT") if value else ""


def _context(state: NetworkState, release) -> dict:
    zone = state.timezone
    first, last = (date_format(d, "SHORT_DATE_FORMAT") for d in (release.first_date, release.last_date))
    return {"release": release, "rate": release.rush.admit_per_minute, "days": f"{first}–{last}",
            "opens_at": _shown(release.opens_at, zone), "window_start": _shown(release.rush.window_start, zone),
            "draw_at": _shown(release.rush.draw_at, zone)}


@never_cache
@require_http_methods(["GET", "POST"])
def queue_join(request, release_id: int):
    state = network_state()
    release = _release(state, release_id)
    form = QueueForm(request.POST or None)
    now = timezone.now()
    problem, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            joined = rush_join(state=state, release_id=release.id, email=form.cleaned_data["email"],
                               phone=form.cleaned_data["phone"], now=now)
        except NoRush:
            raise Http404("No release with a queue has that id.") from None
        except RushError:
            problem, status = "early", 409
        else:
            if joined.queue_key is None:  # the rush is over: book as usual
                return redirect("booking:service")
            return redirect("booking:rush_status", release_id=release.id, queue_key=joined.queue_key)
    elif request.method == "POST":
        status = 400
    not_yet = now < release.rush.window_start
    return render(request, "booking/rush_join.html", {**_context(state, release), "form": form, "problem": problem,
                                                      "not_yet": not_yet}, status=status)


@never_cache
@require_GET
def queue_status(request, release_id: int, queue_key: str):
    state = network_state()
    release = _release(state, release_id)
    now = timezone.now()
    try:
        status = rush_status(state=state, release_id=release.id, queue_key=queue_key[:300], now=now)
    except RushError:
        raise Http404("No place in the queue has that key.") from None
    refresh = None
    if status.retry_at is not None:
        refresh = min(REFRESH_AT_MOST_SECONDS, max(1, math.ceil((status.retry_at - now).total_seconds())))
    if status.pass_token:
        request.session[SESSION_PASS] = status.pass_token
    zone = state.timezone
    response = render(request, "booking/rush_status.html", {
        **_context(state, release), "status": status, "auto": refresh is not None and request.GET.get("auto") == "1",
        "refresh": refresh, "wait_minutes": release.rush.wait_minutes(status.place, now) if status.place else None,
        "admitted_at": _shown(status.admitted_at, zone), "pass_expires_at": _shown(status.pass_expires_at, zone),
    })
    if refresh is not None:
        response["Retry-After"] = str(refresh)
    return response


def session_pass(request) -> str | None:
    """The pass this browser was given (for the booking pages)."""
    return request.session.get(SESSION_PASS)
