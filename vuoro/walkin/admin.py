from django.contrib import admin

from vuoro.network.admin import PointScopedAdmin
from vuoro.walkin.models import Ticket


@admin.register(Ticket)
class TicketAdmin(PointScopedAdmin):
    list_display = ["label", "service_point", "local_date", "status", "urgent", "issued_at", "called_at", "desk"]
    list_filter = ["service_point", "local_date", "status", "urgent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
