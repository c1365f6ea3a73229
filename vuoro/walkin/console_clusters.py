"""The console's look-out for hoarding: clusters of live future bookings at one's own points that
look like one hoarder's, and cancelling chosen bookings as resold, with a reason and a
confirmation step (vuoro.booking.hoarding keeps the rules, tells the customers and audits)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vuoro.booking.hoarding import booking_resold_cancel, cluster_list, resold_candidates
from vuoro.network.roles import point_ids_of
from vuoro.walkin.forms import ReasonForm

KIND_NAMES = {"client": gettext_lazy("Booked from one client"), "email": gettext_lazy("One e-mail address"),
              "phone": gettext_lazy("One phone number"), "name": gettext_lazy("Look-alike names"),
              "shape": gettext_lazy("Look-alike e-mail addresses")}


def _chosen(request) -> list[int]:
    return [int(value) for value in request.POST.getlist("booking") if value.isdigit() and len(value) < 19]


@staff_member_required
@never_cache
def clusters(request, *, form=None, status=200):
    found = cluster_list(point_ids=point_ids_of(request.user), now=timezone.now())
    for cluster in found:
        cluster.kind_name = KIND_NAMES[cluster.kind]
    return render(request, "walkin/staff_clusters.html", {
        "clusters": found, "form": form or ReasonForm(), "chosen": set(_chosen(request))}, status=status)


@require_POST
@staff_member_required
@never_cache
def clusters_cancel(request):
    """Step one shows the chosen bookings and asks again; step two (`confirmed`) cancels them."""
    form = ReasonForm(request.POST)
    chosen = _chosen(request)
    if not chosen:
        form.add_error(None, _("Choose the bookings to cancel."))
    if not form.is_valid():
        return clusters(request, form=form, status=400)
    now, points = timezone.now(), point_ids_of(request.user)
    if request.POST.get("confirmed") != "yes":
        bookings = resold_candidates(booking_ids=chosen, point_ids=points, now=now)
        return render(request, "walkin/staff_clusters_confirm.html", {
            "bookings": bookings, "reason": form.cleaned_data["reason"]}, status=200 if bookings else 409)
    outcome = booking_resold_cancel(booking_ids=chosen, point_ids=points, actor=request.user,
                                    reason=form.cleaned_data["reason"], now=now)
    if outcome.cancelled:
        messages.success(request, ngettext(
            "%(count)d booking is cancelled as resold and its customer is told.",
            "%(count)d bookings are cancelled as resold and their customers are told.",
            len(outcome.cancelled)) % {"count": len(outcome.cancelled)})
    if outcome.refused:
        messages.error(request, ngettext(
            "%(count)d booking could not be cancelled: it is cancelled already, or its time has started.",
            "%(count)d bookings could not be cancelled: they are cancelled already, or their time has started.",
            len(outcome.refused)) % {"count": len(outcome.refused)})
    return redirect("walkin:staff-clusters")
