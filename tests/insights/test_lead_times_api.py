"""GET /api/v1/lead-times (docs/api.md, "Lead times"): against the hand-worked network of conftest.py."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.insights.conftest import HELSINKI, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_now(monkeypatch):
    moment = [NOW]
    monkeypatch.setattr(timezone, "now", lambda: moment[0])
    return moment


class TestLeadTimes:
    def test_the_first_free_time_after_good_friday_easter_and_the_clock_change(self, client, small_network, at_now):
        answer = client.get("/api/v1/lead-times")
        assert answer.status_code == 200
        assert answer.json() == [
            {"service": "permit", "service_point": "a", "first_free": "2027-03-30T09:00:00+03:00",
             "days_to_first_free": 5},
            {"service": "permit", "service_point": "b", "first_free": "2027-03-30T09:00:00+03:00",
             "days_to_first_free": 5},
        ]

    def test_a_fully_booked_point_has_no_first_free_time(self, client, b_full, at_now):
        rows = {row["service_point"]: row for row in client.get("/api/v1/lead-times").json()}
        assert rows["b"] == {"service": "permit", "service_point": "b", "first_free": None, "days_to_first_free": None}
        assert rows["a"]["days_to_first_free"] == 5

    def test_today_is_zero_before_the_doors_open(self, client, small_network, at_now):
        at_now[0] = dt.datetime(2027, 3, 30, 7, 0, tzinfo=HELSINKI)
        rows = client.get("/api/v1/lead-times?service_point=a").json()
        assert rows == [{"service": "permit", "service_point": "a", "first_free": "2027-03-30T09:00:00+03:00",
                         "days_to_first_free": 0}]

    def test_filters_by_service_and_point(self, client, small_network, at_now):
        assert [r["service_point"] for r in client.get("/api/v1/lead-times?service=permit").json()] == ["a", "b"]
        assert [r["service_point"] for r in client.get("/api/v1/lead-times?service=permit&service_point=b").json()] \
            == ["b"]

    @pytest.mark.parametrize("query", ["service=no-such", "service_point=no-such", "service=permit&service_point=x"])
    def test_an_unknown_service_or_point_is_404(self, client, small_network, query):
        answer = client.get(f"/api/v1/lead-times?{query}")
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"

    def test_sorted_by_service_then_point_each_service_at_its_own_points(self, client, at_now):
        from tests.factories import load_network

        load_network(slot_minutes=60, horizon_days=10, holidays=None, services=[("zeta", 60), ("alpha", 60)],
                     points=[dict(id="y", desks=1, services=["zeta", "alpha"]),
                             dict(id="x", desks=1, services=["zeta"])])
        rows = client.get("/api/v1/lead-times").json()
        assert [(r["service"], r["service_point"]) for r in rows] == [("alpha", "y"), ("zeta", "x"), ("zeta", "y")]
        assert client.get("/api/v1/lead-times?service=alpha&service_point=x").json() == []
