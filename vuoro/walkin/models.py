"""Same-day queue numbers (tickets), the daily counter that hands them out, and visit outcomes."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vuoro.network.models import Desk, Service, ServicePoint


class Outcome(models.TextChoices):
    IDENTITY_VERIFIED = "identity_verified", _("identity verified")
    APPLICATION_RECEIVED = "application_received", _("application received")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("referred elsewhere")
    APPOINTMENT_BOOKED = "appointment_booked", _("appointment booked for the customer")


class TicketDay(models.Model):
    """How many queue numbers a point has handed out on a local date: the quota's counter."""

    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    issued = models.PositiveIntegerField(default=0)
    # Requests refused because the day's quota was used up (the insight figures count them).
    turned_away = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service_point", "date"], name="one_ticket_day_per_point")]


class Ticket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        CALLED = "called", _("called")
        IN_SERVICE = "in_service", _("being served")
        DONE = "done", _("served")
        NO_SHOW = "no_show", _("did not come")

    class Channel(models.TextChoices):
        KIOSK = "kiosk", _("kiosk")
        STAFF = "staff", _("staff")
        ONLINE = "online", _("online")

    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="tickets",
                                      verbose_name=_("service point"))
    local_date = models.DateField(_("date"))
    number = models.PositiveIntegerField(_("number"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("service"))
    language = models.CharField(_("language"), max_length=2, default="fi")
    urgent = models.BooleanField(_("urgent"), default=False)
    channel = models.CharField(_("taken at"), max_length=8, choices=Channel.choices, default=Channel.KIOSK)
    phone = models.CharField(_("phone"), max_length=32, blank=True)  # online tickets: a text when 3 are ahead
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.WAITING)
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("desk"))
    issued_at = models.DateTimeField(_("issued at"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    recalled_count = models.PositiveSmallIntegerField(_("times recalled"), default=0)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("service finished at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("marked absent at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("text message sent at"), null=True, blank=True)
    # The wait the customer was told when the number was issued, to set against the wait they had.
    estimated_wait_minutes = models.PositiveIntegerField(_("estimated wait (minutes)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("queue number")
        verbose_name_plural = _("queue numbers")
        ordering = ["service_point", "local_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["service_point", "local_date", "number"], name="one_number_per_point_day"),
            models.CheckConstraint(condition=Q(number__gte=1), name="ticket_number_positive"),
            # one live queue number per phone number, point and day (API: 409 phone_has_ticket)
            models.UniqueConstraint(fields=["service_point", "local_date", "phone"],
                                    condition=Q(status__in=["waiting", "called", "in_service"]) & ~Q(phone=""),
                                    name="one_live_ticket_per_phone"),
        ]
        indexes = [models.Index(fields=["service_point", "local_date", "status"], name="ticket_point_day_status")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return ticket_label(self.number, urgent=self.urgent)


LIVE_STATUSES = (Ticket.Status.WAITING, Ticket.Status.CALLED, Ticket.Status.IN_SERVICE)


class KioskDevice(models.Model):
    """A kiosk in a point's hall, registered by its staff: its browser holds a signed cookie naming
    the point and this device, and takes queue numbers under the device's own, generous limit."""

    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="kiosk_devices",
                                      verbose_name=_("service point"))
    name = models.CharField(_("name"), max_length=100, help_text=_("Where the kiosk stands, e.g. “Hall, by the door”."))
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("registered by"))
    last_used_at = models.DateTimeField(_("last queue number at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("kiosk device")
        verbose_name_plural = _("kiosk devices")
        ordering = ["service_point", "name", "id"]

    def __str__(self) -> str:
        return f"{self.service_point_id}: {self.name}"


class PausedDesk(models.Model):
    """A desk its clerk has paused (a break, paperwork): it is offered no next call, and the wait
    estimate counts it as closed. The row exists while the pause lasts; resuming deletes it (the
    audit log keeps both acts)."""

    desk = models.OneToOneField(Desk, on_delete=models.CASCADE, primary_key=True, related_name="+",
                                verbose_name=_("desk"))
    paused_at = models.DateTimeField(_("paused at"))
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("paused by"))

    class Meta:
        verbose_name = _("paused desk")
        verbose_name_plural = _("paused desks")

    def __str__(self) -> str:
        return f"{self.desk_id} paused"


def ticket_label(number: int, *, urgent: bool = False) -> str:
    """A-001 for a queue number; U-001 when staff marked it urgent (same daily sequence)."""
    return f"{'U' if urgent else 'A'}-{number:03d}"
