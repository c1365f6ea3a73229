from django.contrib import admin

from vuoro.booking.models import Booking
from vuoro.network.admin import PointScopedAdmin


@admin.register(Booking)
class BookingAdmin(PointScopedAdmin):
    """Bookings are changed through the customer's pages and the console, never edited here."""

    list_display = ["reservation_key", "service_point", "service", "start_at", "status", "persons", "channel"]
    list_filter = ["status", "service_point", "service", "channel"]
    search_fields = ["reservation_key", "email_key"]
    date_hierarchy = "start_at"
    exclude = ["pin_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
