"""Demo history of the wait: twelve weeks recorded as if the worker had run them, so that the insight
page shows something on `make run`. Synthetic but believable: the wait starts near three months and
falls towards the goal (examples' extra desks and Saturday openings at work), each point and service
a little apart, with daily ups and downs. Seeded: the same day gives the same data."""
from __future__ import annotations

import datetime as dt
import math
import random

from django.utils import timezone

from vuoro.insights.models import NETWORK, LeadTimeSample
from vuoro.insights.recording import hour_of, lead_time_days_refresh
from vuoro.network.models import NetworkSettings
from vuoro.network.state import network_state

DEMO_WEEKS = 12
DEMO_EVERY_HOURS = 3  # the worker records every hour; every third keeps the demo database small
START_DAYS = 90.0


def demo_lead_time_history(*, now: dt.datetime | None = None, weeks: int = DEMO_WEEKS, seed: int = 2021) -> int:
    """Write the demo history before `now`'s hour unless some history is there; returns the samples made."""
    if LeadTimeSample.objects.exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    state = network_state()
    goal = NetworkSettings.current().wait_goal_days
    end = hour_of(now)
    hours = [end - dt.timedelta(hours=h) for h in range(weeks * 7 * 24 - DEMO_EVERY_HOURS + 1, 0, -DEMO_EVERY_HOURS)]
    # One point follows the trend, the others wait longer: the network's (the earliest) follows it too.
    point_factor = {point_id: 1.0 if n == 0 else rng.uniform(1.0, 1.4)
                    for n, point_id in enumerate(sorted(state.points))}
    rows: list[LeadTimeSample] = []
    for code in sorted(state.service_ids):
        service_factor = rng.uniform(0.85, 1.05)
        points = sorted(p.id for p in state.points_offering(code))
        for hour_at in hours:
            done = 1 - (end - hour_at) / dt.timedelta(weeks=weeks)  # 0 twelve weeks ago, 1 now
            trend = START_DAYS - (START_DAYS - goal * 0.9) * (1 - math.exp(-2.5 * done)) / (1 - math.exp(-2.5))
            daily = 1 + 0.06 * math.sin(hour_at.timestamp() / 86400 * 2 * math.pi / 7)
            samples = []
            for point_id in points:
                days = max(0, round(trend * service_factor * point_factor[point_id] * daily + rng.gauss(0, 2)))
                full = days > state.horizon_days
                starts_90 = 0 if full else max(0, round(rng.gauss(40 + 160 * done, 15)))
                samples.append(LeadTimeSample(
                    hour_at=hour_at, service=code, service_point=point_id, recorded_at=hour_at,
                    first_free_at=None if full else hour_at + dt.timedelta(days=days, hours=rng.randint(0, 8)),
                    days_to_first_free=None if full else days, starts_7_days=0 if days >= 7 else starts_90 // 12,
                    starts_30_days=0 if days >= 30 else starts_90 // 3, starts_90_days=starts_90))
            free = [s for s in samples if s.days_to_first_free is not None]
            best = min(free, key=lambda s: s.days_to_first_free, default=None)
            samples.append(LeadTimeSample(
                hour_at=hour_at, service=code, service_point=NETWORK, recorded_at=hour_at,
                first_free_at=best.first_free_at if best else None,
                days_to_first_free=best.days_to_first_free if best else None,
                starts_7_days=sum(s.starts_7_days for s in samples),
                starts_30_days=sum(s.starts_30_days for s in samples),
                starts_90_days=sum(s.starts_90_days for s in samples)))
            rows.extend(samples)
    LeadTimeSample.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    lead_time_days_refresh(zone=state.timezone)
    return len(rows)
