"""Retention: what is kept about customers, and for how long (README, "Privacy").

A daily purge clears the name, e-mail address and phone number of bookings (with the keys made
of them and the keyed hash of the booking client's address) and of queue numbers
`RETENTION_DAYS` after the visit or the cancellation, whichever is later, and keeps what the
statistics need (service, point, times, status, persons, language, outcome). It also deletes
what only served a request or a message: expired sessions, PIN guards and rate counters whose
window has passed, idempotency answers, finished outbox messages, finished task results and
places in release queues; and it clears the contact details of waitlist entries ended for the
retention period. Before a confirmed booking's address is cleared, the address is kept as confirmed
(a keyed digest, vuoro.booking.confirmed_emails), so it books at once next time; digests unused
for `CONFIRMED_EMAIL_DAYS` are deleted.

It sits above the apps (like vuoro.api) because it reaches into each of them. Every step is
one statement that may be run again: a purge killed half-way is finished by the next one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from vuoro.booking.confirmed_emails import emails_confirmed_record
from vuoro.booking.guards import PIN_WINDOW, RATE_WINDOW_LONGEST
from vuoro.booking.models import (
    Booking,
    ConfirmedEmail,
    IdempotentAnswer,
    PinGuard,
    RateCounter,
    RushPlace,
    WaitlistEntry,
)
from vuoro.notify.models import Notice
from vuoro.walkin.models import Ticket

RATE_WINDOW = RATE_WINDOW_LONGEST  # vuoro.booking.guards counts requests per clock minute and hour


@dataclass(frozen=True)
class PurgeReport:
    bookings_cleared: int
    tickets_cleared: int
    notices_deleted: int
    sessions_deleted: int
    pin_guards_deleted: int
    rate_counters_deleted: int
    idempotent_answers_deleted: int
    task_results_deleted: int
    rush_places_deleted: int = 0
    waitlist_cleared: int = 0
    confirmed_emails_kept: int = 0
    confirmed_emails_deleted: int = 0


def _past_retention(cutoff: dt.datetime) -> Q:
    """Bookings whose visit and cancellation (if any) both lie before `cutoff`."""
    return Q(end_at__lt=cutoff) & (Q(cancelled_at__isnull=True) | Q(cancelled_at__lt=cutoff))


def _notice_finished_before(cutoff: dt.datetime) -> Q:
    # Sent, and (where the outbox records them) given up on or skipped, before the cutoff.
    names = {field.name for field in Notice._meta.fields}
    finished = Q(sent_at__lt=cutoff)
    for name in ("failed_at", "skipped_at"):
        if name in names:
            finished |= Q(**{f"{name}__lt": cutoff})
    return finished


def retention_purge(*, now: dt.datetime, days: int | None = None) -> PurgeReport:
    """Clear customers' contact details and delete short-lived records older than the retention
    period (`days`, default settings.RETENTION_DAYS) at `now`; return how many rows each step touched."""
    cutoff = now - dt.timedelta(days=settings.RETENTION_DAYS if days is None else days)
    expired = Booking.objects.filter(_past_retention(cutoff))
    # A message about a booking past retention can no longer be sent (its address is gone) and
    # its record goes with the address; other messages go once finished for the retention period.
    notices = Notice.objects.filter(Q(booking__in=expired.values("pk")) | _notice_finished_before(cutoff)).delete()[0]
    cleared = dict(customer_name="", customer_email="", email_key="", customer_phone="", name_key="", email_shape="",
                   client_key="")
    # A confirmed booking's address stays known as confirmed (a digest), a never-confirmed hold's does not.
    kept = emails_confirmed_record(now=now, email_keys=expired.filter(hold_reason="").exclude(email_key="").order_by()
                                   .values_list("email_key", flat=True).distinct())
    bookings = expired.exclude(**cleared).update(**cleared)
    tickets = Ticket.objects.filter(issued_at__lt=cutoff).exclude(phone="").update(phone="")
    return PurgeReport(
        bookings_cleared=bookings,
        tickets_cleared=tickets,
        notices_deleted=notices,
        sessions_deleted=Session.objects.filter(expire_date__lt=now).delete()[0],
        pin_guards_deleted=PinGuard.objects.filter(window_start_at__lt=now - PIN_WINDOW).delete()[0],
        rate_counters_deleted=RateCounter.objects.filter(window_start_at__lt=now - RATE_WINDOW).delete()[0],
        idempotent_answers_deleted=IdempotentAnswer.objects.filter(created_at__lt=cutoff).delete()[0],
        task_results_deleted=DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()[0],
        # Places in a release's queue (keyed digests of an address and a phone): long over by then.
        rush_places_deleted=RushPlace.objects.filter(joined_at__lt=cutoff).delete()[0],
        # Waitlist entries ended for the retention period: the dates and days gained stay for insight.
        waitlist_cleared=WaitlistEntry.objects.filter(ended_at__lt=cutoff).exclude(
            customer_name="", customer_email="", email_key="", customer_phone="").update(
            customer_name="", customer_email="", email_key="", customer_phone=""),
        confirmed_emails_kept=kept,
        confirmed_emails_deleted=ConfirmedEmail.objects.filter(
            seen_at__lt=now - dt.timedelta(days=settings.CONFIRMED_EMAIL_DAYS)).delete()[0],
    )


@task()
def retention_purge_task() -> dict:
    """The daily purge; `vuoro worker` queues it (settings.PERIODIC_TASKS), it never queues itself."""
    return asdict(retention_purge(now=timezone.now()))
