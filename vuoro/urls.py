from django.contrib import admin
from django.urls import include, path

from vuoro.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("vuoro.staffauth.urls")),
    path("", include("vuoro.walkin.urls")),
    path("", include("vuoro.planning.urls")),
    path("", include("vuoro.insights.urls")),
    path("", include("vuoro.booking.urls")),
    path("", include("vuoro.guidance.urls")),
    path("", include("vuoro.public.urls")),
]

handler500 = "vuoro.unavailable.server_error"
