from django.urls import path

from vuoro.walkin import console_bookings as staff
from vuoro.walkin import console_clusters, console_desk, kiosk_views, views

app_name = "walkin"
urlpatterns = [
    path("kiosk/<str:point_id>/", kiosk_views.kiosk, name="kiosk"),
    path("kiosk/<str:point_id>/check-in/", kiosk_views.kiosk_check_in, name="kiosk-check-in"),
    path("kiosk/<str:point_id>/ticket/", kiosk_views.kiosk_ticket, name="kiosk-ticket"),
    path("ticket/<str:ticket_token>/", kiosk_views.ticket_live, name="ticket-live"),
    path("kiosk/<str:point_id>/register/", views.kiosk_register, name="kiosk-register"),
    path("board/<str:point_id>/", views.board, name="board"),
    path("board/<str:point_id>/events/", views.board_events, name="board-events"),
    path("console/", console_desk.console, name="console"),
    path("console/desk/<int:desk_id>/", console_desk.console_desk, name="console-desk"),
    path("console/desk/<int:desk_id>/queue/", console_desk.console_waiting, name="console-queue"),
    path("console/desk/<int:desk_id>/call-next/", console_desk.console_call_next, name="console-call-next"),
    path("console/desk/<int:desk_id>/act/", console_desk.console_act, name="console-act"),
    path("console/desk/<int:desk_id>/undo/", console_desk.console_undo, name="console-undo"),
    path("console/desk/<int:desk_id>/transfer/", console_desk.console_transfer, name="console-transfer"),
    path("console/desk/<int:desk_id>/pause/", console_desk.console_pause, name="console-pause"),
    path("console/desk/<int:desk_id>/ticket/", console_desk.console_ticket, name="console-ticket"),
    path("console/desk/<int:desk_id>/book/", console_desk.console_book, name="console-book"),
    # Staff find and act on bookings of their own points; and book for a customer.
    path("console/bookings/", staff.search, name="staff-search"),
    path("console/bookings/<int:booking_id>/", staff.booking_page, name="staff-booking"),
    path("console/bookings/<int:booking_id>/cancel/", staff.booking_cancel, name="staff-cancel"),
    path("console/bookings/<int:booking_id>/resend/", staff.booking_resend, name="staff-resend"),
    path("console/bookings/<int:booking_id>/move/", staff.move_month, name="staff-move-month"),
    path("console/bookings/<int:booking_id>/move/day/", staff.move_day, name="staff-move-day"),
    path("console/bookings/<int:booking_id>/move/confirm/", staff.move_confirm, name="staff-move-pick"),
    # Staff's look-out for hoarding: clusters of bookings, cancelled as resold.
    path("console/clusters/", console_clusters.clusters, name="staff-clusters"),
    path("console/clusters/cancel/", console_clusters.clusters_cancel, name="staff-clusters-cancel"),
    path("console/book/", staff.book_start, name="staff-book"),
    path("console/book/month/", staff.book_month, name="staff-book-month"),
    path("console/book/day/", staff.book_day, name="staff-book-day"),
    path("console/book/details/", staff.book_details, name="staff-book-pick"),
]
