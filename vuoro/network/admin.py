"""The back office for the service network; managers act only on their own service points."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from vuoro.network.models import (
    Desk,
    NetworkSettings,
    OpeningException,
    OpeningHours,
    Service,
    ServicePoint,
    ServicePointService,
    StaffAssignment,
)
from vuoro.network.roles import point_ids_of

admin.site.site_header = _("vuoro back office")
admin.site.site_title = _("vuoro back office")
admin.site.index_title = _("Administration")


class PointScopedAdmin(admin.ModelAdmin):
    """Rows that belong to a service point: a staff member sees and edits only their own points'."""

    point_field = "service_point"

    def _points(self, request):
        return point_ids_of(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        points = self._points(request)
        return queryset if points is None else queryset.filter(**{f"{self.point_field}__in": points})

    def _allowed(self, request, obj) -> bool:
        points = self._points(request)
        return obj is None or points is None or getattr(obj, f"{self.point_field}_id") in points

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._allowed(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.point_field:
            points = self._points(request)
            if points is not None:
                kwargs["queryset"] = ServicePoint.objects.filter(id__in=points)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """Records written only by the product's own flows: listed and viewed here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OfferInline(admin.TabularInline):
    model = ServicePointService
    extra = 0
    fields = ["service", "duration_minutes"]


@admin.register(ServicePoint)
class ServicePointAdmin(PointScopedAdmin):
    point_field = "id"
    list_display = ["id", "name_fi", "address", "appointment_desks", "walk_in_desks", "daily_tickets"]
    search_fields = ["id", "name_fi", "name_sv", "name_en", "address"]
    inlines = [OfferInline]

    def _allowed(self, request, obj) -> bool:
        points = self._points(request)
        return obj is None or points is None or obj.id in points

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        points = self._points(request)
        return queryset if points is None else queryset.filter(id__in=points)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fi", "name_sv", "name_en", "duration_minutes"]
    search_fields = ["code", "name_fi", "name_sv", "name_en"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(PointScopedAdmin):
    list_display = ["service_point", "weekday", "opens_at", "closes_at"]
    list_filter = ["service_point"]


@admin.register(OpeningException)
class OpeningExceptionAdmin(PointScopedAdmin):
    list_display = ["service_point", "date", "opens_at", "closes_at", "desks"]
    list_filter = ["service_point"]
    date_hierarchy = "date"


@admin.register(Desk)
class DeskAdmin(PointScopedAdmin):
    list_display = ["service_point", "kind", "number", "active"]
    list_filter = ["service_point", "kind", "active"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(PointScopedAdmin):
    list_display = ["user", "service_point"]
    list_filter = ["service_point"]


@admin.register(NetworkSettings)
class NetworkSettingsAdmin(admin.ModelAdmin):
    list_display = ["timezone", "holidays_country", "horizon_days", "slot_minutes"]

    def has_add_permission(self, request):
        return not NetworkSettings.objects.exists() and super().has_add_permission(request)
