"""The audit log in the back office: listed and viewed, never added, changed or deleted."""
from django.contrib import admin

from vuoro.audit.models import AuditEntry
from vuoro.network.admin import ReadOnlyAdminMixin
from vuoro.network.roles import point_ids_of


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "service_point_id", "reason"]
    list_filter = ["action", "object_type", "service_point_id"]
    search_fields = ["object_id", "reason", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        points = point_ids_of(request.user)
        # A staff member sees the entries of their own points; entries of no point only administrators.
        return queryset if points is None else queryset.filter(service_point_id__in=points)

