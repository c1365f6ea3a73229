from django import forms
from django.utils.translation import gettext_lazy as _

from vuoro.planning.models import NETWORK_FROM_DATABASE

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
