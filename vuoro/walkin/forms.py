from django import forms
from django.utils.translation import gettext_lazy as _

from vuoro.booking.models import MAX_PERSONS

LANGUAGE_CHOICES = [("fi", "suomi"), ("sv", "svenska"), ("en", "English")]


def _service_choices(services, *, blank):
    choices = [(offer.service.code, offer.service.name) for offer in services]
    return [("", blank), *choices]


class CheckInForm(forms.Form):
    reservation_key = forms.CharField(label=_("Reservation key"), max_length=40, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text",
        "aria-describedby": "key-help"}))


class TicketForm(forms.Form):
    service = forms.ChoiceField(label=_("Your matter"), required=False)
    phone = forms.RegexField(label=_("Mobile number for a text message when your turn is near (optional)"),
                             regex=r"^\+?[0-9][0-9 ()-]{4,24}$", required=False, max_length=32,
                             widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = _service_choices(services, blank=_("Something else / I don't know"))


class StaffTicketForm(TicketForm):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    urgent = forms.BooleanField(label=_("Urgent: call before other queue numbers"), required=False)


class AssistedBookingForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    date = forms.DateField(label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.DateTimeField(label=_("Time"), required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.RegexField(label=_("Phone"), regex=r"^\+?[0-9][0-9 ()-]{4,24}$", required=False, max_length=32)
    persons = forms.IntegerField(label=_("Persons"), min_value=1, max_value=MAX_PERSONS, initial=1)
    language = forms.ChoiceField(label=_("Language of service"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = _service_choices(services, blank="—")

    def clean(self):
        data = super().clean()
        if data.get("start"):
            for name in ("name", "email"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        return data
