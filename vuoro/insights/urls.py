from django.urls import path

from vuoro.insights import figures_views, views

app_name = "insights"
urlpatterns = [
    path("staff/insight/", views.insight, name="page"),
    path("staff/insight/lead-times.csv", views.history_csv, name="lead-times-csv"),
    path("staff/insight/figures/", figures_views.figures_page, name="figures"),
    path("staff/insight/figures.csv", figures_views.figures_csv, name="figures-csv"),
    path("staff/insight/service-times/", figures_views.service_times_page, name="service-times"),
    path("staff/insight/service-times.csv", figures_views.service_times_csv, name="service-times-csv"),
]
