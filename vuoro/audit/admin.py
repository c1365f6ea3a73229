"""The audit log in the back office: listed and viewed, never added, changed or deleted.

Who reads it: administrators (superusers and the administrator role) every entry; a service point
manager the entries of their own points (staff acts on bookings, console acts, back-office
changes to their points' rows); clerks none (a booking's own history stays on its page). Nobody,
superusers included, may add, change or delete an entry.
"""
from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from vuoro.audit.models import AuditEntry
from vuoro.network.admin import ReadOnlyAdminMixin
from vuoro.network.roles import MANAGER, is_administrator, point_ids_of

KINDS = [("booking", _("staff acts on bookings")), ("console", _("the clerk's console")),
         ("admin", _("back-office changes")), ("network", _("network loads")), ("auth", _("sign-in"))]

# What an entry is about (its object_type), named for the reader; a back-office change names its model.
OBJECT_TYPES = {"booking": _("booking"), "ticket": _("queue number"), "priority code": _("priority code"),
                "sign-in": _("sign-in"), "network file": _("network file")}


def object_type_label(value: str) -> str:
    if value in OBJECT_TYPES:
        return OBJECT_TYPES[value]
    try:
        return apps.get_model(value)._meta.verbose_name
    except (LookupError, ValueError):
        return value


def may_read_audit(user) -> bool:
    """Administrators and service point managers read the audit log; nobody else."""
    return user.is_active and user.is_staff and (
        is_administrator(user) or user.groups.filter(name=MANAGER).exists())


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return KINDS

    def queryset(self, request, queryset):
        if self.value() in dict(KINDS):
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        values = model_admin.get_queryset(request).order_by().values_list("object_type", flat=True).distinct()
        return sorted(((value, object_type_label(value)) for value in values), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_kind", "object_id", "service_point_id", "reason"]
    list_filter = [KindFilter, "action", "actor", ObjectTypeFilter, "at", "service_point_id"]
    search_fields = ["object_id", "reason", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    actions = None

    @admin.display(description=_("object type"), ordering="object_type")
    def object_kind(self, entry: AuditEntry) -> str:
        return object_type_label(entry.object_type)

    def has_module_permission(self, request):
        return super().has_module_permission(request) and may_read_audit(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and may_read_audit(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        points = point_ids_of(request.user)
        # A manager sees the entries of their own points; entries of no point only administrators.
        return queryset if points is None else queryset.filter(service_point_id__in=points)
