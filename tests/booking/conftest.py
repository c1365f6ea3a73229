import datetime as dt
import zlib
from zoneinfo import ZoneInfo

import pytest

from tests.factories import load_network

HELSINKI = ZoneInfo("Europe/Helsinki")


def next_weekday(weekday: int, *, after_days: int = 7) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=after_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0, zone=HELSINKI) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


@pytest.fixture
def wednesday() -> dt.date:
    """A Wednesday a week or more ahead, not a holiday, whose Thursday and Friday are in its month
    (tests that follow it on a month's page find them there)."""
    day = next_weekday(2)
    while (day in __import__("holidays").country_holidays("FI", years=day.year)
           or (day + dt.timedelta(days=2)).month != day.month):
        day += dt.timedelta(days=7)
    return day


@pytest.fixture
def smoke_network():
    """The acceptance smoke test's network: 2 desks, 09:00-11:00 weekdays, 20-minute grid, 40-minute service."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[("residence-card", 40)],
                        points=[dict(id="smoke-point", desks=2, services=["residence-card"],
                                     hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")})])


def phone_of(email: str) -> str:
    """A mobile number of one's own for each test address: the phone is a person key too."""
    return "+358401234567" if email == "person@example.org" else f"+35840{zlib.crc32(email.encode()) % 10**7:07d}"


def booking_body(start: dt.datetime, *, email="person@example.org", point="smoke-point", service="residence-card",
                 persons=1, language="fi") -> dict:
    return {"service": service, "service_point": point, "start": start.isoformat(), "persons": persons,
            "language": language, "customer": {"name": "Test Person", "email": email, "phone": phone_of(email)}}
