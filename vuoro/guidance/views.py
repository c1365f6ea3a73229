"""The guided page (works without JavaScript), its outcome pages, and the staff's weekly counts."""
from __future__ import annotations

import math
import secrets
from urllib.parse import urlencode, urlsplit

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from vuoro.apierrors import ApiError
from vuoro.guidance import decide
from vuoro.guidance.forms import GuidanceForm
from vuoro.guidance.models import Outcome
from vuoro.guidance.selectors import (
    guidance_decide,
    matter_choices,
    outcome_links,
    queue_point_list,
    visits_avoided_by_week,
)
from vuoro.guidance.services import guidance_give, guidance_limit
from vuoro.network.models import Service
from vuoro.parsing import or_none, parse_int

BOOKING_URL = "/book/"  # the booking pages take ?service=<code>
ANSWER_FIELDS = ("matter", "in_country", "strong_eid", "urgent")
DEFAULT_WEEKS, MAX_WEEKS = 12, 104
HEADINGS = {
    decide.BOOK_APPOINTMENT: _("Book an appointment"),
    decide.APPLY_ONLINE: _("Apply online"),
    decide.VISIT_MISSION_ABROAD: _("Visit a Finnish embassy or consulate"),
    decide.CONTACT_POLICE_OR_BORDER: _("Contact the police or the border control authorities"),
    decide.TAKE_QUEUE_NUMBER: _("Take a queue number today"),
}


VISITOR = "guidance.visitor"  # session: a random name for this visitor, so its guidance is counted once


def _visitor(request) -> str:
    token = request.session.get(VISITOR)
    if not isinstance(token, str):
        token = request.session[VISITOR] = secrets.token_urlsafe(16)
    return f"session:{token}"


def _language() -> str:
    language = (translation.get_language() or "fi")[:2]
    return language if language in ("fi", "sv", "en") else "fi"


@require_http_methods(["GET", "POST"])
def guidance_start(request):
    matters = matter_choices()
    if request.method == "POST":
        try:
            guidance_limit(request, now=timezone.now())
        except ApiError as error:
            if error.status != 429:
                raise
            seconds = int((error.headers or {}).get("Retry-After", "60"))
            response = render(request, "guidance/too_many.html", {"minutes": max(1, math.ceil(seconds / 60))},
                              status=429)
            response["Retry-After"] = str(seconds)
            return response
        form = GuidanceForm(request.POST, matters=matters)
        if form.is_valid():
            guidance_give(answers=form.answers(), language=_language(), today=timezone.localdate(),
                          visitor=_visitor(request))
            query = urlencode({name: form.cleaned_data[name] for name in ANSWER_FIELDS})
            return redirect(f"{reverse('guidance:result')}?{query}")
    else:
        # "Change your answers" comes back here with the earlier answers filled in.
        form = GuidanceForm(initial={name: request.GET[name] for name in ANSWER_FIELDS if name in request.GET},
                            matters=matters)
    return render(request, "guidance/start.html", {"form": form})


@require_http_methods(["GET"])
def guidance_result(request):
    """Shows the outcome again for the answers in the address; it is counted once, when the form is sent."""
    matters = matter_choices()
    form = GuidanceForm(request.GET, matters=matters)
    if not form.is_valid():
        return redirect("guidance:start")
    answers = form.answers()
    decision = guidance_decide(answers=answers)
    service = Service.objects.filter(code=decision.service).first() if decision.service else None
    language = _language()
    context = {
        "outcome": decision.outcome,
        "heading": HEADINGS[decision.outcome],
        "message": decision.messages[language],
        "service": service,
        "checklist": service.checklist(language) if service else [],
        "booking_url": BOOKING_URL + (f"?{urlencode({'service': service.code})}" if service else ""),
        "matter_label": dict(matters)[answers.matter],
        "answers": answers,
        "change_url": f"{reverse('guidance:start')}?{request.GET.urlencode()}",
        # The online service and the missions abroad, in the page's language, each with its host name
        # written out so that the customer sees where the link leads.
        "links": {kind: {"url": urls[language], "host": urlsplit(urls[language]).hostname or ""}
                  for kind, urls in outcome_links(outcome=decision.outcome).items()},
    }
    if decision.outcome == decide.TAKE_QUEUE_NUMBER:
        context["queue_points"] = queue_point_list(service_code=decision.service, now=timezone.now())
    return render(request, "guidance/result.html", context)


@staff_member_required
@require_http_methods(["GET"])
def guidance_statistics(request):
    weeks = or_none(parse_int, request.GET.get("weeks"))
    weeks = DEFAULT_WEEKS if weeks is None else min(max(weeks, 1), MAX_WEEKS)
    rows = visits_avoided_by_week(weeks=weeks, today=timezone.localdate())
    columns = [(outcome, Outcome(outcome).label) for outcome in decide.AVOIDED_VISIT_OUTCOMES]
    table = [{"week": row, "cells": [row.count(outcome) for outcome, _label in columns]} for row in rows]
    return render(request, "guidance/statistics.html", {
        "weeks": weeks, "max_weeks": MAX_WEEKS, "columns": columns, "table": table,
        "column_totals": [sum(row.count(outcome) for row in rows) for outcome, _label in columns],
        "avoided_total": sum(row.avoided for row in rows), "guidance_total": sum(row.total for row in rows),
    })
