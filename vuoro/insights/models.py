"""Insight: what customers wait and what the desks did, recorded for managers and analysts."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InsightAccess(models.Model):
    """No table: it only carries the permission to read the insight pages and their CSV
    (the analyst role has it and nothing else that shows personal data)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_insights", _("Can read the insight pages and their CSV"))]


from vuoro.insights.figures_models import (  # noqa: E402, F401
    FiguresCell,
    FiguresMonth,
    FiguresPointDay,
    FiguresRefresh,
    FiguresServiceDay,
)
