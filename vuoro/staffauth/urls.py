from django.urls import path

from vuoro.staffauth import views

app_name = "staffauth"
urlpatterns = [
    path("staff/two-factor/", views.verify, name="verify"),
    path("staff/two-factor/enrol/", views.enrol, name="enrol"),
]
