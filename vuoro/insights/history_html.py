"""The insight page's two tables as HTML rows, written here rather than by the template: a hundred
points and up to 52 weeks of every service are thousands of template lookups, and this is several
times faster. The output is what the template wrote (insights/insight.html before this module):
the same markup, the numbers rounded as `floatformat:1` rounds them (half up, the language's
decimal mark)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape  # what django.utils.html.escape does, without its lazy-string wrapper per call

from django.utils.formats import date_format, get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vuoro.insights.history import PointRow, WeekFigure, WeekRow

TENTH = Decimal("0.1")
OVER = ' class="over"'


def one_decimal(value, mark: str = ".") -> str:
    """`value|floatformat:1` with `mark` (the language's decimal mark), or "" for None."""
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(TENTH, ROUND_HALF_UP)).replace(".", mark)


def _week_cell(figure: WeekFigure | None, goal_days: int, mark: str) -> str:
    if figure is None:
        return f'<td data-value=""><span title="{escape(_("nothing recorded"))}">·</span></td>'
    over = figure.days is not None and figure.days > goal_days
    text = "–" if figure.days is None else one_decimal(figure.days, mark)
    if figure.hours_without:
        count = figure.hours_without
        text += "<small>" + escape(ngettext("(%(hours)s hour with nothing free)", "(%(hours)s hours with nothing free)",
                                            count) % {"hours": count}) + "</small>"
    if over:
        text += f'<span class="visually-hidden">{escape(_("over the goal"))}</span>'
    value = "" if figure.days is None else str(figure.days)
    return f'<td data-value="{value}"{OVER if over else ""}>{text}</td>'


def week_rows_html(rows: list[WeekRow], *, goal_days: int) -> SafeString:
    """The weeks table's body rows: a week a row, a service a cell (the mean days, "–" when no hour
    had a free time, "·" when nothing was recorded)."""
    out, mark = [], get_format("DECIMAL_SEPARATOR")
    for row in rows:
        cells = "".join(_week_cell(figure, goal_days, mark) for figure in row.figures)
        out.append(f'<tr><th scope="row"><time datetime="{row.week_start.isoformat()}">'
                   f'{date_format(row.week_start, "SHORT_DATE_FORMAT")}</time></th>{cells}</tr>')
    return mark_safe("\n".join(out))


def point_rows_html(rows: list[tuple[str, PointRow]], *, goal_days: int) -> SafeString:
    """The points table's body rows: (the point's name, its row) each."""
    out, mark = [], get_format("DECIMAL_SEPARATOR")
    for name, row in rows:
        over = row.days_now is not None and row.days_now > goal_days
        now = "·" if not row.recorded_now else "–" if row.days_now is None else str(row.days_now)
        starts = str(row.starts_30_days_now) if row.recorded_now else "·"
        out.append(f'<tr><th scope="row">{escape(name)}</th><td{OVER if over else ""}>{now}</td>'
                   f'<td>{one_decimal(row.days_last_week, mark) or "–"}</td>'
                   f'<td>{one_decimal(row.days_mean, mark) or "–"}</td>'
                   f"<td>{starts}</td></tr>")
    return mark_safe("\n".join(out))


def options_html(choices: list[tuple[str, str]], *, chosen: str | None) -> SafeString:
    """<option> elements of (value, label) each, `chosen` selected (a hundred points' options
    through a template loop cost more than the rest of the form)."""
    return mark_safe("".join(f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
                             f"{escape(label)}</option>" for value, label in choices))
