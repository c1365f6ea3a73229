"""The back office for guidance: administrators edit the rules; the counts are read-only."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from vuoro.guidance import decide
from vuoro.guidance.models import GuidanceLinks, GuidanceRecord, GuidanceRule
from vuoro.guidance.selectors import matter_choices


class GuidanceRuleForm(forms.ModelForm):
    class Meta:
        model = GuidanceRule
        fields = ["priority", "active", "matter", "in_country", "strong_eid", "urgent", "outcome", "service",
                  "message_fi", "message_sv", "message_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "matter" not in self.fields:  # a manager sees the rule: every field is read-only, none is in the form
            return
        choices = [("", _("any matter"))] + matter_choices()
        current = self.instance.matter if self.instance and self.instance.pk else ""
        if current and current not in dict(choices):  # a matter whose service is gone: keep it visible
            choices.append((current, current))
        self.fields["matter"] = forms.ChoiceField(label=self.fields["matter"].label, choices=choices, required=False,
                                                  help_text=self.fields["matter"].help_text)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("service") and cleaned.get("outcome") not in decide.DESK_OUTCOMES:
            self.add_error("service", _("Only an appointment or a queue number can name a service."))
        return cleaned


@admin.register(GuidanceRule)
class GuidanceRuleAdmin(admin.ModelAdmin):
    form = GuidanceRuleForm
    list_display = ["priority", "matter_display", "in_country", "strong_eid", "urgent", "outcome", "service", "active"]
    list_display_links = ["priority", "matter_display"]
    list_filter = ["outcome", "active"]
    search_fields = ["matter", "message_fi", "message_sv", "message_en"]
    fieldsets = [
        (_("When"), {"fields": ["priority", "active", "matter", "in_country", "strong_eid", "urgent"]}),
        (_("Then"), {"fields": ["outcome", "service"]}),
        (_("Message to the customer"), {"fields": ["message_fi", "message_sv", "message_en"]}),
    ]

    @admin.display(description=_("matter"), ordering="matter")
    def matter_display(self, obj: GuidanceRule) -> str:
        return obj.matter or str(_("any matter"))


@admin.register(GuidanceLinks)
class GuidanceLinksAdmin(admin.ModelAdmin):
    """The one row of links (a migration makes it): administrators change it, managers see it; nobody
    adds a second or deletes it."""

    list_display = ["__str__", "online_service_url_fi", "missions_url_fi"]
    fieldsets = [
        (_("The online service (apply online)"),
         {"fields": ["online_service_url_fi", "online_service_url_sv", "online_service_url_en"]}),
        (_("The list of Finland's embassies and consulates (visit a mission abroad)"),
         {"fields": ["missions_url_fi", "missions_url_sv", "missions_url_en"]}),
    ]

    def has_add_permission(self, request):
        return not GuidanceLinks.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GuidanceRecord)
class GuidanceRecordAdmin(admin.ModelAdmin):
    list_display = ["date", "matter", "outcome", "language"]
    list_filter = ["outcome", "language", "date"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the counts are the statistics: nobody edits them away
