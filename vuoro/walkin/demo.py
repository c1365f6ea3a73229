"""The demo's past weeks as the console leaves them (kept apart from the bookings' demo): served
visits with their start and finish, some cancellations, and queue numbers with their waits, so
the insight pages show believable numbers. Only demo rows are touched; run once."""
from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from vuoro.booking.demo import DEMO_DOMAIN
from vuoro.booking.models import Booking
from vuoro.network.state import network_state
from vuoro.walkin.models import Outcome, Ticket, TicketDay


def demo_visits_history(*, now: dt.datetime, seed: int = 2026) -> int:
    """Stamp the past demo visits and add past queue numbers; returns the queue numbers made."""
    if Ticket.objects.filter(issued_at__lt=now - dt.timedelta(days=1)).exists():
        return 0
    rng = random.Random(seed)
    state = network_state()
    past = Booking.objects.filter(email_key__endswith="@" + DEMO_DOMAIN, start_at__lt=now, started_at__isnull=True)
    changed = []
    for booking in past.only("pk", "start_at", "end_at", "status", "created_at"):
        if rng.random() < 0.05:  # cancelled some days before: its time stood free, or was booked again
            booking.status, booking.cancelled_at = Booking.Status.CANCELLED, booking.start_at - dt.timedelta(
                days=rng.randint(1, 20))
            booking.cancelled_at = max(booking.cancelled_at, booking.created_at)
        elif booking.status == Booking.Status.DONE:
            booking.checked_in_at = booking.start_at - dt.timedelta(minutes=rng.randint(2, 15))
            booking.called_at = booking.start_at + dt.timedelta(minutes=rng.randint(0, 4))
            booking.started_at = booking.called_at + dt.timedelta(minutes=1)
            booking.finished_at = booking.started_at + (booking.end_at - booking.start_at) * rng.uniform(0.6, 1.3)
            booking.outcome = Outcome.APPLICATION_RECEIVED
        changed.append(booking)
    tickets, days = [], []
    for point in state.points.values():
        if not point.daily_tickets:
            continue
        today = now.astimezone(point.zone).date()
        for opening in point.calendar.openings(today - dt.timedelta(days=28), today - dt.timedelta(days=1)):
            count = min(point.daily_tickets, rng.randint(point.daily_tickets // 2, point.daily_tickets))
            days.append(TicketDay(service_point_id=point.id, date=opening.day, issued=count,
                                  turned_away=rng.randint(0, 6) if count == point.daily_tickets else 0))
            codes = list(point.durations)
            for number in range(1, count + 1):
                span = opening.interval.end - opening.interval.start
                issued = opening.interval.start + span * number / (count + 2)
                called = issued + dt.timedelta(minutes=rng.randint(0, 50))
                absent = rng.random() < 0.07
                started = called + dt.timedelta(minutes=1)
                code = rng.choice(codes)
                spent = dt.timedelta(minutes=point.durations[code] * rng.uniform(0.5, 1.4))
                tickets.append(Ticket(
                    service_point_id=point.id, local_date=opening.day, number=number,
                    service_id=state.service_ids[code], issued_at=issued, called_at=called,
                    status=Ticket.Status.NO_SHOW if absent else Ticket.Status.DONE,
                    started_at=None if absent else started, finished_at=None if absent else started + spent,
                    no_show_at=called + dt.timedelta(minutes=5) if absent else None,
                    estimated_wait_minutes=rng.randint(0, 45), outcome="" if absent else Outcome.APPLICATION_RECEIVED))
    with transaction.atomic():
        Booking.objects.bulk_update(changed, ["status", "cancelled_at", "checked_in_at", "called_at", "started_at",
                                              "finished_at", "outcome"], batch_size=2000)
        TicketDay.objects.bulk_create(days, ignore_conflicts=True)
        Ticket.objects.bulk_create(tickets, batch_size=2000, ignore_conflicts=True)
    return len(tickets)
