from ninja import Router, Schema

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


@router.get("/services", response=list[ServiceOut], summary="Services that can be booked")
def services(request):
    return [{"code": s.code, "name": s.names, "duration_minutes": s.duration_minutes} for s in service_list()]


@router.get("/service-points", response=list[ServicePointOut], summary="Service points and the services they offer")
def service_points(request):
    return [{"id": p.id, "name": p.names, "address": p.address, "timezone": p.timezone,
             "services": [o.service.code for o in p.offers.all()]} for p in service_point_list()]
