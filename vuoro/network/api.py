import datetime as dt
import json
import threading

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from vuoro.apierrors import error_answers
from vuoro.network.selectors import release_list, service_list, service_point_list
from vuoro.network.state import network_state

router = Router(tags=["network"])


class NamesOut(Schema):
    fi: str
    sv: str
    en: str


class ServiceOut(Schema):
    code: str
    name: NamesOut
    duration_minutes: int


class ServicePointOut(Schema):
    id: str
    name: NamesOut
    address: str
    timezone: str
    services: list[str]


@router.get("/services", response={200: list[ServiceOut], **error_answers(takes_input=False)},
            summary="Services that can be booked")
def services(request):
    return _network_answer("services", lambda: [
        ServiceOut.model_validate({"code": s.code, "name": s.names, "duration_minutes": s.duration_minutes})
        for s in service_list()])


@router.get("/service-points", response={200: list[ServicePointOut], **error_answers(takes_input=False)},
            summary="Service points and the services they offer")
def service_points(request):
    return _network_answer("service-points", lambda: [
        ServicePointOut.model_validate({"id": p.id, "name": p.names, "address": p.address, "timezone": p.timezone,
                                        "services": [o.service.code for o in p.offers.all()]})
        for p in service_point_list()])


class ReleaseOut(Schema):
    id: int
    opens_at: dt.datetime
    from_date: dt.date = Field(alias="from")
    to_date: dt.date = Field(alias="to")
    service_points: list[str]
    services: list[str]


@router.get("/releases", response={200: list[ReleaseOut], **error_answers(takes_input=False)}, by_alias=True,
            summary="Times held back until a moment, while any of their dates is still ahead")
def releases(request):
    """Each release whose last date is today or later (in the network's time zone), the earliest to
    open first; `opens_at` in the network's time zone. Empty `service_points` / `services`: every one."""
    state = network_state()
    today = timezone.now().astimezone(state.timezone).date()
    moments = {r.id: r.opens_at for r in state.releases.fixed}
    return [{"id": r.id, "opens_at": moments[r.id].astimezone(state.timezone).isoformat(), "from": r.from_date,
             "to": r.to_date, "service_points": sorted(p.id for p in r.service_points.all()),
             "services": sorted(s.code for s in r.services.all())}
            for r in release_list().filter(to_date__gte=today).prefetch_related("service_points", "services")
            if r.id in moments]


# Answers that only the network's tables decide, as ninja would render them, kept per process
# for the network's version (vuoro.network.state): each request asks the database only for the
# version, which it does anyway, instead of reading and rendering the tables again.
_answers: dict[str, tuple[int, bytes]] = {}
_answers_lock = threading.Lock()


def _network_answer(name: str, build) -> HttpResponse:
    version = network_state().version
    found = _answers.get(name)
    if found is None or found[0] != version:
        body = json.dumps([item.model_dump() for item in build()], cls=NinjaJSONEncoder).encode()
        with _answers_lock:
            _answers[name] = found = (version, body)
    return HttpResponse(found[1], content_type="application/json; charset=utf-8")
