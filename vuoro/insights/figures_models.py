"""The month in figures, kept as daily sums (vuoro.insights.figures_compute writes them, the
figures page reads them): one row per local date and service point, and one per local date, point
and service with any activity. Every row is recomputed from the bookings and tickets themselves,
never incremented, so a recompute run twice leaves the same rows."""
from __future__ import annotations

from django.db import models

from vuoro.network.models import Service, ServicePoint


class FiguresServiceDay(models.Model):
    """One point's, one service's figures of one local date. Histograms are JSON objects
    {value: count}: lead days, service minutes."""

    date = models.DateField()
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+", db_index=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Bookings made this local date (by the point's zone), and their lead days (visit date - this date).
    made = models.PositiveIntegerField(default=0)
    made_lead_days = models.JSONField(default=dict)
    # Visits due this date: live (not cancelled) bookings, who came, who was served, who did not come.
    visits = models.PositiveIntegerField(default=0)
    booked_minutes = models.PositiveIntegerField(default=0)
    came = models.PositiveIntegerField(default=0)
    used_minutes = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    # Came or not, and did not come, by lead-time band (figures_compute.LEAD_BANDS).
    band_due = models.JSONField(default=list)
    band_no_shows = models.JSONField(default=list)
    # Bookings of this date cancelled, their minutes, and the minutes of them booked again.
    cancelled = models.PositiveIntegerField(default=0)
    cancelled_minutes = models.PositiveIntegerField(default=0)
    rebooked_minutes = models.PositiveIntegerField(default=0)
    # Observed service minutes (start or call to finish) of served one-person bookings and of tickets.
    booking_service_minutes = models.JSONField(default=dict)
    ticket_service_minutes = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "service_point", "service"],
                                               name="figures_one_row_per_service_day")]


class FiguresPointDay(models.Model):
    """One point's figures of one local date that belong to no service: desk time offered by the
    calendar, queue numbers, and when the day was last recomputed."""

    date = models.DateField()
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+", db_index=False)
    offered_minutes = models.PositiveIntegerField(default=0)  # appointment desks × open minutes
    walk_in_offered_minutes = models.PositiveIntegerField(default=0)  # queue-number desks × open minutes
    tickets_issued = models.PositiveIntegerField(default=0)
    tickets_turned_away = models.PositiveIntegerField(default=0)
    tickets_served = models.PositiveIntegerField(default=0)
    tickets_called = models.PositiveIntegerField(default=0)
    wait_minutes = models.JSONField(default=dict)  # histogram: issue to first call, whole minutes up
    # Called tickets told an estimate at issue: how many, the estimates' sum, their real waits' sum.
    estimated = models.PositiveIntegerField(default=0)
    estimate_minutes_sum = models.PositiveIntegerField(default=0)
    estimated_wait_minutes_sum = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "service_point"], name="figures_one_row_per_point_day")]


class FiguresRefresh(models.Model):
    """A point's refresh claim: the worker that holds this row (locked, skipping rows others hold)
    recomputes the point's days; `long_date` is the local date of the last nightly long refresh."""

    service_point = models.OneToOneField(ServicePoint, on_delete=models.CASCADE, primary_key=True, related_name="+")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    long_date = models.DateField(null=True, blank=True)



class FiguresMonth(models.Model):
    """A month whose cells (FiguresCell) are built: its row is locked while they are rebuilt, so two
    workers rebuild one month one after the other."""

    month = models.DateField(primary_key=True)  # the first of the month
    built_at = models.DateTimeField(null=True, blank=True)


class FiguresCell(models.Model):
    """One month's figures summed over the days of one point (or "" for all points), one service
    (or "" for all) and one ISO week within the month (or "" for the whole month): every row the
    figures page and the service-times page show is one cell, read by its key. `data` holds the
    sums and histograms (vuoro.insights.figures.Figures.as_data)."""

    month = models.DateField()
    point_id = models.CharField(max_length=64, blank=True)
    service_code = models.CharField(max_length=64, blank=True)
    week = models.CharField(max_length=8, blank=True)  # ISO week, "2026-W13"
    data = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "point_id", "service_code", "week"],
                                               name="figures_one_cell_per_key")]
