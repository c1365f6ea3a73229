"""The planning page: open or edit a scenario, run it beside its baseline, download the weeks."""
from __future__ import annotations

import csv
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vuoro.network.selectors import network_export
from vuoro.planning.forms import PlanningForm, TodayForm
from vuoro.planning.models import NETWORK_FROM_DATABASE
from vuoro.planning.report import comparison_csv_rows
from vuoro.planning.scenario import ScenarioError
from vuoro.planning.selectors import (
    SAVED_PREFIX,
    example_network_names,
    example_scenario_list,
    scenario_list,
    scenario_source_get,
)
from vuoro.planning.services import MAX_PEOPLE, MAX_WEEKS, plan_compare, plan_from_today, scenario_save

PERMISSION = "planning.view_scenario"


def _today_form(data=None) -> TodayForm:
    """The levers' form for the network stored now (its points, services and visit lengths)."""
    network = network_export()
    language = (get_language() or "fi")[:2]
    return TodayForm(data, points=[(point.id, point.name.get(language)) for point in network.service_points],
                     services=[(service.code, service.name.get(language), service.duration_minutes)
                               for service in network.services],
                     slot_minutes=network.slot_minutes, max_weeks=MAX_WEEKS,
                     today=timezone.now().astimezone(ZoneInfo(network.timezone)).date())


def _page(request, *, form, key="", comparison=None, problems=(), status=200, today_form=None, plan=None,
          plan_problems=()):
    user = request.user
    return render(request, "planning/planning.html", {
        "form": form, "key": key, "comparison": comparison, "problems": problems,
        "today_form": today_form if today_form is not None else _today_form(), "plan": plan,
        "plan_problems": plan_problems,
        "free_rows": [(service.code, service.name.get((get_language() or "fi")[:2]),
                       plan.state.first_free_days.get(service.code)) for service in plan.state.network.services]
        if plan else [],
        "weeks": comparison.weeks if comparison else [],
        "examples": example_scenario_list(),
        "saved": [(f"{SAVED_PREFIX}{scenario.pk}", scenario.name) for scenario in scenario_list()],
        "can_save": user.has_perm("planning.add_scenario") or user.has_perm("planning.change_scenario"),
        "max_weeks": MAX_WEEKS, "max_people": MAX_PEOPLE,
    }, status=status)


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
def planning(request):
    networks = example_network_names()
    if request.method == "POST":
        saving = request.POST.get("action") == "save"
        form = PlanningForm(request.POST, example_networks=networks, saving=saving)
        if not form.is_valid():
            return _page(request, form=form, status=422)
        data = form.cleaned_data
        try:
            if saving:
                scenario, created = scenario_save(name=data["name"], text=data["text"], network=data["network"],
                                                  user=request.user)
            else:
                comparison = plan_compare(text=data["text"], network_choice=data["network"])
        except ScenarioError as error:
            return _page(request, form=form, problems=error.problems, status=422)
        if saving:
            messages.success(request, (_("Saved as “%(name)s”.") if created else _("“%(name)s” updated."))
                             % {"name": scenario.name})
            return redirect(f"{reverse('planning:page')}?scenario={SAVED_PREFIX}{scenario.pk}")
        return _page(request, form=form, comparison=comparison)

    if "plan" in request.GET:
        return _plan(request, networks)
    key = request.GET.get("scenario", "")
    if key:
        source = scenario_source_get(key=key)
        if source is None:
            raise Http404
    else:
        source = next(iter(example_scenario_list()), None)
    initial = {}
    if source is not None:
        key = source.key
        initial = {"text": source.text, "network": source.network,
                   "name": source.name if key.startswith(SAVED_PREFIX) else ""}
    form = PlanningForm(initial=initial, example_networks=networks)
    if source is not None and request.GET.get("run"):
        try:
            comparison = plan_compare(text=source.text, network_choice=source.network)
        except ScenarioError as error:
            return _page(request, form=form, key=key, problems=error.problems, status=422)
        return _page(request, form=form, key=key, comparison=comparison)
    return _page(request, form=form, key=key)


def _plan(request, networks):
    """Plan from today with the levers of the form (a GET: it changes nothing, and the language buttons
    come back to the same plan)."""
    today_form = _today_form(request.GET)
    if not today_form.is_valid():
        return _page(request, form=PlanningForm(example_networks=networks), today_form=today_form, status=422)
    try:
        plan = plan_from_today(now=timezone.now(), history_weeks=today_form.cleaned_data["history_weeks"],
                               levers=today_form.levers())
    except ScenarioError as error:
        form = PlanningForm(initial={"text": getattr(error, "text", ""), "network": NETWORK_FROM_DATABASE},
                            example_networks=networks)
        return _page(request, form=form, today_form=today_form, plan_problems=error.problems, status=422)
    form = PlanningForm(initial={"text": plan.text, "network": NETWORK_FROM_DATABASE}, example_networks=networks)
    return _page(request, form=form, today_form=today_form, plan=plan, comparison=plan.comparison)


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def weeks_csv(request):
    form = PlanningForm(request.POST, example_networks=example_network_names())
    if not form.is_valid():
        return _page(request, form=form, status=422)
    data = form.cleaned_data
    try:
        comparison = plan_compare(text=data["text"], network_choice=data["network"])
    except ScenarioError as error:
        return _page(request, form=form, problems=error.problems, status=422)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(data["name"]) or "scenario"
    response["Content-Disposition"] = f'attachment; filename="planning-{name}-weeks.csv"'
    csv.writer(response).writerows(comparison_csv_rows(comparison.baseline, comparison.scenario))
    return response
