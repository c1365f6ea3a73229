from ninja import Router, Schema

from vuoro.apierrors import error_answers
from vuoro.network.selectors import service_list, service_point_list

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
    return [{"code": s.code, "name": s.names, "duration_minutes": s.duration_minutes} for s in service_list()]


@router.get("/service-points", response={200: list[ServicePointOut], **error_answers(takes_input=False)},
            summary="Service points and the services they offer")
def service_points(request):
    return [{"id": p.id, "name": p.names, "address": p.address, "timezone": p.timezone,
             "services": [o.service.code for o in p.offers.all()]} for p in service_point_list()]
