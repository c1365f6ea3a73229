from django.urls import path

from vuoro.walkin import views

app_name = "walkin"
urlpatterns = [
    path("kiosk/<str:point_id>/", views.kiosk, name="kiosk"),
    path("kiosk/<str:point_id>/check-in/", views.kiosk_check_in, name="kiosk-check-in"),
    path("kiosk/<str:point_id>/ticket/", views.kiosk_ticket, name="kiosk-ticket"),
    path("board/<str:point_id>/", views.board, name="board"),
    path("board/<str:point_id>/events/", views.board_events, name="board-events"),
    path("console/", views.console, name="console"),
    path("console/desk/<int:desk_id>/", views.console_desk, name="console-desk"),
    path("console/desk/<int:desk_id>/call-next/", views.console_call_next, name="console-call-next"),
    path("console/desk/<int:desk_id>/act/", views.console_act, name="console-act"),
    path("console/desk/<int:desk_id>/ticket/", views.console_ticket, name="console-ticket"),
    path("console/desk/<int:desk_id>/book/", views.console_book, name="console-book"),
]
