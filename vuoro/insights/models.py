"""Insight: what customers wait and what the desks did, recorded for managers and analysts."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InsightAccess(models.Model):
    """No table: it only carries the permission to read the insight pages and their CSV
    (the analyst role has it and nothing else that shows personal data)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_insights", _("Can read the insight pages and their CSV"))]


NETWORK = ""  # LeadTimeSample.service_point for the network-wide row of a service


class LeadTimeSample(models.Model):
    """What the wait was in one hour, for one service at one point or across the network: recorded by
    the worker (vuoro.insights.recording). Codes and ids are kept as text, not as keys, so the history
    outlives a point or service taken out of the network. No personal data."""

    hour_at = models.DateTimeField(_("hour"))  # the start of the hour (UTC) this sample stands for
    service = models.CharField(_("service"), max_length=64)
    # NETWORK ("") = every point offering the service: its earliest first free time, its starts summed.
    service_point = models.CharField(_("service point"), max_length=64, blank=True)
    first_free_at = models.DateTimeField(_("first free time"), null=True, blank=True)
    days_to_first_free = models.PositiveIntegerField(_("days to the first free time"), null=True, blank=True)
    # Offered starts (start times the public could book, each once however many desks were free at it)
    # in the local dates today ... today + n - 1.
    starts_7_days = models.PositiveIntegerField(_("offered starts in 7 days"), default=0)
    starts_30_days = models.PositiveIntegerField(_("offered starts in 30 days"), default=0)
    starts_90_days = models.PositiveIntegerField(_("offered starts in 90 days"), default=0)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("lead time sample")
        verbose_name_plural = _("lead time samples")
        constraints = [models.UniqueConstraint(fields=["hour_at", "service", "service_point"],
                                               name="lead_time_sample_once_an_hour")]
        indexes = [models.Index(fields=["service", "service_point", "hour_at"], name="lead_time_sample_series")]


class LeadTimeRun(models.Model):
    """One hour's recording: when it began and ended, how many samples it wrote, and the error that
    stopped it, if one did (shown to staff on the insight page)."""

    hour_at = models.DateTimeField(_("hour"), unique=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    samples = models.PositiveIntegerField(_("samples written"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("lead time recording")
        verbose_name_plural = _("lead time recordings")


class LeadTimeDay(models.Model):
    """A local day (the network's zone) of LeadTimeSample rows summed, so that the insight page reads
    a few rows a day instead of every hour's: kept up to date by each recording
    (vuoro.insights.recording.lead_time_days_refresh), remade from the samples whenever asked."""

    day = models.DateField(_("day"))
    service = models.CharField(_("service"), max_length=64)
    service_point = models.CharField(_("service point"), max_length=64, blank=True)  # NETWORK: the network
    hours = models.PositiveIntegerField(default=0)  # hours recorded
    hours_without = models.PositiveIntegerField(default=0)  # ... of which nothing was free within the horizon
    days_sum = models.PositiveBigIntegerField(default=0)  # days to the first free time, summed over the others
    starts_30_days_sum = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "service", "service_point"],
                                               name="lead_time_day_once")]
        indexes = [models.Index(fields=["service", "day"], name="lead_time_day_service"),  # every point's days
                   models.Index(fields=["service", "service_point", "day"], name="lead_time_day_series")]


from vuoro.insights.figures_models import (  # noqa: E402, F401
    FiguresCell,
    FiguresMonth,
    FiguresPointDay,
    FiguresRefresh,
    FiguresServiceDay,
)
