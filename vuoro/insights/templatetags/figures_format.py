"""Numbers on the insight figures pages: "–" for nothing counted, the language's decimal mark,
percentages. Plain string formatting: a page of a hundred points formats thousands of numbers."""
from django import template
from django.utils.formats import get_format

register = template.Library()


@register.filter
def figure(value, digits=1):
    """A number with `digits` decimals (integers as they are), or "–" when there is none."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}".replace(".", get_format("DECIMAL_SEPARATOR"))


@register.filter
def percent(value):
    """A share (0..1) as a percentage with one decimal, or "–"."""
    if value is None:
        return "–"
    return f"{figure(value * 100, 1)} %"
