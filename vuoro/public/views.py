from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from vuoro.network.selectors import service_list, service_point_list
from vuoro.network.state import network_state
from vuoro.public.point_page import map_url, point_page_get


def front_page(request):
    points = list(service_point_list().prefetch_related("hours"))
    state = network_state()
    # Each service's length as the points give it (and per extra person), not only its default.
    services = [dict(zip(("shortest", "longest", "extra"), state.service_lengths(s.code, s.duration_minutes),
                         strict=True), service=s) for s in service_list()]
    return render(request, "public/front.html", {"services": services, "service_points": points})


@require_GET
def point_list(request):
    points = [{"point": point, "map_url": map_url(point.address)} for point in service_point_list()]
    return render(request, "public/point_list.html", {"points": points})


@require_GET
def point_detail(request, point_id: str):
    page = point_page_get(state=network_state(), point_id=point_id, now=timezone.now())
    if page is None:
        raise Http404
    return render(request, "public/point_detail.html", {"page": page, "point": page.point})
