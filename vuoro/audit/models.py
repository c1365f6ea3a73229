"""The audit log: who did what to which object, when and why. Append-only.

Every other app writes here through `vuoro.audit.services.audit_record`, inside its act's own
transaction, so an entry exists if and only if the act committed. The log knows no other app:
an object is named by its type and id, and the service point by its id (for scoping), so that
every app can use it without a circle of imports. What is recorded: staff acts on bookings, every
add, change and delete in the back office, the clerk's console acts, network file loads, and
staff sign-in (README, "The audit log"). Nobody edits or deletes an entry: the back
office only shows them, and on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        BOOKING_CREATE = "booking.create", _("booked for the customer")
        BOOKING_CANCEL = "booking.cancel", _("cancelled the booking")
        BOOKING_MOVE = "booking.move", _("moved the booking")
        BOOKING_RESEND = "booking.resend_confirmation", _("sent the confirmation again")
        BOOKING_CANCEL_RESOLD = "booking.cancel_resold", _("cancelled the booking as resold")
        # The back office (every ModelAdmin, vuoro.audit.admin_site): the object's fields before and after.
        ADMIN_ADD = "admin.add", _("added in the back office")
        ADMIN_CHANGE = "admin.change", _("changed in the back office")
        ADMIN_DELETE = "admin.delete", _("deleted in the back office")
        # The clerk's console (vuoro.walkin.services).
        CONSOLE_CALL = "console.call", _("called to the desk")
        CONSOLE_RECALL = "console.recall", _("called again")
        CONSOLE_START = "console.start", _("started serving")
        CONSOLE_FINISH = "console.finish", _("finished serving")
        CONSOLE_NO_SHOW = "console.no_show", _("marked absent")
        CONSOLE_TICKET = "console.ticket", _("issued a queue number")
        CONSOLE_NO_SHOW_UNDO = "console.no_show_undo", _("undid marking absent")
        CONSOLE_TRANSFER = "console.transfer", _("transferred the customer")
        CONSOLE_PAUSE = "console.pause", _("paused the desk")
        CONSOLE_RESUME = "console.resume", _("resumed the desk")
        # A kiosk registered in a point's hall (vuoro.walkin.kiosks; revoking is a back-office change).
        KIOSK_REGISTER = "kiosk.register", _("registered a kiosk")
        # A priority code issued for a capacity pool (vuoro.booking.priority).
        PRIORITY_CODE_ISSUE = "priority_code.issue", _("issued a priority code")
        # A network file loaded (vuoro loadnetwork).
        NETWORK_LOAD = "network.load", _("loaded a network file")
        # Staff sign-in (Django's auth signals); a failed one names the username tried, never the password.
        SIGN_IN = "auth.sign_in", _("signed in")
        SIGN_OUT = "auth.sign_out", _("signed out")
        SIGN_IN_FAILED = "auth.sign_in_failed", _("failed to sign in")

    at = models.DateTimeField(_("when"))
    # PROTECT: a staff member who acted is deactivated, never deleted, or their entries would lose them.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("who"))
    action = models.CharField(_("what"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=64)
    service_point_id = models.CharField(_("service point"), max_length=64, blank=True, default="")
    reason = models.TextField(_("why"), blank=True, default="")
    # The object's state before and after (time, place, status): never the customer's contact
    # details, which the retention purge must be able to clear from every table.
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["service_point_id", "at"], name="audit_point_at"),
        ]

    def __str__(self) -> str:
        at = timezone.localtime(self.at)
        return f"{at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_type} {self.object_id}"
