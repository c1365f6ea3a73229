"""Forms of the public booking pages: what a customer types, checked as the API checks it."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vuoro.booking.keys import KEY_RE, normalise_key
from vuoro.booking.recovery import looks_like_email
from vuoro.contact import email_normalise, form_value, phone_normalise

# Names of the languages of service, each in its own language (shown with a matching lang attribute).
SERVICE_LANGUAGES = [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]


class PageForm(forms.Form):
    """Labels without a colon; Django links errors and hints to their fields (aria-describedby)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary: each field's first control, then the form's own errors."""
        links = []
        for name, errors in self.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            field = self[name]
            anchor = field.auto_id + ("_0" if isinstance(field.field.widget, forms.RadioSelect) else "")
            links += [(anchor, str(message)) for message in errors]
        return links


class DetailsForm(PageForm):
    name = forms.CharField(label=_("Full name"), max_length=200, error_messages={"required": _("Enter your name.")},
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.CharField(label=_("E-mail address"), max_length=254,
                            error_messages={"required": _("Enter your e-mail address.")},
                            help_text=_("We send the confirmation and a reminder here."),
                            widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}))
    phone = forms.CharField(label=_("Mobile phone number (optional)"), max_length=32, required=False,
                            help_text=_("For a reminder by text message, for example +358 40 123 4567."),
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    language = forms.ChoiceField(label=_("Language of service"), choices=SERVICE_LANGUAGES, widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose the language of service.")})

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."), code="required")
        return name

    def clean_email(self) -> str:
        return form_value(email_normalise, self.cleaned_data["email"])

    def clean_phone(self) -> str:
        return form_value(phone_normalise, self.cleaned_data["phone"])


class QueueForm(PageForm):
    """Joining a release's queue: the e-mail address (and phone) that name the person."""

    email = DetailsForm.base_fields["email"]
    phone = DetailsForm.base_fields["phone"]
    clean_email = DetailsForm.clean_email
    clean_phone = DetailsForm.clean_phone


class ManageForm(PageForm):
    reservation_key = forms.CharField(
        label=_("Reservation key"), max_length=32, help_text=_("10 letters and digits, for example 7KQ2M9XW4D."),
        error_messages={"required": _("Enter your reservation key.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}))
    pin = forms.CharField(
        label=_("PIN"), max_length=16, help_text=_("6 digits."),
        error_messages={"required": _("Enter your PIN.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


class RecoverForm(PageForm):
    """A lost PIN: the reservation key or the e-mail address the booking was made with."""

    who = forms.CharField(
        label=_("Reservation key or e-mail address"), max_length=254,
        help_text=_("For example 7KQ2M9XW4D or name@example.com."),
        error_messages={"required": _("Enter your reservation key or e-mail address.")},
        widget=forms.TextInput(attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}))

    def clean_who(self) -> tuple[str, str]:
        """("email", address) or ("reservation_key", normalised key)."""
        text = self.cleaned_data["who"].strip()
        if "@" in text:
            if not looks_like_email(text):
                raise forms.ValidationError(_("Enter an e-mail address like name@example.com."), code="invalid")
            return "email", text
        key = normalise_key(text)
        if not KEY_RE.fullmatch(key):
            raise forms.ValidationError(_("Enter a reservation key of 10 letters and digits, or an e-mail address."),
                                        code="invalid")
        return "reservation_key", key



class PriorityCodeForm(PageForm):
    """A code staff gave a customer of a priority group (capacity pools, vuoro.booking.priority)."""

    priority_code = forms.CharField(
        label=_("Priority code"), max_length=40,
        help_text=_("Only if the agency's staff gave you one, for example 7KQ2-M9XW-4DAB-C3EF."),
        error_messages={"required": _("Enter your priority code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}))


class WaitlistForm(DetailsForm):
    """Join the waitlist for a new booking: the dates that would do, then the contact details."""

    from_date = forms.DateField(label=_("Earliest date"), widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": _("Enter the earliest date."),
                                                "invalid": _("Enter a date like 2027-03-29.")})
    to_date = forms.DateField(label=_("Latest date"), widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": _("Enter the latest date."),
                                              "invalid": _("Enter a date like 2027-03-29.")})
    persons = forms.TypedChoiceField(label=_("Persons"), coerce=int, initial=1,
                                     choices=[(n, str(n)) for n in range(1, 7)])
    auto_book = forms.BooleanField(label=_("Book it for me: make the booking at once when a time frees up"),
                                   required=False,
                                   help_text=_("Otherwise we hold the time for you for 30 minutes and send a link."))
    field_order = ["from_date", "to_date", "persons", "name", "email", "phone", "language", "auto_book"]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from_date"), cleaned.get("to_date")
        if first and last and first > last:
            self.add_error("to_date", _("The latest date must not be before the earliest."))
        return cleaned


class EarlierForm(PageForm):
    """Ask for an earlier time for the booking being managed."""

    auto_book = forms.BooleanField(label=_("Move my booking at once when an earlier time frees up"), required=False,
                                   help_text=_("Otherwise we hold the time for you for 30 minutes and send a link."))
