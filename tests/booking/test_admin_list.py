"""The back office's booking list starts from today and what is ahead, soonest first; past
bookings follow, latest first (staff look for a customer who is coming, not one from last year)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User

from tests.booking.conftest import at, phone_of
from vuoro.booking.services import Customer, booking_create
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db


def _book(day: dt.date, email: str):
    start = at(day, 9)
    return booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                          start_at=start, persons=1, language="fi",
                          customer=Customer(name="Order Person", email=email, phone=phone_of(email)),
                          now=start - dt.timedelta(days=2)).booking


def test_the_booking_list_shows_upcoming_bookings_first_then_past_ones_latest_first(
        client, smoke_network, wednesday):
    today = dt.date.today()
    last_week = today - dt.timedelta(days=(today.weekday() - 2) % 7 + 7)  # a Wednesday 7-13 days ago
    weeks_ago = last_week - dt.timedelta(days=7)
    made = {name: _book(day, f"{name}@example.org") for name, day in
            [("weeks_ago", weeks_ago), ("soon", wednesday), ("last_week", last_week),
             ("later", wednesday + dt.timedelta(days=7))]}
    client.force_login(User.objects.create_superuser("root", password="unused-password"))
    page = client.get("/admin/booking/booking/", headers={"accept-language": "en"}).content.decode()
    keys = [key for key in re.findall(r">([0-9A-Z]{10})</a>", page)]
    expected = [made[name].reservation_key for name in ("soon", "later", "last_week", "weeks_ago")]
    assert keys == expected
    title = re.search(r"<title>(.*?)</title>", client.get(
        f"/admin/booking/booking/{made['soon'].pk}/change/").content.decode()).group(1)
    assert f"{wednesday:%Y-%m-%d} 09:00" in title  # the point's local time, not UTC (06:00 or 07:00)
