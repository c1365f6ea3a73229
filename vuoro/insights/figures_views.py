"""The month in figures and the observed service times: pages and their CSV, for staff with
the insight permission. Filters come in the query string; a bad one answers 400 with the form."""
from __future__ import annotations

import csv
import datetime as dt
import functools

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vuoro.insights.figures import LEAD_BANDS, MonthFigures, figures_month_get
from vuoro.insights.figures_tables import figures_tables
from vuoro.insights.service_times import RECOMMEND_PERCENTILE, service_times_list
from vuoro.network.models import Service, ServicePoint
from vuoro.network.state import network_state
from vuoro.parsing import ParseError, parse_month

PERMISSION = "insights.view_insights"


class FiguresFilter(forms.Form):
    month = forms.CharField(label=_("Month"), required=False, max_length=7,
                            help_text=_("Year and month, for example 2026-03."))
    point = forms.ChoiceField(label=_("Service point"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args, points, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].choices = [("", _("All service points"))] + points
        self.fields["service"].choices = [("", _("All services"))] + services

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            month = parse_month(text)
        except ParseError:
            raise forms.ValidationError(_("Give the month as year-month, for example 2026-03.")) from None
        if not 2000 <= month.year <= 2100:
            raise forms.ValidationError(_("Give a month between 2000 and 2100."))
        return month


def _names():
    points = {p.id: p.name for p in ServicePoint.objects.order_by("id")}
    services = {s.pk: s for s in Service.objects.order_by("code")}
    return points, services


def _filter(request):
    """(the bound filter form, its values or None when invalid, the names of points and services)."""
    points, services = _names()
    form = FiguresFilter(request.GET or None, points=sorted(points.items(), key=lambda item: item[1]),
                         services=[(s.code, s.name) for s in services.values()])
    if request.GET and not form.is_valid():
        return form, None, points, services
    data = form.cleaned_data if request.GET else {}
    state = network_state()
    month = data.get("month") or timezone.now().astimezone(state.timezone).date().replace(day=1)
    service = next((s for s in services.values() if s.code == data.get("service")), None)
    return form, {"month": month, "point_id": data.get("point") or None, "service": service}, points, services


def _filtered(template: str):
    """A view for staff with the insight permission, given the filter's values, the points' names and
    the services; an invalid filter answers 400 with `template` showing the form and its errors."""
    def decorate(view):
        @staff_member_required
        @permission_required(PERMISSION, raise_exception=True)
        @functools.wraps(view)
        def filtered(request):
            form, values, points, services = _filter(request)
            if values is None:
                return render(request, template, {"form": form}, status=400)
            return view(request, form, values, points, services)
        return filtered
    return decorate


def _month_figures(values, points, services) -> MonthFigures:
    return figures_month_get(month=values["month"], point_id=values["point_id"],
                             service_code=values["service"].code if values["service"] else None,
                             point_names=points, service_names={s.code: s.name for s in services.values()})


def _chart_data(figures: MonthFigures) -> dict:
    """The weeks as plain numbers, for a chart drawn over the table (json_script "figures-weeks")."""
    return {"weeks": [{"week": w.key, "made": w.sums["made"], "lead_mean": w.lead_mean, "lead_median": w.lead_median,
                       "lead_p90": w.lead_p90, "utilisation_booked": w.utilisation_booked,
                       "utilisation_used": w.utilisation_used, "no_show_rate": w.no_show_rate,
                       "tickets_issued": w.sums["tickets_issued"], "wait_mean": w.wait_mean} for w in figures.weeks]}


@_filtered("insights/figures.html")
def figures_page(request, form, values, points, services):
    figures = _month_figures(values, points, services)
    return render(request, "insights/figures.html", {
        "form": form, "figures": figures, "chart_data": _chart_data(figures),
        "tables": figures_tables(figures, service_chosen=values["service"] is not None),
        "service_chosen": values["service"], "query": request.GET.urlencode(),
    })


CSV_COLUMNS = [
    ("made", lambda f: f.sums["made"]), ("lead_days_mean", lambda f: f.lead_mean),
    ("lead_days_median", lambda f: f.lead_median), ("lead_days_p90", lambda f: f.lead_p90),
    ("visits_booked", lambda f: f.sums["visits"]), ("offered_minutes", lambda f: f.sums["offered_minutes"]),
    ("booked_minutes", lambda f: f.sums["booked_minutes"]), ("used_minutes", lambda f: f.sums["used_minutes"]),
    ("utilisation_booked", lambda f: f.utilisation_booked), ("utilisation_used", lambda f: f.utilisation_used),
    ("cancelled", lambda f: f.sums["cancelled"]), ("cancelled_minutes", lambda f: f.sums["cancelled_minutes"]),
    ("rebooked_minutes", lambda f: f.sums["rebooked_minutes"]), ("rebooked_share", lambda f: f.rebooked_share),
    ("came", lambda f: f.sums["came"]), ("no_shows", lambda f: f.sums["no_shows"]),
    ("no_show_rate", lambda f: f.no_show_rate),
    *((f"no_show_rate_lead_{label.replace('–', '_').replace('+', '_plus')}", lambda f, i=i: f.band_rates[i])
      for i, label in enumerate(f"{a}–{b}" if b is not None else f"{a}+" for a, b in LEAD_BANDS)),
    ("tickets_issued", lambda f: f.sums["tickets_issued"]),
    ("tickets_turned_away", lambda f: f.sums["tickets_turned_away"]),
    ("tickets_called", lambda f: f.sums["tickets_called"]), ("wait_minutes_mean", lambda f: f.wait_mean),
    ("wait_minutes_p90", lambda f: f.wait_p90), ("estimate_minutes_mean", lambda f: f.estimate_mean),
    ("estimated_tickets_wait_minutes_mean", lambda f: f.estimated_wait_mean),
    ("served_appointments", lambda f: f.sums["served"]), ("served_tickets", lambda f: f.sums["tickets_served"]),
    ("served_per_desk_hour", lambda f: f.served_per_desk_hour), ("visits_avoided", lambda f: f.avoided),
]


def _csv_value(value) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def figures_csv_rows(figures: MonthFigures) -> list[list[str]]:
    """The page's rows: the month, its ISO weeks, its points, its services; numbers unformatted."""
    rows = [["group", "key", "name", "first_date", "last_date", *(name for name, _get in CSV_COLUMNS)]]
    for group, items in figures.groups:
        for item in items:
            first, last = item.span or (figures.first_date, figures.last_date)
            rows.append([group, item.key, item.label, first.isoformat(), last.isoformat(),
                         *(_csv_value(get(item)) for _name, get in CSV_COLUMNS)])
    return rows


def _csv_response(name: str, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv.writer(response).writerows(rows)
    return response


@_filtered("insights/figures.html")
def figures_csv(request, form, values, points, services):
    figures = _month_figures(values, points, services)
    return _csv_response(f"figures-{figures.month:%Y-%m}.csv", figures_csv_rows(figures))


def _service_times(values, points, services):
    state = network_state()
    durations = {(None, s.code): s.duration_minutes for s in services.values()}
    for point in state.points.values():
        durations.update({(point.id, code): minutes for code, minutes in point.durations.items()})
    first = values["month"]
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    rows = service_times_list(month=first, point_id=values["point_id"], durations=durations,
                              service_code=values["service"].code if values["service"] else None,
                              grid_minutes=state.slot_minutes, point_names=points,
                              service_names={s.code: s.name for s in services.values()})
    return rows, state.slot_minutes, first, last


@_filtered("insights/service_times.html")
def service_times_page(request, form, values, points, services):
    rows, grid, first, last = _service_times(values, points, services)
    return render(request, "insights/service_times.html", {
        "form": form, "rows": rows, "grid_minutes": grid, "first_date": first, "last_date": last,
        "recommend_percentile": RECOMMEND_PERCENTILE, "query": request.GET.urlencode(),
        "chart_data": {"rows": [{"service": r.service_code, "point": r.point_id, "count": r.count, "median": r.median,
                                 "p75": r.p75, "p90": r.p90, "configured": r.configured_minutes,
                                 "recommended": r.recommended_minutes} for r in rows]},
    })


@_filtered("insights/service_times.html")
def service_times_csv(request, form, values, points, services):
    rows, grid, first, _last = _service_times(values, points, services)
    header = ["service", "service_point", "appointments", "tickets", "count", "median_minutes", "p75_minutes",
              "p90_minutes", "configured_minutes", f"recommended_minutes_p{RECOMMEND_PERCENTILE}_grid_{grid}"]
    body = [[r.service_code, r.point_id or "", r.appointments, r.tickets, r.count, *(_csv_value(v) for v in (
        r.median, r.p75, r.p90, r.configured_minutes, r.recommended_minutes))] for r in rows]
    return _csv_response(f"service-times-{first:%Y-%m}.csv", [header, *body])
