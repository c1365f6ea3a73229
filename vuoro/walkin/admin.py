from django.contrib import admin

from vuoro.network.admin import PointScopedAdmin, ReadOnlyAdminMixin
from vuoro.walkin.models import Ticket


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, PointScopedAdmin):
    list_display = ["label", "service_point", "local_date", "status", "urgent", "issued_at", "called_at", "desk"]
    list_filter = ["service_point", "local_date", "status", "urgent"]
