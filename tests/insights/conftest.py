"""A small network whose figures are worked out by hand (tests/insights/test_*.py).

Europe/Helsinki, 60-minute grid, 10-day horizon, Finnish holidays. Service `permit` (60 min).
Point `a`: 1 desk, 09:00-11:00 on weekdays (two starts a day). Point `b`: the same hours, and
every time of the horizon booked (`b_full`).

NOW is Thursday 2027-03-25 12:00 (+02:00), after the day's hours. Friday 26 is Good Friday and
Monday 29 Easter Monday (both closed), the clocks go forward on Sunday 28: the first free time at
`a` is Tuesday 2027-03-30 09:00+03:00, five local days away. The horizon ends 2027-04-04 13:00
(+03:00): `a` offers Tue 30, Wed 31, Thu 1 and Fri 2 April, two starts each (4 of them in the
7 days 25-31 March, 8 in 30 and in 90 days).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import load_network

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2027, 3, 25, 12, 0, tzinfo=HELSINKI)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OPEN_DAYS = [dt.date(2027, 3, 30), dt.date(2027, 3, 31), dt.date(2027, 4, 1), dt.date(2027, 4, 2)]


@pytest.fixture
def small_network():
    return load_network(slot_minutes=60, horizon_days=10, holidays="FI", services=[("permit", 60)],
                        points=[dict(id=point, desks=1, services=["permit"],
                                     hours=dict.fromkeys(WEEKDAYS, "09:00-11:00")) for point in ("a", "b")])


@pytest.fixture
def b_full(small_network):
    """Every start of the horizon at `b` booked (booked an hour before NOW)."""
    from vuoro.booking.services import Customer, booking_create
    from vuoro.network.state import network_state

    state = network_state()
    for n, (day, hour) in enumerate((day, hour) for day in OPEN_DAYS for hour in (9, 10)):
        booking_create(state=state, service_code="permit", point_id="b", persons=1, language="fi",
                       start_at=dt.datetime.combine(day, dt.time(hour), tzinfo=HELSINKI),
                       customer=Customer(name="Test Person", email=f"p{n}@example.org"),
                       now=NOW - dt.timedelta(hours=1))
