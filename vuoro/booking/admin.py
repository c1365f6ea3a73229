from urllib.parse import urlencode

from django.contrib import admin
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vuoro.audit.selectors import audit_list
from vuoro.booking.models import Booking
from vuoro.booking.staff import OBJECT_TYPE
from vuoro.network.admin import PointScopedAdmin, ReadOnlyAdminMixin


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, PointScopedAdmin):
    """Bookings are changed through the customer's pages and the console, never edited here."""

    list_display = ["reservation_key", "service_point", "service", "start_at", "status", "persons", "channel"]
    list_filter = ["status", "service_point", "service", "channel"]
    # Staff find a booking by its key, the customer's name, e-mail or phone, and by the date.
    search_fields = ["reservation_key", "customer_name", "email_key", "customer_phone"]
    date_hierarchy = "start_at"
    exclude = ["pin_hash"]
    readonly_fields = ["staff_acts", "messages", "history"]

    def get_object(self, request, object_id, from_field=None):
        """A booking of another point is not found (404), rather than a redirect to the index."""
        booking = super().get_object(request, object_id, from_field)
        if booking is None:
            raise Http404
        return booking

    @admin.display(description=gettext_lazy("act for the customer"))
    def staff_acts(self, booking: Booking) -> str:
        """Cancel, move and resend live in the console's booking page, which keeps the rules and the log."""
        url = reverse("walkin:staff-booking", args=[booking.pk])
        back = reverse("admin:booking_booking_change", args=[booking.pk])
        return format_html('<a href="{}?{}">{}</a>', url, urlencode({"next": back}),
                           _("Cancel, move or send the confirmation again"))

    @admin.display(description=gettext_lazy("history"))
    def history(self, booking: Booking) -> str:
        """Who did what to the booking, when and why (the audit log)."""
        lines = [(timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
                  entry.actor.get_username() if entry.actor else _("the system"), entry.get_action_display(),
                  entry.reason) for entry in audit_list(object_type=OBJECT_TYPE, object_id=booking.pk)]
        return format_html_join("", "<div>{} {}: {}. {}</div>", lines) or "–"

    @admin.display(description=gettext_lazy("messages to the customer"))
    def messages(self, booking: Booking) -> str:
        """What the customer was told and when (the outbox, vuoro.notify), for "did they get it?"."""
        from vuoro.notify.admin import notice_state

        lines = [(f"{notice.get_event_display()}, {notice.get_channel_display()}", notice_state(notice))
                 for notice in booking.notices.order_by("id")]
        return format_html_join("", "<div>{}: {}</div>", lines) or "–"
