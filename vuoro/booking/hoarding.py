"""No hoarding: staff find clusters of live future bookings that look like one hoarder's, and
cancel them as resold (README, "No hoarding").

A cluster is the live future bookings, at the points a staff member works at, that share one
key: the client they were booked from (a keyed hash of its address), the person's e-mail key or
phone, a look-alike name (folded: case, diacritics, punctuation, word order) or a look-alike
e-mail address (its local part without digits and separators). Each kind is one GROUP BY over
the live future bookings, with the kind's threshold (settings.CLUSTER_THRESHOLDS) in HAVING.

Cancelling as resold goes through `booking_cancel` (the time is offered again at once and the
day's summary stays exact); the customer is told that the agency cancelled the booking and why
(the category, never the staff's own words); each cancellation is audited with the reason.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.booking.models import Booking
from vuoro.booking.services import LIVE_FUTURE, BookingError, NotChangeable, booking_cancel
from vuoro.booking.staff import OBJECT_TYPE, ReasonRequired, booking_snapshot

RESOLD = "resold"
# The kinds of cluster, each with the booking column it groups by.
KINDS = {"client": "client_key", "email": "email_key", "phone": "customer_phone", "name": "name_key",
         "shape": "email_shape"}
CLUSTERS_PER_KIND = 50  # the largest first
BOOKINGS_PER_CLUSTER = 200


@dataclass
class Cluster:
    kind: str
    key: str
    count: int
    bookings: list[Booking] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The key as staff see it: a client's hash only by its first digits."""
        return f"{self.key[:8]}…" if self.kind == "client" else self.key


def _live_future(point_ids: set[str] | None, now: dt.datetime):
    bookings = Booking.objects.filter(status__in=LIVE_FUTURE, start_at__gt=now)
    return bookings if point_ids is None else bookings.filter(service_point_id__in=point_ids)


def cluster_list(*, point_ids: set[str] | None, now: dt.datetime,
                 thresholds: dict[str, int] | None = None) -> list[Cluster]:
    """The clusters of live future bookings at the given points (None: every point), by kind in
    KINDS' order and the largest first, each with its bookings (earliest first)."""
    thresholds = {**settings.CLUSTER_THRESHOLDS, **(thresholds or {})}
    live = _live_future(point_ids, now)
    clusters: list[Cluster] = []
    for kind, column in KINDS.items():
        groups = (live.exclude(**{column: ""}).order_by().values(column).annotate(n=Count("id"))
                  .filter(n__gte=thresholds[kind]))
        if kind == "shape":  # look-alike, not one and the same address (that is an "email" cluster)
            groups = groups.annotate(keys=Count("email_key", distinct=True)).filter(keys__gte=2)
        groups = groups.order_by("-n", column)[:CLUSTERS_PER_KIND]
        clusters += [Cluster(kind=kind, key=group[column], count=group["n"]) for group in groups]
    if not clusters:
        return []
    wanted = Q()
    for kind in KINDS:
        keys = [c.key for c in clusters if c.kind == kind]
        if keys:
            wanted |= Q(**{f"{KINDS[kind]}__in": keys})
    by_key: dict[tuple[str, str], Cluster] = {(c.kind, c.key): c for c in clusters}
    for booking in live.filter(wanted).select_related("service", "service_point").order_by("start_at", "id"):
        for kind, column in KINDS.items():
            cluster = by_key.get((kind, getattr(booking, column)))
            if cluster is not None and len(cluster.bookings) < BOOKINGS_PER_CLUSTER:
                cluster.bookings.append(booking)
    return clusters


def resold_candidates(*, booking_ids: list[int], point_ids: set[str] | None, now: dt.datetime) -> list[Booking]:
    """The chosen bookings that are live, in the future and at the given points, earliest first."""
    return list(_live_future(point_ids, now).filter(pk__in=booking_ids, status=Booking.Status.CONFIRMED)
                .select_related("service", "service_point").order_by("start_at", "id"))


@dataclass(frozen=True)
class ResoldOutcome:
    cancelled: list[Booking]
    refused: list[int]  # ids that were no longer cancellable (cancelled, started) or not one's own


def booking_resold_cancel(*, booking_ids: list[int], point_ids: set[str] | None, actor, reason: str,
                          now: dt.datetime) -> ResoldOutcome:
    """Cancel the chosen bookings (of the given points) as resold: each in its own transaction,
    its time offered again, its customer told (agency_cancelled, category "resold") and the act
    audited with `reason` (required). A booking no longer cancellable is left and reported."""
    if not reason.strip():
        raise ReasonRequired("Give the reason for this act.")
    wanted = resold_candidates(booking_ids=booking_ids, point_ids=point_ids, now=now)
    cancelled = []
    for booking in wanted:
        try:
            with transaction.atomic():
                current = Booking.objects.select_for_update().get(pk=booking.pk)
                if current.status != Booking.Status.CONFIRMED:
                    raise NotChangeable("This booking is no longer live.")
                before = booking_snapshot(current)
                done = booking_cancel(booking=current, now=now, because=RESOLD)
                audit_record(actor=actor, action=AuditEntry.Action.BOOKING_CANCEL_RESOLD, object_type=OBJECT_TYPE,
                             object_id=done.pk, now=now, service_point_id=done.service_point_id, reason=reason,
                             before=before, after=booking_snapshot(done))
        except BookingError:
            continue
        cancelled.append(done)
    done_ids = {b.pk for b in cancelled}
    return ResoldOutcome(cancelled=cancelled, refused=[pk for pk in booking_ids if pk not in done_ids])
