"""The insight page: the wait against the agency's goal over weeks, and its history as CSV."""
from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from vuoro.insights.history import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    history_csv_chunks,
    point_table,
    weekly_history,
    weeks_range,
)
from vuoro.insights.history_html import options_html, point_rows_html, week_rows_html
from vuoro.insights.models import NETWORK
from vuoro.insights.recording import last_run_get
from vuoro.network.models import NetworkSettings, Service, ServicePoint
from vuoro.parsing import or_none, parse_int

PERMISSION = "insights.view_insights"


def _csv_text(chunks):
    """Each list of rows as one piece of CSV text (a piece a row would cost the response's
    per-piece work thousands of times over)."""
    for rows in chunks:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        yield buffer.getvalue()


def _choices(request):
    """(services, points, chosen service or None, chosen point or None, range) from the query; an
    unknown service or point is left out (the whole network), a range is clamped to 1–52 weeks."""
    settings = NetworkSettings.current()
    zone = ZoneInfo(settings.timezone)
    names = ("name_fi", "name_sv", "name_en")  # all the page shows of them
    services = list(Service.objects.only("code", *names).order_by("code"))
    points = list(ServicePoint.objects.only("id", *names).order_by("id"))
    service = next((s for s in services if s.code == request.GET.get("service")), None)
    point = next((p for p in points if p.id == request.GET.get("point")), None)
    weeks = or_none(parse_int, request.GET.get("weeks"))
    weeks = DEFAULT_WEEKS if weeks is None else min(max(weeks, 1), MAX_WEEKS)
    span = weeks_range(today=timezone.now().astimezone(zone).date(), weeks=weeks, zone=zone)
    return settings, services, points, service, point, weeks, span


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def insight(request):
    settings, services, points, service, point, weeks, span = _choices(request)
    shown = [service] if service else services
    history = weekly_history(services=[s.code for s in shown], point=point.id if point else NETWORK, span=span)
    table_service = service or (services[0] if services else None)
    latest_hour, point_rows = point_table(service=table_service.code, span=span) if table_service else (None, [])
    names = {p.id: p.name for p in points}
    return render(request, "insights/insight.html", {
        "goal_days": settings.wait_goal_days, "services": services, "points": points, "service": service,
        "point": point, "weeks": weeks, "max_weeks": MAX_WEEKS, "span": span, "shown": shown, "history": history,
        "table_service": table_service, "latest_hour": latest_hour, "zone": span.zone,
        "service_options": options_html([(s.code, s.name) for s in services], chosen=service.code if service else None),
        "point_options": options_html([(p.id, p.name) for p in points], chosen=point.id if point else None),
        "week_rows": week_rows_html(history, goal_days=settings.wait_goal_days),
        "point_rows": point_rows_html([(names.get(row.service_point, row.service_point), row) for row in point_rows],
                                      goal_days=settings.wait_goal_days),
        "last_run": last_run_get(), "query": request.GET.urlencode(),
    })


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def history_csv(request):
    _settings, services, points, service, point, _weeks, span = _choices(request)
    codes = [service.code] if service else [s.code for s in services]
    chunks = history_csv_chunks(services=codes, point=point.id if point else None, span=span,
                                points_count=len(points))
    response = StreamingHttpResponse(_csv_text(chunks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="lead-times-{span.first_date.isoformat()}-'
                                       f'{span.last_date.isoformat()}.csv"')
    return response
