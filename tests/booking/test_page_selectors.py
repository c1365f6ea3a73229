"""The selectors behind the booking pages agree with `availability_list`, on the real database."""
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from tests.booking.conftest import at
from tests.factories import load_network
from vuoro.booking.selectors import availability_list, earliest_by_point, free_day_list, nearest_slot_list
from vuoro.booking.services import Customer, booking_create
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
SERVICE = "residence-card"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
def network():
    """Three points: two in Helsinki's zone (one open only on Fridays), one in Stockholm's."""
    return load_network(slot_minutes=20, horizon_days=40, holidays=None, services=[(SERVICE, 40)],
                        points=[dict(id="a", desks=2, services=[SERVICE], hours={d: "09:00-11:00" for d in WEEKDAYS}),
                                dict(id="b", desks=1, services=[SERVICE], hours={"fri": "12:00-14:00"}),
                                dict(id="c", desks=1, services=[SERVICE], timezone="Europe/Stockholm",
                                     hours={d: "09:00-11:00" for d in WEEKDAYS})])


def book(start, point="a", email="x@example.org"):
    booking_create(state=network_state(), service_code=SERVICE, point_id=point, start_at=start, persons=1,
                   language="fi", customer=Customer(name="X", email=email), now=dt.datetime.now(dt.UTC))


def now():
    return dt.datetime.now(dt.UTC)


class TestFreeDayList:
    def test_counts_per_local_day_what_availability_lists(self, network):
        when = now()
        first, last = dt.date.today(), dt.date.today() + dt.timedelta(days=45)
        counts = free_day_list(state=network_state(), service_code=SERVICE, point_ids=None, first_date=first,
                               last_date=last, now=when)
        listed = availability_list(state=network_state(), service_code=SERVICE, point_ids=None, from_date=first,
                                   to_date=last, limit=None, now=when)
        zones = {"a": ZoneInfo("Europe/Helsinki"), "b": ZoneInfo("Europe/Helsinki"), "c": ZoneInfo("Europe/Stockholm")}
        assert counts == dict(sorted(Counter(s.slot.start.astimezone(zones[s.service_point]).date()
                                             for s in listed).items()))
        assert max(counts) <= (when + dt.timedelta(days=40)).date()

    def test_leaves_out_full_days_and_counts_one_point(self, network, wednesday):
        for n, start in enumerate([at(wednesday, 9), at(wednesday, 9, 40), at(wednesday, 10, 20)] * 2):
            book(start, email=f"{n}@example.org")
        book(at(wednesday + dt.timedelta(days=1), 9), email="thu@example.org")
        book(at(wednesday + dt.timedelta(days=1), 9), email="thu2@example.org")
        counts = free_day_list(state=network_state(), service_code=SERVICE, point_ids=["a"], first_date=wednesday,
                               last_date=wednesday + dt.timedelta(days=2), now=now())
        assert counts == {wednesday + dt.timedelta(days=1): 3, wednesday + dt.timedelta(days=2): 5}


class TestEarliestByPoint:
    def test_gives_each_point_its_own_earliest_start(self, network):
        when = now()
        earliest = earliest_by_point(state=network_state(), service_code=SERVICE, now=when)
        for point in ("a", "b", "c"):
            first = availability_list(state=network_state(), service_code=SERVICE, point_ids=[point], from_date=None,
                                      to_date=None, limit=1, now=when)[0]
            assert earliest[point] == first
        assert earliest["b"].slot.start.astimezone(ZoneInfo("Europe/Helsinki")).weekday() == 4

    def test_leaves_out_a_point_without_free_times(self, network):
        load_network(slot_minutes=20, horizon_days=40, holidays=None, services=[(SERVICE, 40)],
                     points=[dict(id="closed", desks=1, services=[SERVICE], hours={})])
        assert "closed" not in earliest_by_point(state=network_state(), service_code=SERVICE, now=now())


class TestNearestSlotList:
    def test_chooses_the_same_point_and_day_first_and_lists_them_in_date_order(self, network, wednesday):
        book(at(wednesday, 9, 40))
        book(at(wednesday, 9, 40), email="y@example.org")
        nearest = nearest_slot_list(state=network_state(), service_code=SERVICE, point_id="a",
                                    start_at=at(wednesday, 9, 40), now=now(), limit=4)
        found = [(s.service_point, s.slot.start) for s in nearest]
        assert {("a", at(wednesday, 9)), ("a", at(wednesday, 10, 20))} <= set(found)
        assert [point for point, _start in found] == ["a"] * 4
        assert [start for _point, start in found] == sorted(start for _point, start in found)
        others = [start for _point, start in found if start.astimezone(at(wednesday, 9).tzinfo).date() != wednesday]
        assert len(others) == 2  # the nearest times of the days around it

    def test_turns_to_other_points_when_the_point_is_full_that_day(self, network):
        friday = dt.date.today() + dt.timedelta(days=10)
        while friday.weekday() != 4:
            friday += dt.timedelta(days=1)
        book(at(friday, 12, 20), point="b")
        book(at(friday, 13, 20), point="b", email="y@example.org")
        nearest = nearest_slot_list(state=network_state(), service_code=SERVICE, point_id="b",
                                    start_at=at(friday, 12, 20), now=now(), limit=5, days_around=0)
        stockholm = ZoneInfo("Europe/Stockholm")
        found = [(s.service_point, s.slot.start) for s in nearest]
        # c's nearest (its day ends at 12:00 Helsinki time, 11:00 in Stockholm), then a's; in date order.
        assert {("c", at(friday, 10, 20, stockholm)), ("c", at(friday, 10, 0, stockholm)),
                ("c", at(friday, 9, 40, stockholm))} <= set(found)
        assert len(nearest) == 5 and {s.service_point for s in nearest} == {"a", "c"}
        assert [start for _point, start in found] == sorted(start for _point, start in found)
