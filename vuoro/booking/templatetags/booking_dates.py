"""Dates and times of appointments as people read them in each language.

Values arrive already in the service point's zone (the views convert them); unlike Django's
`date` filter these never move a time into the server's zone.
"""
from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat
from django.utils.text import capfirst
from django.utils.translation import get_language

register = template.Library()

# Django's own catalogues give the weekday and month names; the order and punctuation are ours.
DAY_FORMATS = {"fi": "l j. E", "sv": "l j F", "en": "l j F"}
DAY_YEAR_FORMATS = {"fi": "l j. E Y", "sv": "l j F Y", "en": "l j F Y"}
TIME_FORMATS = {"fi": "G.i", "sv": "H.i", "en": "H:i"}


def _language() -> str:
    return (get_language() or "fi")[:2]


def _format(value, formats: dict[str, str]) -> str:
    if not isinstance(value, dt.date):
        return ""
    return dateformat.format(value, formats.get(_language(), formats["en"]))


@register.filter
def day_name(value) -> str:
    """"Wednesday 9 December", "keskiviikko 9. joulukuuta", "onsdag 9 december" (capfirst it to start a line)."""
    return _format(value, DAY_FORMATS)


@register.filter
def day_name_year(value) -> str:
    """The day with its year: "Wednesday 9 December 2026"."""
    return _format(value, DAY_YEAR_FORMATS)


@register.filter
def clock(value) -> str:
    """The time of day: "10:15" (en), "10.15" (fi, sv)."""
    return _format(value, TIME_FORMATS)


@register.filter
def month_name(value) -> str:
    """"December 2026", "Joulukuu 2026", "December 2026"."""
    return capfirst(_format(value, {"en": "F Y"}))


@register.filter
def weekday_short(value) -> str:
    return _format(value, {"en": "D"})


@register.filter
def weekday_long(value) -> str:
    return capfirst(_format(value, {"en": "l"}))
