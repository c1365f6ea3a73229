"""Staff see every message and its fate; the failed ones are a filter away (state: failed)."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vuoro.network.admin import PointScopedAdmin, ReadOnlyAdminMixin
from vuoro.notify.models import Notice


def _time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def notice_state(notice: Notice) -> str:
    """What became of a message, in a few words for staff."""
    if notice.sent_at is not None:
        return _("sent %(time)s") % {"time": _time(notice.sent_at)}
    if notice.failed_at is not None:
        return _("FAILED %(time)s: %(error)s") % {"time": _time(notice.failed_at), "error": notice.last_error}
    if notice.skipped_at is not None:
        return _("not sent, no longer true: %(reason)s") % {"reason": notice.last_error}
    if notice.attempts:
        return _("not sent yet (failed tries: %(count)s, next %(time)s)") % {
            "count": notice.attempts, "time": _time(notice.next_attempt_at) if notice.next_attempt_at else "–"}
    return _("waiting to be sent")


class StateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("failed", _("failed")), ("waiting", _("waiting to be sent")), ("sent", _("sent")),
                ("skipped", _("skipped"))]

    def queryset(self, request, queryset):
        return {
            "failed": lambda: queryset.filter(failed_at__isnull=False),
            "waiting": lambda: queryset.filter(next_attempt_at__isnull=False),
            "sent": lambda: queryset.filter(sent_at__isnull=False),
            "skipped": lambda: queryset.filter(skipped_at__isnull=False),
        }.get(self.value(), lambda: queryset)()


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, PointScopedAdmin):
    """Every message to customers; `?state=failed` is the list of those that could not be sent."""

    point_field = "booking__service_point"
    list_display = ["created_at", "about", "event", "channel", "state", "attempts"]
    list_filter = [StateFilter, "event", "channel"]
    list_select_related = ["booking"]
    search_fields = ["booking__reservation_key", "booking__email_key", "subject_label"]
    date_hierarchy = "created_at"
    exclude = ["claimed_at", "subject_kind", "subject_id"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, notice: Notice) -> str:
        return notice_state(notice)

    @admin.display(description=gettext_lazy("about"))
    def about(self, notice: Notice) -> str:
        return str(notice.booking) if notice.booking_id else notice.subject_label

    def get_queryset(self, request):
        # A message about a booking belongs to the booking's point; any other, to its own point.
        queryset = super(PointScopedAdmin, self).get_queryset(request)
        points = self._points(request)
        if points is None:
            return queryset
        return queryset.filter(Q(booking__service_point__in=points) | Q(service_point__in=points))

    def _allowed(self, request, obj) -> bool:
        points = self._points(request)
        if obj is None or points is None:
            return True
        return (obj.booking.service_point_id if obj.booking_id else obj.service_point_id) in points
