"""Saved planning scenarios in the back office: checked as the planning page checks them."""
from django import forms
from django.contrib import admin

from vuoro.planning.forms import network_choices
from vuoro.planning.models import Scenario
from vuoro.planning.scenario import ScenarioError
from vuoro.planning.selectors import example_network_names
from vuoro.planning.services import scenario_check


class ScenarioAdminForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["name", "network", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"] = forms.ChoiceField(label=self.fields["network"].label,
                                                   choices=network_choices(example_network_names()))

    def clean(self):
        data = super().clean()
        if data.get("text") and data.get("network"):
            try:
                scenario_check(text=data["text"], network_choice=data["network"])
            except ScenarioError as error:
                self.add_error("text", list(error.problems))
        return data


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    form = ScenarioAdminForm
    list_display = ["name", "network", "created_by", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
