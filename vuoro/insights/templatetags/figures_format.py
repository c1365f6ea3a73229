"""Numbers on the insight figures pages: "–" for nothing counted, localised decimals, percentages."""
from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def figure(value, digits=1):
    """A number with `digits` decimals (integers as they are), or "–" when there is none."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return floatformat(value, 0)
    return floatformat(value, digits)


@register.filter
def percent(value):
    """A share (0..1) as a percentage with one decimal, or "–"."""
    if value is None:
        return "–"
    return f"{floatformat(value * 100, 1)} %"


@register.filter
def item(sequence, index):
    return sequence[index]
