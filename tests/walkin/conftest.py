import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import load_network

HELSINKI = ZoneInfo("Europe/Helsinki")
ALL_DAY = {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def walkin_network():
    """A point open around the clock with 2 walk-in desks and 5 numbers a day; 1 appointment desk."""
    return load_network(holidays=None, services=[("extended-permit", 30), ("citizenship", 15)],
                        points=[dict(id="malmi", desks=1, services=["extended-permit", "citizenship"],
                                     walk_in=(2, 5), hours=ALL_DAY),
                                dict(id="oulu", desks=1, services=["extended-permit"], hours=ALL_DAY)])


@pytest.fixture
def office_network():
    """Weekday hours 08:00-16:00, 2 walk-in desks, 60 numbers a day."""
    return load_network(holidays=None, services=[("extended-permit", 30)],
                        points=[dict(id="malmi", desks=2, services=["extended-permit"], walk_in=(2, 60))])


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HELSINKI)


@pytest.fixture
def ten_oclock(monkeypatch):
    """The pages' clock stands at 10:00 today (Helsinki); returns that moment."""
    from django.utils import timezone

    moment = dt.datetime.combine(timezone.localdate(), dt.time(10), tzinfo=HELSINKI)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
