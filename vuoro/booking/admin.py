from django.contrib import admin

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
