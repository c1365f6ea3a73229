"""A process's copy of the network may be older than a change: a booking is never refused for that."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.booking.conftest import at, booking_body
from tests.factories import load_network
from vuoro.network.models import OpeningException
from vuoro.network.state import network_state, network_state_unchecked

pytestmark = pytest.mark.django_db


def test_a_day_opened_after_this_process_last_looked_is_bookable_over_the_api(client, smoke_network, wednesday):
    saturday = wednesday + dt.timedelta(days=3)  # closed in the smoke network
    network_state()  # this process's copy: Saturday closed
    OpeningException.objects.create(service_point_id="smoke-point", date=saturday, opens_at=dt.time(9),
                                    closes_at=dt.time(11))
    answer = client.post("/api/v1/bookings", booking_body(at(saturday, 9)), content_type="application/json")
    assert answer.status_code == 201, answer.content


def _starts(client, day: dt.date) -> list[str]:
    answer = client.get(f"/api/v1/availability?service=residence-card&service_point=smoke-point&from={day}&to={day}")
    assert answer.status_code == 200, answer.content
    return [slot["start"][11:16] for slot in answer.json()["slots"]]


def test_availability_shows_a_day_opened_after_this_process_last_looked(client, smoke_network, wednesday):
    saturday = wednesday + dt.timedelta(days=3)
    assert _starts(client, saturday) == []  # this process's copy: Saturday closed, and nothing to read
    OpeningException.objects.create(service_point_id="smoke-point", date=saturday, opens_at=dt.time(9),
                                    closes_at=dt.time(11))
    assert network_state_unchecked().points["smoke-point"].calendar.opening_on(saturday) is None  # still the old copy
    assert _starts(client, saturday) == ["09:00", "09:20", "09:40", "10:00", "10:20"]


def test_availability_follows_hours_changed_after_this_process_last_looked(client, smoke_network, wednesday):
    assert client.post("/api/v1/bookings", booking_body(at(wednesday, 9)),
                       content_type="application/json").status_code == 201  # the day's summary is stored
    assert _starts(client, wednesday) == ["09:00", "09:20", "09:40", "10:00", "10:20"]
    OpeningException.objects.create(service_point_id="smoke-point", date=wednesday, opens_at=dt.time(10),
                                    closes_at=dt.time(11))
    assert network_state_unchecked().points["smoke-point"].calendar.opening_on(wednesday) is not None
    # The summary's read saw the new version: the answer is made again under the new hours.
    assert _starts(client, wednesday) == ["10:00", "10:20"]


@pytest.mark.parametrize("limit", ["", "&limit=3"])
def test_an_availability_answer_reads_the_network_version_within_its_one_read(client, smoke_network, wednesday,
                                                                                limit):
    client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
    network_state()  # this process's copy is current
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"/api/v1/availability?service=residence-card&service_point=smoke-point"
                            f"&from={wednesday}&to={wednesday + dt.timedelta(days=6)}{limit}")
    assert answer.status_code == 200 and answer.json()["slots"]
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 1 and "version" in statements[0] and "dayload" in statements[0], statements


def test_a_point_added_after_this_process_last_looked_is_found_and_an_unknown_one_refused(client, smoke_network,
                                                                                         wednesday):
    def month_at(point: str):
        return client.get(f"/api/v1/availability?service=residence-card&service_point={point}"
                          f"&from={wednesday}&to={wednesday}")

    assert month_at("smoke-point").status_code == 200  # this process's copy: one point
    hours = {d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[("residence-card", 40)],
                 points=[dict(id=point, desks=2, services=["residence-card"], hours=hours)
                         for point in ("smoke-point", "new-point")])
    assert "new-point" not in network_state_unchecked().points
    answer = month_at("new-point")
    assert answer.status_code == 200 and len(answer.json()["slots"]) == 5, answer.content
    assert month_at("no-such-point").status_code == 404
