"""Demo bookings that fill the network the way a congested system is filled.

The next four weeks are nearly full, the fill thins out towards thirteen weeks (the three-month
wait of docs/domain.md), and the past four weeks hold visits served or missed, with lead times of two
to three months, so that dashboards show real shapes. Seeded: the same day gives the same data.
"""
from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from vuoro.booking.keys import hash_pin, new_pin, new_reservation_key
from vuoro.booking.models import Booking, DayLoad
from vuoro.booking.services import dayload_refresh
from vuoro.network.state import network_state

DEMO_DOMAIN = "demo.invalid"
SERVICE_WEIGHTS = {"extended-permit": 35, "first-permit": 15, "eu-registration": 15, "residence-card": 10,
                   "citizenship": 15, "alien-passport": 5, "refugee-travel-document": 5}


def _fill_share(days_ahead: int) -> float:
    """How full a day is, by how far ahead it lies (negative: the past)."""
    if days_ahead < 0:
        return 0.93
    if days_ahead <= 28:
        return 0.97
    if days_ahead >= 91:
        return 0.0
    return 0.97 - 0.85 * (days_ahead - 28) / 63


def demo_bookings_fill(*, now: dt.datetime | None = None, seed: int = 2021) -> int:
    """Create the demo bookings unless there are some already; return how many were made."""
    if Booking.objects.filter(email_key__endswith="@" + DEMO_DOMAIN).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    state = network_state()
    rows: list[Booking] = []
    loads: dict[tuple[str, dt.date], int] = {}
    n = 0
    for point in state.points.values():
        services = [code for code in point.durations if code in state.service_ids]
        weights = [SERVICE_WEIGHTS.get(code, 5) for code in services]
        today = now.astimezone(point.zone).date()
        for opening in point.calendar.openings(today - dt.timedelta(days=28), today + dt.timedelta(days=91)):
            share = _fill_share((opening.day - today).days)
            for number in range(1, opening.desks + 1):
                desk_id = point.desk_ids.get(number)
                if desk_id is None:
                    continue
                t = opening.interval.start
                while t < opening.interval.end:
                    code = rng.choices(services, weights)[0]
                    persons = 1 if rng.random() < 0.85 else rng.randint(2, 6)
                    duration = dt.timedelta(minutes=state.visit_minutes(point, code, persons))
                    step = dt.timedelta(minutes=state.slot_minutes)
                    if t + duration > opening.interval.end or rng.random() >= share:
                        t += step
                        continue
                    n += 1
                    rows.append(_booking(rng, n, point.id, state.service_ids[code], desk_id, t, t + duration,
                                         opening.day, now, persons))
                    key = (point.id, opening.day)
                    loads[key] = loads.get(key, 0) + int(duration.total_seconds() // 60)
                    t += duration
    with transaction.atomic():
        Booking.objects.bulk_create(rows, batch_size=2000)
        for (point_id, day), minutes in loads.items():
            DayLoad.objects.update_or_create(service_point_id=point_id, date=day, defaults={"booked_minutes": minutes})
    if loads:  # the days' free cells, so availability answers from DayLoad without reading the bookings
        days = [day for _, day in loads]
        dayload_refresh(state=state, first_day=min(days), last_day=max(days))
    return len(rows)


def _booking(rng, n, point_id, service_id, desk_id, start_at, end_at, day, now, persons) -> Booking:
    lead = dt.timedelta(days=rng.uniform(55, 95), minutes=rng.uniform(0, 600))
    created_at = min(start_at - lead, now - dt.timedelta(minutes=5)) if start_at > now else start_at - lead
    if start_at > now:
        status = Booking.Status.CONFIRMED
    else:
        status = Booking.Status.NO_SHOW if rng.random() < 0.08 else Booking.Status.DONE
    key = new_reservation_key()
    email = f"demo-{n}@{DEMO_DOMAIN}"
    return Booking(reservation_key=key, pin_hash=hash_pin(key, new_pin()), service_point_id=point_id,
                   service_id=service_id, desk_id=desk_id, start_at=start_at, end_at=end_at, local_date=day,
                   status=status, persons=persons,
                   language=rng.choices(["fi", "sv", "en"], [35, 5, 60])[0], customer_name=f"Demo Customer {n}",
                   customer_email=email, email_key=email, customer_phone="", created_at=created_at)
