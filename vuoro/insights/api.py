"""Lead times over the v1 API (docs/api.md, "Lead times"): public, no personal data."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema

from vuoro.apierrors import ApiError, error_answers
from vuoro.insights.leadtimes import lead_time_list
from vuoro.network.state import network_state

router = Router(tags=["insight"])


class LeadTimeOut(Schema):
    service: str
    service_point: str
    first_free: dt.datetime | None
    days_to_first_free: int | None


@router.get("/lead-times", response={200: list[LeadTimeOut], **error_answers(404)},
            summary="The first free time of each service at each point")
def lead_times(request, service: str | None = Query(None, max_length=64),
               service_point: str | None = Query(None, max_length=64)):
    """For each service offered at each service point (both filters optional), sorted by service then
    point: `first_free`, the earliest start public availability offers now (null when none within the
    booking horizon), in the point's zone; `days_to_first_free`, the whole local days from today (in
    the point's zone) to its date, 0 = today (null with `first_free`). An unknown service or point is
    404 `not_found`."""
    state = network_state()
    if service is not None and service not in state.service_ids:
        raise ApiError(404, "not_found", f"No service {service!r}.")
    if service_point is not None and service_point not in state.points:
        raise ApiError(404, "not_found", f"No service point {service_point!r}.")
    return [LeadTimeOut(service=item.service, service_point=item.service_point, first_free=item.first_free_at,
                        days_to_first_free=item.days_to_first_free)
            for item in lead_time_list(state=state, now=timezone.now(), service_code=service,
                                       point_id=service_point)]
