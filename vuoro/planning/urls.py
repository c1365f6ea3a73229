from django.urls import path

from vuoro.planning import views

app_name = "planning"
urlpatterns = [
    path("staff/planning/", views.planning, name="page"),
    path("staff/planning/weeks.csv", views.weeks_csv, name="weeks-csv"),
]
