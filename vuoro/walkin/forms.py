from django import forms
from django.utils.translation import gettext_lazy as _

from vuoro.booking.forms import DetailsForm, PageForm
from vuoro.booking.keys import KEY_RE, normalise_key
from vuoro.booking.models import MAX_PERSONS
from vuoro.contact import PHONE_INVALID, form_value, phone_normalise
from vuoro.parsing import BoundedDateField

LANGUAGE_CHOICES = [("fi", "suomi"), ("sv", "svenska"), ("en", "English")]


def _service_choices(services, *, blank):
    choices = [(offer.service.code, offer.service.name) for offer in services]
    return [("", blank), *choices]


KEY_FORM = _("A reservation key has 10 letters and digits, for example 7K3M9QX20M. Check the key "
             "in your confirmation and try again.")


class CheckInForm(forms.Form):
    NOT_FOUND = _("We found no booking with this reservation key. Check the key in your confirmation: "
                  "the letter O and the digit 0 are the same, as are I, L and 1.")
    reservation_key = forms.CharField(
        label=_("Reservation key"), max_length=40,
        error_messages={"required": _("Type the reservation key from your confirmation."), "max_length": KEY_FORM},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                      "inputmode": "text", "aria-describedby": "key-help"}))

    def clean_reservation_key(self) -> str:
        key = self.cleaned_data["reservation_key"]
        if not KEY_RE.fullmatch(normalise_key(key)):
            raise forms.ValidationError(KEY_FORM, code="invalid")
        return key


class TicketForm(forms.Form):
    # The kiosk shows one large button per matter; the console a drop-down.
    service = forms.ChoiceField(label=_("Your matter"), required=False, error_messages={
        "invalid_choice": _("This matter is not handled here. Choose one of the buttons, or “Something else”.")})
    phone = forms.CharField(label=_("Mobile number for a text message when your turn is near (optional)"),
                            required=False, max_length=32, error_messages={"max_length": PHONE_INVALID},
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = _service_choices(services, blank=_("Something else / I don't know"))

    def clean_phone(self) -> str:
        return form_value(phone_normalise, self.cleaned_data["phone"])


class KioskRegisterForm(forms.Form):
    name = forms.CharField(label=_("Name of this kiosk"), max_length=100,
                           help_text=_("Where the kiosk stands, e.g. “Hall, by the door”."))

class StaffTicketForm(TicketForm):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    urgent = forms.BooleanField(label=_("Urgent: call before other queue numbers"), required=False)


class BookingSearchForm(PageForm):
    q = forms.CharField(label=_("Reservation key, name, e-mail or phone"), max_length=200, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}))
    date = BoundedDateField(label=_("Date of the visit"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("q") or "").strip() and not data.get("date"):
            raise forms.ValidationError(_("Type what to look for, or choose a date."), code="required")
        return data


class ReasonForm(PageForm):
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             help_text=_("Kept in the booking's history with your name and the time."),
                             error_messages={"required": _("Give the reason: it is kept in the booking's history.")},
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason: it is kept in the booking's history."), code="required")
        return reason


class DeskBookingStartForm(PageForm):
    service = forms.ChoiceField(label=_("Service"), error_messages={"required": _("Choose the service.")})
    point = forms.ChoiceField(label=_("Service point"), error_messages={"required": _("Choose the service point.")})
    persons = forms.TypedChoiceField(label=_("Number of persons"), coerce=int, initial=1,
                                     choices=[(n, str(n)) for n in range(1, MAX_PERSONS + 1)])

    def __init__(self, *args, services=(), points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "—"), *services]
        self.fields["point"].choices = [("", "—"), *points]


class DeskCustomerForm(DetailsForm):
    """The customer's details as the clerk types them, checked as the public form checks them."""

    persons = None  # chosen before the time, with the service and the point
    # Beyond the caps on bookings per person: only with a reason, kept in the audit log.
    beyond_caps = forms.BooleanField(
        label=_("Book even though this customer already holds the bookings allowed"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False,
                             help_text=_("Kept in the booking's history with your name and the time."),
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Customer's full name")
        self.fields["email"].label = _("Customer's e-mail address")
        self.fields["email"].help_text = _("The confirmation is sent here.")
        self.fields["phone"].label = _("Customer's mobile phone number (optional)")

    def clean(self):
        data = super().clean()
        if data.get("beyond_caps") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for booking beyond the limit: it is kept in the "
                                       "booking's history."))
        return data
