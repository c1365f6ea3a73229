from django.urls import path

from vuoro.insights import views

app_name = "insights"
urlpatterns = [
    path("staff/insight/", views.insight, name="page"),
    path("staff/insight/lead-times.csv", views.history_csv, name="lead-times-csv"),
]
