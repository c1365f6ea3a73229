from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vuoro.guidance import decide

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
INVALID_CHOICE = _("Choose one of the options.")


def _yes_no(label, help_text, required_message) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, help_text=help_text, choices=YES_NO, widget=forms.RadioSelect,
                             error_messages={"required": required_message, "invalid_choice": INVALID_CHOICE})


class GuidanceForm(forms.Form):
    """The four questions; the matters to choose from are given by the caller (they come from the network)."""

    matter = forms.ChoiceField(label=_("What is your matter?"), widget=forms.RadioSelect,
                               error_messages={"required": _("Choose your matter."), "invalid_choice": INVALID_CHOICE})
    in_country = _yes_no(_("Are you in Finland now?"), "", _("Tell us whether you are in Finland now."))
    strong_eid = _yes_no(_("Do you have strong electronic identification?"),
                         _("For example online banking codes, a mobile certificate or a certificate card."),
                         _("Tell us whether you have strong electronic identification."))
    urgent = _yes_no(_("Is your matter urgent?"),
                     _("Urgent means that it must be handled today and cannot wait for an appointment."),
                     _("Tell us whether your matter is urgent."))

    def __init__(self, *args, matters: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = matters

    def answers(self) -> decide.Answers:
        data = self.cleaned_data
        return decide.Answers(matter=data["matter"], in_country=data["in_country"] == "yes",
                              strong_eid=data["strong_eid"] == "yes", urgent=data["urgent"] == "yes")
