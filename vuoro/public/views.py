from django.shortcuts import render

from vuoro.network.selectors import service_list, service_point_list


def front_page(request):
    points = list(service_point_list().prefetch_related("hours"))
    return render(request, "public/front.html", {"services": service_list(), "service_points": points})
