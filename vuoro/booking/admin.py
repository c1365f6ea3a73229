from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vuoro.booking.models import Booking
from vuoro.network.admin import PointScopedAdmin, ReadOnlyAdminMixin


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, PointScopedAdmin):
    """Bookings are changed through the customer's pages and the console, never edited here."""

    list_display = ["reservation_key", "service_point", "service", "start_at", "status", "persons", "channel"]
    list_filter = ["status", "service_point", "service", "channel"]
    search_fields = ["reservation_key", "email_key"]
    date_hierarchy = "start_at"
    exclude = ["pin_hash"]
    readonly_fields = ["messages"]

    @admin.display(description=gettext_lazy("messages to the customer"))
    def messages(self, booking: Booking) -> str:
        """What the customer was told and when (the outbox, vuoro.notify), for "did they get it?"."""
        lines = []
        for notice in booking.notices.order_by("id"):
            if notice.sent_at is not None:
                state = _("sent %(time)s") % {"time": timezone.localtime(notice.sent_at).strftime("%Y-%m-%d %H:%M")}
            elif notice.attempts:
                state = _("not sent yet (failed tries: %(count)s)") % {"count": notice.attempts}
            else:
                state = _("waiting to be sent")
            lines.append((notice.get_event_display(), state))
        return format_html_join("", "<div>{}: {}</div>", lines) or "–"
