import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from vuoro.planning.models import NETWORK_FROM_DATABASE
from vuoro.planning.today import ExtraDesksLever, Levers

MAX_TEXT_CHARS = 200_000


def network_choices(example_networks: list[str]) -> list[tuple[str, str]]:
    return [(NETWORK_FROM_DATABASE, _("The network stored in vuoro now"))] + [
        (name, _("Example network file %(name)s") % {"name": name}) for name in example_networks]


class PlanningForm(forms.Form):
    """The scenario's text and the network to run it on; a name when it is saved."""

    text = forms.CharField(label=_("Scenario (TOML)"), max_length=MAX_TEXT_CHARS, strip=False)
    network = forms.ChoiceField(label=_("Network"))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args, example_networks: list[str], saving: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = network_choices(example_networks)
        self.saving = saving

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if self.saving and not name:
            raise forms.ValidationError(_("Give the scenario a name to save it under."))
        return name


EXTRA_DESK_ROWS = 3
HISTORY_WEEKS_DEFAULT = 8


class TodayForm(forms.Form):
    """The levers of "Plan from today": plain fields, no TOML (docs/simulate.md, "Plan from today").

    Built for the network stored now: its points and services, their visit lengths and grid.
    """

    history_weeks = forms.IntegerField(
        label=_("Weeks of history"), min_value=1, max_value=52, initial=HISTORY_WEEKS_DEFAULT,
        help_text=_("Demand, no-shows and cancellations are the means of this many weeks up to yesterday."))
    weeks = forms.IntegerField(label=_("Weeks to plan"), min_value=1, initial=26)
    saturday_points = forms.MultipleChoiceField(label=_("Open on Saturdays"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    saturday_opens = forms.TimeField(label=_("Saturday opens at"), required=False, initial="09:00",
                                     widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    saturday_closes = forms.TimeField(label=_("Saturday closes at"), required=False, initial="15:00",
                                      widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    saturday_desks = forms.IntegerField(label=_("Desks on Saturdays"), min_value=1, max_value=1000, initial=1)
    saturday_until = forms.DateField(label=_("Last Saturday"), required=False,
                                     help_text=_("Empty: every Saturday of the plan."),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    deflection_percent = forms.IntegerField(
        label=_("Sent online by guidance (%)"), min_value=0, max_value=100, initial=0,
        help_text=_("Of the requests, the share the guidance sends online: no visit needed."))
    reminders = forms.BooleanField(label=_("Send reminders"), required=False)
    no_show_reduction_percent = forms.IntegerField(
        label=_("No-shows reminders prevent (%)"), min_value=0, max_value=100, initial=30,
        help_text=_("An assumption: set it from a trial of your own."))
    waitlist_percent = forms.IntegerField(
        label=_("On the waitlist (%)"), min_value=0, max_value=100, initial=0,
        help_text=_("Of the people holding a time, the share who take a time a cancellation frees earlier."))
    walk_in_percent = forms.IntegerField(
        label=_("Walk-in customers who would book instead (%)"), min_value=0, max_value=100, initial=0,
        help_text=_("Added to the demand for appointments: 0 plans the walk-in queue apart, as today."))

    def __init__(self, *args, points: list[tuple[str, str]], services: list[tuple[str, str, int]],
                 slot_minutes: int, max_weeks: int, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_minutes = slot_minutes
        self.today = today
        self.services = services
        self.fields["weeks"].max_value = max_weeks
        self.fields["weeks"].validators.append(MaxValueValidator(max_weeks))
        self.fields["weeks"].widget.attrs["max"] = max_weeks
        self.fields["saturday_points"].choices = points
        point_choices = [("", _("(none)"))] + points
        for row in range(EXTRA_DESK_ROWS):
            self.fields[f"extra_{row}_point"] = forms.ChoiceField(label=_("Service point"), choices=point_choices,
                                                                  required=False)
            self.fields[f"extra_{row}_from"] = forms.DateField(label=_("From"), required=False,
                                                               widget=forms.DateInput(attrs={"type": "date"}))
            self.fields[f"extra_{row}_until"] = forms.DateField(label=_("Until"), required=False,
                                                                widget=forms.DateInput(attrs={"type": "date"}))
            self.fields[f"extra_{row}_desks"] = forms.IntegerField(label=_("Extra desks"), min_value=1,
                                                                   max_value=1000, required=False)
        for code, name, minutes in services:
            self.fields[f"minutes_{code}"] = forms.IntegerField(
                label=name, min_value=slot_minutes, max_value=1440, initial=minutes,
                widget=forms.NumberInput(attrs={"step": slot_minutes}))

    def extra_rows(self):
        """The extra-desk rows' bound fields, row by row, for the template."""
        return [[self[f"extra_{row}_{key}"] for key in ("point", "from", "until", "desks")]
                for row in range(EXTRA_DESK_ROWS)]

    def duration_fields(self):
        return [self[f"minutes_{code}"] for code, _name, _minutes in self.services]

    def clean(self):
        data = super().clean()
        for row in range(EXTRA_DESK_ROWS):
            keys = [f"extra_{row}_{key}" for key in ("point", "from", "until", "desks")]
            given = [key for key in keys if data.get(key) not in (None, "")]
            if given and len(given) < len(keys) and not any(key in self.errors for key in keys):
                for key in keys:
                    if key not in given:
                        self.add_error(key, _("Fill in the service point, both dates and the desks, "
                                              "or leave the whole row empty."))
            first, last = data.get(f"extra_{row}_from"), data.get(f"extra_{row}_until")
            if first and last and last < first:
                self.add_error(f"extra_{row}_until", _("The last day is before the first."))
            elif last and last < self.today:
                self.add_error(f"extra_{row}_until", _("The period ended before today: the plan starts today."))
        if data.get("saturday_points"):
            opens, closes = data.get("saturday_opens"), data.get("saturday_closes")
            for key in ("saturday_opens", "saturday_closes"):
                if data.get(key) is None and key not in self.errors:
                    self.add_error(key, _("Give the Saturday hours for the points chosen."))
            if opens and closes and closes <= opens:
                self.add_error("saturday_closes", _("Saturday must close after it opens."))
            until = data.get("saturday_until")
            if until and until < self.today:
                self.add_error("saturday_until", _("The period ended before today: the plan starts today."))
        for code, _name, _minutes in self.services:
            minutes = data.get(f"minutes_{code}")
            if minutes and minutes % self.slot_minutes:
                self.add_error(f"minutes_{code}", _("Give a multiple of %(slot)d minutes (the booking grid).")
                               % {"slot": self.slot_minutes})
        return data

    def levers(self) -> Levers:
        """The cleaned form as the levers of `vuoro.planning.today`: only what differs from today."""
        data = self.cleaned_data
        extra = tuple(
            ExtraDesksLever(point_id=data[f"extra_{row}_point"], from_date=data[f"extra_{row}_from"],
                            until_date=data[f"extra_{row}_until"], desks=data[f"extra_{row}_desks"])
            for row in range(EXTRA_DESK_ROWS) if data.get(f"extra_{row}_point"))
        durations = {code: data[f"minutes_{code}"] for code, _name, minutes in self.services
                     if data[f"minutes_{code}"] != minutes}
        return Levers(
            weeks=data["weeks"], extra_desks=extra, saturday_points=tuple(data["saturday_points"]),
            saturday_opens=data.get("saturday_opens"), saturday_closes=data.get("saturday_closes"),
            saturday_desks=data["saturday_desks"], saturday_until=data.get("saturday_until"), durations=durations,
            deflection_share=data["deflection_percent"] / 100, reminders=data["reminders"],
            no_show_reduction=data["no_show_reduction_percent"] / 100, waitlist_share=data["waitlist_percent"] / 100,
            walk_in_share=data["walk_in_percent"] / 100)
