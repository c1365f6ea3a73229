from django.urls import path

from vuoro.booking import email_confirm_views, link_views, manage_views, rush_views, views, waitlist_views

app_name = "booking"
urlpatterns = [
    path("book/", views.service_choose, name="service"),
    path("book/priority-code/", views.priority_code_use, name="priority_code"),
    path("book/point/", views.point_choose, name="point"),
    path("book/month/", views.month_view, name="month"),
    path("book/day/", views.day_view, name="day"),
    path("book/details/", views.details, name="details"),
    path("book/done/", views.done, name="done"),
    path("book/confirm/<str:token>/", email_confirm_views.confirm, name="confirm_email"),
    path("manage/", manage_views.manage, name="manage"),
    path("manage/booking/", manage_views.manage_booking, name="manage_booking"),
    path("manage/cancel/", manage_views.manage_cancel, name="manage_cancel"),
    path("manage/move/", views.point_choose, {"mode": "move"}, name="move_point"),
    path("manage/move/month/", views.month_view, {"mode": "move"}, name="move_month"),
    path("manage/move/day/", views.day_view, {"mode": "move"}, name="move_day"),
    path("manage/move/confirm/", manage_views.move_confirm, name="move_confirm"),
    path("manage/calendar/", manage_views.calendar_file, name="calendar"),
    path("manage/sign-out/", manage_views.manage_sign_out, name="manage_sign_out"),
    path("manage/link/<str:token>/", link_views.manage_link, name="manage_link"),
    path("manage/cannot-come/<str:token>/", link_views.cannot_come, name="cannot_come"),
    path("manage/lost-pin/", link_views.recover, name="recover"),
    path("manage/lost-pin/sent/", link_views.recover_sent, name="recover_sent"),
    path("releases/<int:release_id>/queue/", rush_views.queue_join, name="rush_join"),
    path("releases/<int:release_id>/queue/<str:queue_key>/", rush_views.queue_status, name="rush_status"),
    path("waitlist/offer/<str:token>/", waitlist_views.offer, name="waitlist_offer"),
    path("waitlist/join/", waitlist_views.join, name="waitlist_join"),
    path("waitlist/", waitlist_views.status_sign_in, name="waitlist_status"),
    path("waitlist/entry/", waitlist_views.entry_view, name="waitlist_entry"),
    path("manage/earlier/", waitlist_views.earlier, name="waitlist_earlier"),
]
