"""Capacity pools over the API (extension, docs/api.md): `priority_code` in availability and bookings."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.booking.conftest import HELSINKI, booking_body
from tests.booking.test_pools import EVERY_DAY, WA
from tests.factories import load_network
from vuoro.booking.models import Booking, PriorityCode
from vuoro.booking.priority import priority_code_issue
from vuoro.network.models import Pool, Service

pytestmark = pytest.mark.django_db
DAY = dt.date.today() + dt.timedelta(days=10)


@pytest.fixture
def pooled():
    return load_network(slot_minutes=30, horizon_days=60, holidays=None,
                        services=[("residence-card", 30), ("extended-permit", 30)],
                        points=[dict(id="malmi", desks=2, services=["residence-card", "extended-permit"],
                                     hours=EVERY_DAY)],
                        pools=[dict(id=WA, desks=1, public_days_before=3, services=["residence-card"])])


def issue(valid_days=30, service="residence-card"):
    return priority_code_issue(pool=Pool.objects.get(pk=WA), service=Service.objects.get(code=service),
                               valid_days=valid_days, note="", actor=None, now=timezone.now())[1]


def free(client, **params):
    query = {"service": "residence-card", "service_point": "malmi", "from": DAY, "to": DAY, **params}
    return client.get("/api/v1/availability", query)


def body(email="person@example.org", **extra):
    return {**booking_body(dt.datetime.combine(DAY, dt.time(9), tzinfo=HELSINKI), point="malmi", email=email),
            **extra}


class TestAvailability:
    def test_the_public_sees_the_public_desk_only(self, client, pooled):
        assert {s["free_desks"] for s in free(client).json()["slots"]} == {1}

    def test_a_valid_code_shows_the_kept_desk_too(self, client, pooled):
        answer = free(client, priority_code=issue())
        assert answer.status_code == 200 and {s["free_desks"] for s in answer.json()["slots"]} == {2}

    def test_a_wrong_code_is_422_with_its_own_error(self, client, pooled):
        answer = free(client, priority_code="nope")
        assert answer.status_code == 422
        assert answer.json()["error"] == "invalid_priority_code" and "priority_code" in answer.json()["fields"]


class TestBooking:
    def test_a_code_books_the_kept_desk_and_is_used(self, client, pooled):
        code = issue()
        assert client.post("/api/v1/bookings", body(email="x@example.org"), content_type="application/json"
                           ).status_code == 201  # the public desk
        answer = client.post("/api/v1/bookings", body(priority_code=code), content_type="application/json")
        assert answer.status_code == 201, answer.content
        assert PriorityCode.objects.get().booking_id == Booking.objects.get(
            reservation_key=answer.json()["reservation_key"]).pk
        again = client.post("/api/v1/bookings", body(email="y@example.org", priority_code=code),
                            content_type="application/json")
        assert again.status_code == 422 and again.json()["error"] == "invalid_priority_code"
        assert "already been used" in again.json()["detail"]

    def test_without_a_code_the_kept_desk_is_not_offered(self, client, pooled):
        client.post("/api/v1/bookings", body(email="x@example.org"), content_type="application/json")
        answer = client.post("/api/v1/bookings", body(), content_type="application/json")
        assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable"

    def test_an_expired_code_is_422_and_books_nothing(self, client, pooled):
        code = issue()
        PriorityCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        answer = client.post("/api/v1/bookings", body(priority_code=code), content_type="application/json")
        assert answer.status_code == 422 and "expired" in answer.json()["detail"]
        assert Booking.objects.count() == 0
