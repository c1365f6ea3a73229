"""The worker's hourly record of the wait: for each service at each point and across the network,
days to the first free time and the offered starts in the next 7/30/90 days (models.LeadTimeSample).

A sample is unique per (hour, service, point), written with conflicts ignored: two workers, or a
run started again in the same hour, record each one once. A run killed half-way keeps what it
wrote; the next run (the same hour, else the next) writes the rest of its own hour. An error is
logged, kept on the hour's LeadTimeRun (the insight page shows it to staff) and raised again, so
the task is marked failed too.
"""
from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from vuoro.insights.leadtimes import free_starts_by_point, lead_time_list
from vuoro.insights.models import NETWORK, LeadTimeDay, LeadTimeRun, LeadTimeSample
from vuoro.network.state import NetworkState
from vuoro.scheduling.leadtime import earliest_days

logger = logging.getLogger("vuoro.insights")


def hour_of(now: dt.datetime) -> dt.datetime:
    """The start of `now`'s hour, in UTC: the key a sample is recorded under."""
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def lead_time_samples(*, state: NetworkState, service_code: str, now: dt.datetime) -> list[LeadTimeSample]:
    """One service's samples at `now` (unsaved): each point offering it, then the network (NETWORK):
    the earliest first free time of any point, and the offered starts of all points summed."""
    hour_at = hour_of(now)
    starts = free_starts_by_point(state=state, service_code=service_code, now=now)
    samples = []
    for item in lead_time_list(state=state, now=now, service_code=service_code):
        counts = starts.get(item.service_point, {})
        samples.append(LeadTimeSample(
            hour_at=hour_at, service=service_code, service_point=item.service_point, first_free_at=item.first_free_at,
            days_to_first_free=item.days_to_first_free, starts_7_days=counts.get(7, 0),
            starts_30_days=counts.get(30, 0), starts_90_days=counts.get(90, 0), recorded_at=now))
    if samples:
        firsts = [s.first_free_at for s in samples if s.first_free_at is not None]
        samples.append(LeadTimeSample(
            hour_at=hour_at, service=service_code, service_point=NETWORK, first_free_at=min(firsts, default=None),
            days_to_first_free=earliest_days(s.days_to_first_free for s in samples),
            starts_7_days=sum(s.starts_7_days for s in samples), starts_30_days=sum(s.starts_30_days for s in samples),
            starts_90_days=sum(s.starts_90_days for s in samples), recorded_at=now))
    return samples


def lead_times_record(*, state: NetworkState, now: dt.datetime) -> int:
    """Record the hour of `now` for every service; returns how many samples the hour gained (0 when it
    was recorded already; another worker's at the same time may count in)."""
    hour_at = hour_of(now)
    run, _ = LeadTimeRun.objects.get_or_create(hour_at=hour_at, defaults={"started_at": now})
    if run.finished_at is not None and not run.error:
        return 0
    before = LeadTimeSample.objects.filter(hour_at=hour_at).count()
    try:
        for code in sorted(state.service_ids):
            samples = lead_time_samples(state=state, service_code=code, now=now)
            with transaction.atomic():  # one service at a time: a killed run keeps the services done
                LeadTimeSample.objects.bulk_create(samples, ignore_conflicts=True)
    except Exception as error:
        logger.exception("recording the lead times of %s failed", hour_at.isoformat())
        LeadTimeRun.objects.filter(pk=run.pk).update(error=f"{type(error).__name__}: {error}"[:2000],
                                                     finished_at=None)
        raise
    lead_time_days_refresh(zone=state.timezone, first_at=hour_at, last_at=hour_at)
    recorded = LeadTimeSample.objects.filter(hour_at=hour_at).count()
    LeadTimeRun.objects.filter(pk=run.pk).update(finished_at=now, samples=recorded, error="")
    return recorded - before


def lead_time_days_refresh(*, zone: ZoneInfo, first_at: dt.datetime | None = None,
                           last_at: dt.datetime | None = None) -> int:
    """Remake the daily sums (LeadTimeDay) of the local days (in `zone`) that hold the hours
    `first_at` ... `last_at` (None: from the first sample, to the last), from their samples; returns
    the rows written. Idempotent: two workers at once write the same sums."""
    samples = LeadTimeSample.objects.all()
    if first_at is not None:  # whole local days: from the start of first_at's day to the end of last_at's
        start = dt.datetime.combine(first_at.astimezone(zone).date(), dt.time(), tzinfo=zone)
        samples = samples.filter(hour_at__gte=start)
    if last_at is not None:
        end = dt.datetime.combine(last_at.astimezone(zone).date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        samples = samples.filter(hour_at__lt=end)
    rows = [LeadTimeDay(day=row["day"], service=row["service"], service_point=row["service_point"],
                        hours=row["hours"], hours_without=row["without"], days_sum=row["days"] or 0,
                        starts_30_days_sum=row["starts"] or 0)
            for row in samples.annotate(day=TruncDate("hour_at", tzinfo=zone))
            .values("day", "service", "service_point")
            .annotate(hours=Count("id"), without=Count("id", filter=Q(days_to_first_free__isnull=True)),
                      days=Sum("days_to_first_free"), starts=Sum("starts_30_days")).order_by()]
    LeadTimeDay.objects.bulk_create(rows, batch_size=2000, update_conflicts=True,
                                    unique_fields=["day", "service", "service_point"],
                                    update_fields=["hours", "hours_without", "days_sum", "starts_30_days_sum"])
    return len(rows)


def last_run_get() -> LeadTimeRun | None:
    """The latest hour's recording, finished or not."""
    return LeadTimeRun.objects.order_by("-hour_at").first()
