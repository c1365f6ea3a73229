from django.urls import path

from vuoro.guidance import views

app_name = "guidance"
urlpatterns = [
    path("guidance/", views.guidance_start, name="start"),
    path("guidance/result/", views.guidance_result, name="result"),
    path("staff/guidance/", views.guidance_statistics, name="statistics"),
]
