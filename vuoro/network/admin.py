"""The back office for the service network; managers act only on their own service points."""
from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from vuoro.network.changes import Affected, ChangeNeedsConfirmation, network_change
from vuoro.network.models import (
    Desk,
    NetworkSettings,
    OpeningException,
    OpeningHours,
    Pool,
    Release,
    RollingRelease,
    Service,
    ServicePoint,
    ServicePointService,
    StaffAssignment,
)
from vuoro.network.roles import point_ids_of
from vuoro.network.services import point_desks_sync

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


REPORTED_AT_MOST = 200  # bookings named one by one after a change (the bookings list has them all)


def affected_text(item: Affected) -> str:
    """What a change does to one booking, for the manager: key, point, local start, and its fate."""
    start = date_format(item.local_start.replace(tzinfo=None), "SHORT_DATETIME_FORMAT")
    if item.outcome == "moved":
        fate = gettext("moved to %(time)s; the customer is told") % {
            "time": date_format(item.new_local_start.replace(tzinfo=None), "TIME_FORMAT")}
    elif item.outcome == "cancelled":
        fate = gettext("cancelled: no free time left that day; the customer is told")
    else:
        fate = gettext("kept at the same time at another desk")
    return f"{item.label}, {item.point_id}, {start}: {fate}"


class GuardedChangeAdmin(PointScopedAdmin):
    """Rows that shape desk time (hours, exceptions, desks). Saving one that would leave bookings
    without a desk first shows them and asks again (the bookings are asked through
    vuoro.network.changes: the network knows none); on confirmation they are moved or cancelled
    in the same transaction, and the next page says what happened to each."""

    confirm_field = "_confirm_affected"
    confirm_template = "admin/network/confirm_affected.html"
    delete_confirmation_template = "admin/network/delete_affected.html"

    def _guarded(self, request, change, *, confirmed: bool) -> None:
        outcome = network_change(change=change, now=timezone.now(), confirmed=confirmed, actor=request.user)
        stranded = outcome.stranded
        if stranded:
            self.message_user(request, ngettext(
                "%(count)s booking was moved or cancelled; its customer is told.",
                "%(count)s bookings were moved or cancelled; each customer is told.", len(stranded))
                % {"count": len(stranded)}, messages.WARNING)
        for item in stranded[:REPORTED_AT_MOST]:
            self.message_user(request, affected_text(item), messages.WARNING)

    def _write(self, request, obj) -> None:
        """The change itself (a subclass adds what belongs to it)."""
        obj.save()

    def save_model(self, request, obj, form, change):
        self._guarded(request, lambda: self._write(request, obj), confirmed=self.confirm_field in request.POST)

    def delete_model(self, request, obj):
        # The delete page itself (render_delete_form) showed the bookings hit: its yes confirms.
        self._guarded(request, lambda: super(GuardedChangeAdmin, self).delete_model(request, obj), confirmed=True)

    def delete_queryset(self, request, queryset):
        self._guarded(request, lambda: super(GuardedChangeAdmin, self).delete_queryset(request, queryset),
                      confirmed=True)

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None and not context.get("protected") and not context.get("perms_lacking"):
            # Deleted through a queryset, so the object shown on the page keeps its primary key.
            delete = type(obj).objects.filter(pk=obj.pk).delete
            context["affected"] = [affected_text(item) for item in network_change(
                change=delete, now=timezone.now(), confirmed=True, preview=True).stranded]
        return super().render_delete_form(request, context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ChangeNeedsConfirmation as pending:
            fields = [(name, value) for name, values in request.POST.lists()
                      if name != "csrfmiddlewaretoken" for value in values]
            context = {**self.admin_site.each_context(request), "opts": self.opts, "fields": fields,
                       "title": gettext("Bookings this change would move or cancel"),
                       "affected": [affected_text(item) for item in pending.affected if item.stranded],
                       "confirm_field": self.confirm_field, "action": request.get_full_path()}
            return TemplateResponse(request, self.confirm_template, context)


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
class ServicePointAdmin(GuardedChangeAdmin):
    point_field = "id"
    list_display = ["id", "name_fi", "address", "appointment_desks", "walk_in_desks", "daily_tickets"]
    search_fields = ["id", "name_fi", "name_sv", "name_en", "address"]
    inlines = [OfferInline]

    def _allowed(self, request, obj) -> bool:
        points = self._points(request)
        return obj is None or points is None or obj.id in points

    def _write(self, request, obj) -> None:
        obj.save()
        point_desks_sync(point=obj)

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        points = self._points(request)
        return queryset if points is None else queryset.filter(id__in=points)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fi", "name_sv", "name_en", "duration_minutes", "minutes_per_extra_person",
                    "max_bookings_per_person"]
    search_fields = ["code", "name_fi", "name_sv", "name_en"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(GuardedChangeAdmin):
    list_display = ["service_point", "weekday", "opens_at", "closes_at"]
    list_filter = ["service_point"]


@admin.register(OpeningException)
class OpeningExceptionAdmin(GuardedChangeAdmin):
    list_display = ["service_point", "date", "opens_at", "closes_at", "desks"]
    list_filter = ["service_point"]
    date_hierarchy = "date"


@admin.register(Desk)
class DeskAdmin(GuardedChangeAdmin):
    list_display = ["service_point", "kind", "number", "active"]
    list_filter = ["service_point", "kind", "active"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(PointScopedAdmin):
    list_display = ["user", "service_point"]
    list_filter = ["service_point"]


@admin.register(NetworkSettings)
class NetworkSettingsAdmin(admin.ModelAdmin):
    list_display = ["timezone", "holidays_country", "horizon_days", "slot_minutes", "confirm_new_email_minutes",
                    "wait_goal_days"]

    def has_add_permission(self, request):
        return not NetworkSettings.objects.exists() and super().has_add_permission(request)


class PoolForm(forms.ModelForm):
    class Meta:
        model = Pool
        fields = ["id", "name_fi", "name_sv", "name_en", "kind", "service_points", "services", "desks",
                  "public_days_before"]

    def clean(self):
        """The network file's rules: one pool a point, and no more desks kept than a point has."""
        data = super().clean()
        desks, chosen = data.get("desks"), data.get("service_points")
        if desks is None or chosen is None:
            return data
        points = list(chosen) or list(ServicePoint.objects.all())
        for point in points:
            if desks > point.appointment_desks:
                self.add_error("desks", gettext("%(point)s has only %(count)s desks.")
                               % {"point": point.id, "count": point.appointment_desks})
        others = Pool.objects.exclude(pk=self.instance.pk if self.instance.pk else None)
        for other in others.prefetch_related("service_points"):
            theirs = {p.id for p in other.service_points.all()} or set(ServicePoint.objects.values_list("id",
                                                                                                        flat=True))
            shared = theirs & {p.id for p in points}
            if shared:
                self.add_error("service_points", gettext("%(point)s already has the pool %(pool)s (one pool a point).")
                               % {"point": sorted(shared)[0], "pool": other.pk})
        return data


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):
    """Capacity pools: desk time kept for a priority group or for staff booking (network file `[[pools]]`)."""

    form = PoolForm
    list_display = ["id", "name_fi", "kind", "desks", "public_days_before"]
    filter_horizontal = ["service_points", "services"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Times held back until a moment; administrators edit them (managers see them)."""

    list_display = ["from_date", "to_date", "opens_on", "opens_time", "rush_admit_per_minute"]
    list_filter = ["service_points", "services"]
    date_hierarchy = "opens_on"
    filter_horizontal = ["service_points", "services"]


@admin.register(RollingRelease)
class RollingReleaseAdmin(admin.ModelAdmin):
    list_display = ["days_ahead", "at"]
    filter_horizontal = ["service_points", "services"]
