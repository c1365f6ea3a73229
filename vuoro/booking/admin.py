from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.db.models import Avg, Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vuoro.audit.selectors import audit_list
from vuoro.booking.models import Booking, PriorityCode, WaitlistEntry
from vuoro.booking.priority import InvalidPriorityCode, priority_code_issue
from vuoro.booking.staff import OBJECT_TYPE
from vuoro.booking.staff_selectors import booking_list_order
from vuoro.network.admin import PointScopedAdmin, ReadOnlyAdminMixin
from vuoro.network.models import Pool
from vuoro.network.roles import point_ids_of


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, PointScopedAdmin):
    """Bookings are changed through the customer's pages and the console, never edited here."""

    list_display = ["reservation_key", "service_point", "service", "start_at", "status", "persons", "channel"]
    list_filter = ["status", "service_point", "service", "channel"]
    # Staff find a booking by its key, the customer's name, e-mail or phone, and by the date.
    search_fields = ["reservation_key", "customer_name", "email_key", "customer_phone"]
    date_hierarchy = "start_at"
    # The keys kept for the look-out for hoarding are hashes and folded forms: nothing staff read.
    exclude = ["pin_hash", "email_key", "name_key", "email_shape", "client_key"]
    readonly_fields = ["staff_acts", "messages", "history"]

    def get_ordering(self, request):
        """Today's and upcoming bookings first, soonest first; then past ones, latest first."""
        return booking_list_order(now=timezone.now())

    def get_object(self, request, object_id, from_field=None):
        """A booking of another point is not found (404), rather than a redirect to the index."""
        booking = super().get_object(request, object_id, from_field)
        if booking is None:
            raise Http404
        return booking

    @admin.display(description=gettext_lazy("act for the customer"))
    def staff_acts(self, booking: Booking) -> str:
        """Cancel, move and resend live in the console's booking page, which keeps the rules and the log."""
        url = reverse("walkin:staff-booking", args=[booking.pk])
        back = reverse("admin:booking_booking_change", args=[booking.pk])
        return format_html('<a href="{}?{}">{}</a>', url, urlencode({"next": back}),
                           _("Cancel, move or send the confirmation again"))

    @admin.display(description=gettext_lazy("history"))
    def history(self, booking: Booking) -> str:
        """Who did what to the booking, when and why (the audit log)."""
        lines = [(timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
                  entry.actor.get_username() if entry.actor else _("the system"), entry.get_action_display(),
                  entry.reason) for entry in audit_list(object_type=OBJECT_TYPE, object_id=booking.pk)]
        return format_html_join("", "<div>{} {}: {}. {}</div>", lines) or "–"

    @admin.display(description=gettext_lazy("messages to the customer"))
    def messages(self, booking: Booking) -> str:
        """What the customer was told and when (the outbox, vuoro.notify), for "did they get it?"."""
        from vuoro.notify.admin import notice_state

        lines = [(f"{notice.get_event_display()}, {notice.get_channel_display()}", notice_state(notice))
                 for notice in booking.notices.order_by("id")]
        return format_html_join("", "<div>{}: {}</div>", lines) or "–"


def _pools_of(user):
    """The priority pools a staff member issues codes for: those keeping desks at their points."""
    pools = Pool.objects.filter(kind=Pool.Kind.PRIORITY)
    points = point_ids_of(user)
    if points is None:
        return pools
    return pools.filter(Q(service_points__in=points) | Q(service_points__isnull=True)).distinct()


class PriorityCodeForm(forms.ModelForm):
    valid_days = forms.IntegerField(label=gettext_lazy("valid for (days)"), min_value=1, max_value=366, initial=30)

    class Meta:
        model = PriorityCode
        fields = ["pool", "service", "valid_days", "note"]

    def clean(self):
        data = super().clean()
        pool, service = data.get("pool"), data.get("service")
        if pool and service and pool.services.exists() and not pool.services.filter(pk=service.pk).exists():
            self.add_error("service", _("This pool does not keep time for that service."))
        return data


@admin.register(PriorityCode)
class PriorityCodeAdmin(admin.ModelAdmin):
    """Issue a priority code: the code is shown once, on the page after saving, and never stored."""

    form = PriorityCodeForm
    list_display = ["hint", "pool", "service", "issued_at", "issued_by", "expires_at", "used_at"]
    list_filter = ["pool", "service"]
    search_fields = ["hint", "note"]
    readonly_fields = ["hint", "pool", "service", "issued_at", "issued_by", "expires_at", "note", "used_at",
                       "booking"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pool__in=_pools_of(request.user))

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["pool", "service", "valid_days", "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pool":
            kwargs["queryset"] = _pools_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            row, code = priority_code_issue(pool=obj.pool, service=obj.service,
                                            valid_days=form.cleaned_data["valid_days"], note=obj.note,
                                            actor=request.user, now=timezone.now())
        except InvalidPriorityCode as error:  # the form checked the same: only a race gets here
            raise forms.ValidationError(error.detail) from None
        obj.pk, obj._state.adding = row.pk, False
        obj.__dict__.update({k: v for k, v in row.__dict__.items() if not k.startswith("_")})
        messages.success(request, _("Priority code %(code)s, valid until %(until)s. Give it to the customer now: "
                                    "it is not shown again.")
                         % {"code": code, "until": timezone.localtime(row.expires_at).strftime("%Y-%m-%d %H:%M")})


class HandOffFilter(admin.SimpleListFilter):
    title = gettext_lazy("hand-off")
    parameter_name = "hand_off"

    def lookups(self, request, model_admin):
        return [("failed", _("failed at least once"))]

    def queryset(self, request, queryset):
        return queryset.filter(failed_attempts__gt=0) if self.value() == "failed" else queryset


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The waitlist, first come first served, and the days each customer gained (for insight:
    `days_gained` is stored on each entry that got a time). Changed only by the customer and the sweep.
    Entries whose hand-off failed with an error are counted here (`?hand_off=failed` lists them)."""

    list_display = ["waitlist_key", "service", "status", "from_date", "to_date", "persons", "auto_book",
                    "created_at", "baseline_date", "booked_date", "days_gained", "failed_attempts", "last_failure_at"]
    list_filter = ["status", HandOffFilter, "service", "auto_book"]
    search_fields = ["waitlist_key", "customer_name", "email_key", "customer_phone"]
    exclude = ["pin_hash", "email_key"]

    def changelist_view(self, request, extra_context=None):
        """The title carries the mean days gained of the entries listed that got a time; a warning
        says how many open entries could not be given a time because of an error."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            gained = changelist.queryset.filter(days_gained__isnull=False).aggregate(
                mean=Avg("days_gained"), count=Count("id"))
            if gained["count"]:
                response.context_data["title"] = _("Waitlist: %(count)s got a time, %(mean).1f days earlier on "
                                                   "average") % gained
            failed = WaitlistEntry.objects.filter(failed_attempts__gt=0, status__in=("waiting", "offered")).count()
            if failed:
                messages.warning(request, ngettext(
                    "%(count)s open waitlist entry could not be given a time because of an error (column "
                    "“failed hand-offs”; the server log has the details). It keeps its place and is tried again "
                    "each minute.",
                    "%(count)s open waitlist entries could not be given a time because of an error (column "
                    "“failed hand-offs”; the server log has the details). They keep their place and are tried "
                    "again each minute.", failed) % {"count": failed})
        return response
