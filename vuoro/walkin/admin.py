from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vuoro.network.admin import PointScopedAdmin, ReadOnlyAdminMixin
from vuoro.walkin.kiosks import kiosk_device_revoke
from vuoro.walkin.models import KioskDevice, Ticket


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, PointScopedAdmin):
    list_display = ["queue_number", "service_point", "local_date", "status", "urgent", "issued_at", "called_at", "desk"]
    list_filter = ["service_point", "local_date", "status", "urgent"]

    @admin.display(description=_("queue number"), ordering="number")
    def queue_number(self, ticket: Ticket) -> str:
        return ticket.label


class InUseFilter(admin.SimpleListFilter):
    title = _("in use")
    parameter_name = "in_use"

    def lookups(self, request, model_admin):
        return [("yes", _("in use")), ("no", _("revoked"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "yes")
        return queryset


@admin.register(KioskDevice)
class KioskDeviceAdmin(PointScopedAdmin):
    """Kiosks are registered on the kiosk itself (/kiosk/<point>/register/); here staff see and revoke them."""

    list_display = ["name", "service_point", "registered_at", "registered_by", "last_used_at", "in_use"]
    list_filter = ["service_point", InUseFilter]
    fields = ["service_point", "name", "registered_at", "registered_by", "last_used_at", "revoked_at", "revoked_by"]
    readonly_fields = ["service_point", "registered_at", "registered_by", "last_used_at", "revoked_at", "revoked_by"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked devices stay listed: who registered and revoked what, and when

    @admin.display(description=_("in use"), boolean=True)
    def in_use(self, obj: KioskDevice) -> bool:
        return obj.revoked_at is None

    @admin.action(description=_("Revoke the selected kiosks"), permissions=["change"])
    def revoke(self, request, queryset):
        now = timezone.now()
        count = sum(kiosk_device_revoke(device=device, actor=request.user, now=now) for device in queryset)
        self.message_user(request, ngettext("%(count)d kiosk revoked.", "%(count)d kiosks revoked.", count)
                          % {"count": count}, messages.SUCCESS)
