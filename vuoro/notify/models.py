"""Messages to customers waiting to be sent: an outbox written in the change's own transaction."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vuoro.booking.models import Booking
from vuoro.network.models import ServicePoint


class Notice(models.Model):
    """One message on one channel about a booking (see `Event`), or about another app's subject.

    Written in the same transaction as the change it tells of, so it exists if and only if the
    change committed. E-mail and text are separate rows: each is tried, retried and marked on its
    own, so a failing text never re-sends the e-mail. A row is pending while `next_attempt_at` is
    set; it ends sent, failed (after its last try, or at once when the address is refused) or
    skipped (the booking has moved on from what it tells of). The rows stay as a record.

    A message about something other than a booking names it by a small generic reference: the
    kind of subject (the app that queued it registered a renderer for it, vuoro.notify.renderers),
    that app's own id, a label for staff, and the service point that scopes it for staff. The
    outbox knows nothing else of it. `expires_at` ends a message that would come too late.
    """

    class Event(models.TextChoices):
        CONFIRMED = "confirmed", _("booking confirmed")
        RESCHEDULED = "rescheduled", _("booking moved")
        CANCELLED = "cancelled", _("booking cancelled")
        REMINDER = "reminder", _("reminder")
        RECOVERY = "recovery", _("link to manage the booking")
        AGENCY_MOVED = "agency_moved", _("moved by the agency")
        AGENCY_CANCELLED = "agency_cancelled", _("cancelled by the agency")
        TURN_NEAR = "turn_near", _("your turn is near")
        WAITLIST_OFFERED = "waitlist_offer", _("a time held from the waitlist")
        CONFIRM_EMAIL = "confirm_email", _("confirm the e-mail address")
        UNCONFIRMED = "unconfirmed", _("released: e-mail address not confirmed")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("text message")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notices", null=True, blank=True,
                                verbose_name=_("booking"))
    # Or another app's subject. Columns with database defaults, so the booking's own INSERT need not name them.
    subject_kind = models.CharField(_("kind of subject"), max_length=16, blank=True, default="", db_default="")
    subject_id = models.PositiveBigIntegerField(_("subject's id"), null=True, blank=True)
    subject_label = models.CharField(_("about"), max_length=64, blank=True, default="", db_default="")
    # Indexed only where set (Meta): a booking's notices leave it empty, and need not update an index for it.
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="+", verbose_name=_("service point"), db_index=False)
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    # The booking's start this message is about: a message about a start the booking no longer has is skipped.
    about_start = models.DateTimeField(_("about the visit at"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    expires_at = models.DateTimeField(_("of no use after"), null=True, blank=True)  # None: never too late
    next_attempt_at = models.DateTimeField(_("next try at"), null=True, blank=True)  # None: nothing left to do
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)  # a sender is at it since
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    skipped_at = models.DateTimeField(_("skipped at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["next_attempt_at", "id"], condition=Q(next_attempt_at__isnull=False),
                                name="notice_due"),
                   models.Index(fields=["service_point"], condition=Q(service_point__isnull=False),
                                name="notice_point")]
        constraints = [
            # A reminder goes once per booking, channel and start, however often the queuer runs.
            models.UniqueConstraint(fields=["booking", "event", "channel", "about_start"],
                                    condition=Q(event="reminder"), name="notice_reminder_once"),
            # About a booking, or about another app's subject (kind, id and point), never both or neither.
            models.CheckConstraint(
                condition=Q(booking__isnull=False, subject_kind="", subject_id__isnull=True,
                            service_point__isnull=True)
                | (Q(booking__isnull=True, subject_id__isnull=False, service_point__isnull=False)
                   & ~Q(subject_kind="")),
                name="notice_one_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.channel} {self.booking_id or f'{self.subject_kind} {self.subject_id}'}"
