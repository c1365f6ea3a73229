from django.urls import path

from vuoro.public import views

app_name = "public"
urlpatterns = [
    path("", views.front_page, name="front"),
    path("points/", views.point_list, name="points"),
    path("points/<str:point_id>/", views.point_detail, name="point"),
]
