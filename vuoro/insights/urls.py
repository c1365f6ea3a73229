from django.urls import path  # noqa: F401  (the insight pages add their routes here)

app_name = "insights"
urlpatterns: list = []
