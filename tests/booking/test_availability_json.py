"""The availability answer is written by hand for speed: it must be the bytes ninja's encoder writes."""
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.http import JsonResponse
from ninja.responses import NinjaJSONEncoder

from tests.factories import load_network
from vuoro.booking import api, selectors
from vuoro.booking.api import _days_json, _slots_json
from vuoro.booking.selectors import availability_days, availability_list
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db

SPRING_FORWARD = dt.date(2027, 3, 28)  # a Sunday: Helsinki 03:00 -> 04:00, Stockholm 02:00 -> 03:00
FALL_BACK = dt.date(2027, 10, 31)  # a Sunday: Helsinki 04:00 -> 03:00


def expected(found) -> str:
    rows = [{"service_point": s.service_point, "start": s.slot.start.astimezone(s.day.point.zone),
             "end": s.slot.end.astimezone(s.day.point.zone), "free_desks": s.slot.free_desks} for s in found]
    return JsonResponse({"slots": rows}, encoder=NinjaJSONEncoder).content.decode()


def three_points_at_night():
    night = {d: "00:00-23:45" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    load_network(slot_minutes=15, horizon_days=30, holidays=None, services=[("residence-card", 45)],
                 points=[dict(id="p-hel", desks=2, services=["residence-card"], hours=night),
                         dict(id="p-sto", desks=1, services=["residence-card"], hours=night,
                              timezone="Europe/Stockholm"),
                         dict(id="p-utc", desks=1, services=["residence-card"], hours=night, timezone="UTC")])


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK])
def test_days_with_and_without_a_clock_change_inside_the_opening(day):
    three_points_at_night()
    now = dt.datetime.combine(day - dt.timedelta(days=2), dt.time(12), tzinfo=ZoneInfo("Europe/Helsinki"))
    found = availability_list(state=network_state(), service_code="residence-card", point_ids=None,
                              from_date=day - dt.timedelta(days=1), to_date=day + dt.timedelta(days=1), limit=None,
                              now=now)
    assert len(found) > 3 * 3 * 90  # three days at three points, nearly 24 hours each
    local = {(s.service_point, s.slot.start.astimezone(s.day.point.zone).utcoffset()) for s in found}
    assert len(local) == 5  # both offsets in Helsinki and in Stockholm, one in UTC
    assert _slots_json(found) == expected(found)
    assert json.loads(_slots_json(found))["slots"][0]["start"].endswith(("Z", "+02:00", "+01:00", "+03:00"))
    # The same starts a day at a time (the answer without a limit): the same bytes, across points
    # and at each point alone.
    window = dict(state=network_state(), service_code="residence-card", from_date=day - dt.timedelta(days=1),
                  to_date=day + dt.timedelta(days=1), now=now)
    assert _days_json(availability_days(point_ids=None, **window)) == expected(found)
    for point in ("p-hel", "p-sto", "p-utc"):
        alone = [s for s in found if s.service_point == point]
        assert _days_json(availability_days(point_ids=[point], **window)) == expected(alone)


@pytest.mark.parametrize("points", [None, ["p-hel"]])
def test_an_answer_without_a_limit_is_cut_at_the_most_slots_an_answer_holds(points, monkeypatch):
    three_points_at_night()
    monkeypatch.setattr(api, "MAX_SLOTS", 250)
    monkeypatch.setattr(selectors, "MAX_SLOTS", 250)
    now = dt.datetime.combine(FALL_BACK - dt.timedelta(days=2), dt.time(12), tzinfo=ZoneInfo("Europe/Helsinki"))
    window = dict(state=network_state(), service_code="residence-card", point_ids=points, from_date=None,
                  to_date=None, now=now)
    found = availability_list(limit=None, **window)
    assert len(found) == 250 and found == sorted(found)
    days = availability_days(cap=250, **window)
    assert sum(len(d.cells) for d in days) >= 250  # whole days, enough to hold the first 250...
    assert len(days) < 10  # ...and not the whole horizon
    assert _days_json(days) == expected(found)


def test_an_empty_answer():
    assert _slots_json([]) == expected([])
    assert _days_json([]) == expected([])
