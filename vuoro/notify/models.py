"""Messages to customers waiting to be sent: an outbox written in the change's own transaction."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vuoro.booking.models import Booking


class Notice(models.Model):
    """One message on one channel about a booking (see `Event`).

    Written in the same transaction as the change it tells of, so it exists if and only if the
    change committed. E-mail and text are separate rows: each is tried, retried and marked on its
    own, so a failing text never re-sends the e-mail. A row is pending while `next_attempt_at` is
    set; it ends sent, failed (after its last try, or at once when the address is refused) or
    skipped (the booking has moved on from what it tells of). The rows stay as a record.
    """

    class Event(models.TextChoices):
        CONFIRMED = "confirmed", _("booking confirmed")
        RESCHEDULED = "rescheduled", _("booking moved")
        CANCELLED = "cancelled", _("booking cancelled")
        REMINDER = "reminder", _("reminder")
        RECOVERY = "recovery", _("link to manage the booking")
        AGENCY_MOVED = "agency_moved", _("moved by the agency")
        AGENCY_CANCELLED = "agency_cancelled", _("cancelled by the agency")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("text message")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    # The booking's start this message is about: a message about a start the booking no longer has is skipped.
    about_start = models.DateTimeField(_("about the visit at"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    next_attempt_at = models.DateTimeField(_("next try at"), null=True, blank=True)  # None: nothing left to do
    claimed_at = models.DateTimeField(null=True, blank=True)  # a sender is at it since
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    skipped_at = models.DateTimeField(_("skipped at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["next_attempt_at", "id"], condition=Q(next_attempt_at__isnull=False),
                                name="notice_due")]
        constraints = [
            # A reminder goes once per booking, channel and start, however often the queuer runs.
            models.UniqueConstraint(fields=["booking", "event", "channel", "about_start"],
                                    condition=Q(event="reminder"), name="notice_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.channel} {self.booking_id}"
