"""The month in figures as the page's tables: one table a topic, each with the month, its ISO
weeks, its service points and its services as row groups. Cells carry the shown text and the
plain number (data-value), so a chart or a script can read the table."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vuoro.insights.figures import LEAD_BANDS, Figures, MonthFigures
from vuoro.insights.templatetags.figures_format import figure, percent


@dataclass(frozen=True)
class Cell:
    text: str
    value: str  # the plain number, "" for none


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Cell]

    @property
    def html(self) -> SafeString:
        """The row as HTML, written here rather than by the template: a month of a hundred points
        has thousands of cells, and this is ten times faster than a template loop."""
        cells = "".join(f'<td data-value="{escape(cell.value)}">{escape(cell.text)}</td>' for cell in self.cells)
        return mark_safe(f'<tr data-key="{escape(self.key)}"><th scope="row">{escape(self.label)}</th>{cells}</tr>')


@dataclass(frozen=True)
class Chart:
    """A chart of a table's weeks, drawn by vuoro/static/vuoro/insight_charts.js over the table,
    which stays the accessible source: `columns` are the indexes of the table's cells drawn (0 =
    the first after the row's heading), each a series named by its column heading."""

    caption: str
    summary: str
    unit: str
    columns: tuple[int, ...]
    percent: bool = False  # the cells hold shares (0-1), drawn as per cent


@dataclass(frozen=True)
class Table:
    id: str
    caption: str
    columns: list[str]
    groups: list[tuple[str, list[Row]]]
    note: str = ""
    chart: Chart | None = None


def _n(value) -> Cell:
    return Cell(figure(value), "" if value is None else str(round(value, 4)))


def _hours(minutes) -> Cell:
    return Cell(figure(minutes / 60, 1), str(round(minutes / 60, 2)))


def _pct(value) -> Cell:
    return Cell(percent(value), "" if value is None else str(round(value, 4)))


def _band_label(first, last) -> str:
    if last is None:
        return _("%(first)s+ days ahead") % {"first": first}
    return _("%(first)s–%(last)s days ahead") % {"first": first, "last": last}


TOPICS = [
    ("bookings", gettext_lazy("Bookings made and their lead time (days from booking to visit)"),
     lambda: [_("Bookings made"), _("Mean"), _("Median"), _("90th percentile")],
     lambda f: [_n(f.sums["made"]), _n(f.lead_mean), _n(f.lead_median), _n(f.lead_p90)]),
    ("desk-time", gettext_lazy("Desk time offered, booked and used (hours)"),
     lambda: [_("Offered"), _("Booked"), _("Used"), _("Booked of offered"), _("Used of offered")],
     lambda f: [_hours(f.sums["offered_minutes"]) if f.point_level else _n(None), _hours(f.sums["booked_minutes"]),
                _hours(f.sums["used_minutes"]), _pct(f.utilisation_booked), _pct(f.utilisation_used)]),
    ("cancellations", gettext_lazy("Cancellations and the freed time booked again"),
     lambda: [_("Cancelled"), _("Hours freed"), _("Hours booked again"), _("Share booked again")],
     lambda f: [_n(f.sums["cancelled"]), _hours(f.sums["cancelled_minutes"]), _hours(f.sums["rebooked_minutes"]),
                _pct(f.rebooked_share)]),
    ("no-shows", gettext_lazy("Customers who did not come, by how far ahead they had booked"),
     lambda: [_("Visits due"), _("Did not come"), _("Rate"), *(_band_label(a, b) for a, b in LEAD_BANDS)],
     lambda f: [_n(f.sums["came"] + f.sums["no_shows"]), _n(f.sums["no_shows"]), _pct(f.no_show_rate),
                *(_pct(rate) for rate in f.band_rates)]),
    ("tickets", gettext_lazy("Queue numbers and waits (minutes from the number to the call)"),
     lambda: [_("Issued"), _("Turned away (quota used)"), _("Called"), _("Mean wait"), _("90th percentile"),
              _("Mean estimate told"), _("Mean wait of those told")],
     lambda f: [_n(f.sums["tickets_issued"]), _n(f.sums["tickets_turned_away"]), _n(f.sums["tickets_called"]),
                _n(f.wait_mean), _n(f.wait_p90), _n(f.estimate_mean), _n(f.estimated_wait_mean)]),
    ("served", gettext_lazy("Customers served"),
     lambda: [_("Appointments"), _("Queue numbers"), _("Served per desk-hour")],
     lambda f: [_n(f.sums["served"]), _n(f.sums["tickets_served"]), _n(f.served_per_desk_hour)]),
]
CHARTS = {
    "bookings": lambda: Chart(
        _("Lead time of the bookings made, week by week"),
        _("A line chart of the weeks in the table below: the mean, the median and the 90th percentile of the days "
          "from booking to visit."), _("days"), (1, 2, 3)),
    "desk-time": lambda: Chart(
        _("Desk time booked and used, week by week"),
        _("A line chart of the weeks in the table below: the share of the offered desk time that was booked and "
          "the share that was used."), _("per cent of the offered time"), (3, 4), percent=True),
    "no-shows": lambda: Chart(
        _("Customers who did not come, week by week"),
        _("A line chart of the weeks in the table below: the share of the visits due whose customer did not "
          "come."), _("per cent of the visits due"), (2,), percent=True),
    "tickets": lambda: Chart(
        _("Waits for a queue number, week by week"),
        _("A line chart of the weeks in the table below: the mean and the 90th percentile of the minutes from "
          "the number to the call, and the mean estimate told."), _("minutes"), (3, 4, 5)),
}
POINT_LEVEL_TOPICS = {"tickets"}  # queue numbers are counted per point, not per service


def _week_label(week: Figures) -> str:
    first, last = week.span
    return _("Week %(week)s (%(first)s–%(last)s)") % {
        "week": week.label, "first": date_format(first, "SHORT_DATE_FORMAT"),
        "last": date_format(last, "SHORT_DATE_FORMAT")}


def figures_tables(figures: MonthFigures, *, service_chosen: bool) -> list[Table]:
    headings = {"month": _("The month"), "week": _("By ISO week"), "point": _("By service point"),
                "service": _("By service")}
    tables = []
    for topic, caption, columns, cells in TOPICS:
        groups = []
        for group, items in figures.groups:
            if topic in POINT_LEVEL_TOPICS and (group == "service" or service_chosen):
                continue
            rows = [Row(key=item.key, cells=cells(item),
                        label=_week_label(item) if group == "week" else (
                            date_format(figures.month, "YEAR_MONTH_FORMAT") if group == "month" else item.label))
                    for item in items]
            if rows:
                groups.append((headings[group], rows))
        note = ""
        if topic in POINT_LEVEL_TOPICS and service_chosen:
            note = _("Queue numbers are counted per service point, not per service: choose all services to see them.")
        elif topic in ("desk-time", "served") and service_chosen:
            note = _("Desk time is offered to every service at once, so it is not shared out by service.")
        has_weeks = any(group == headings["week"] for group, _rows in groups)
        chart = CHARTS[topic]() if topic in CHARTS and has_weeks else None
        tables.append(Table(id=topic, caption=str(caption), columns=columns(), groups=groups, note=note, chart=chart))
    return tables
