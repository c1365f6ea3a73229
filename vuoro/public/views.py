from django.shortcuts import render

from vuoro.network.selectors import service_list, service_point_list
from vuoro.network.state import network_state


def front_page(request):
    points = list(service_point_list().prefetch_related("hours"))
    state = network_state()
    # Each service's length as the points give it (and per extra person), not only its default.
    services = [dict(zip(("shortest", "longest", "extra"), state.service_lengths(s.code, s.duration_minutes),
                         strict=True), service=s) for s in service_list()]
    return render(request, "public/front.html", {"services": services, "service_points": points})
