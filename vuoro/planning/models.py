"""Scenarios saved by staff for the planning page (examples/ holds the shipped ones)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The network a scenario runs on: the one stored in the database, or a network file of examples/.
NETWORK_FROM_DATABASE = "database"


class Scenario(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    text = models.TextField(_("scenario (TOML)"), help_text=_("The keys are explained in docs/simulate.md."))
    network = models.CharField(
        _("network"), max_length=100, default=NETWORK_FROM_DATABASE,
        help_text=_('"database" for the network stored here, or the name of a network file in examples/.'))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("planning scenario")
        verbose_name_plural = _("planning scenarios")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="planning_scenario_has_a_name"),
            models.CheckConstraint(condition=~Q(network=""), name="planning_scenario_has_a_network"),
        ]

    def __str__(self) -> str:
        return self.name
