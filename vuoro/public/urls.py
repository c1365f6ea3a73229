from django.urls import path

from vuoro.public import views

app_name = "public"
urlpatterns = [
    path("", views.front_page, name="front"),
]
