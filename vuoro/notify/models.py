"""Messages to customers waiting to be sent: an outbox written in the change's own transaction."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vuoro.booking.models import Booking


class Notice(models.Model):
    """One message to send about a booking (see `Event`).

    Written in the same transaction as the change it tells of, so it exists if and only if the
    change committed; the worker sends it and stamps `sent_at`. The rows stay as a record of
    what was sent and when.
    """

    class Event(models.TextChoices):
        CONFIRMED = "confirmed", _("booking confirmed")
        RESCHEDULED = "rescheduled", _("booking moved")
        CANCELLED = "cancelled", _("booking cancelled")
        REMINDER = "reminder", _("reminder")
        RECOVERY = "recovery", _("link to manage the booking")
        AGENCY_MOVED = "agency_moved", _("moved by the agency")
        AGENCY_CANCELLED = "agency_cancelled", _("cancelled by the agency")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(max_length=16, choices=Event.choices)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)  # a sender is at it since
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="notice_pending")]

    def __str__(self) -> str:
        return f"{self.event} {self.booking_id}"
