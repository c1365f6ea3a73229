"""A server's copy of the network may be a moment old: a booking is always placed under the current one."""
import pytest
from django.utils import timezone

from tests.booking.conftest import at, booking_body
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, SlotUnavailable, booking_create
from vuoro.network.models import OpeningException
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db


def book(state, start, email="n@example.org"):
    return booking_create(state=state, service_code="residence-card", point_id="smoke-point", start_at=start,
                          persons=1, language="fi", customer=Customer(name="N", email=email), now=timezone.now())


def test_a_day_closed_after_this_process_last_looked_is_not_booked(smoke_network, wednesday):
    old = network_state()
    OpeningException.objects.create(service_point_id="smoke-point", date=wednesday, opens_at=None)
    with pytest.raises(SlotUnavailable, match="closed"):
        book(old, at(wednesday, 9))  # the copy still has Wednesday open; the database says otherwise
    assert Booking.objects.count() == 0


def test_a_booking_under_an_outdated_copy_is_placed_under_the_current_network(smoke_network, wednesday):
    old = network_state()
    OpeningException.objects.create(service_point_id="smoke-point", date=wednesday, opens_at=at(wednesday, 9).time(),
                                    closes_at=at(wednesday, 11).time(), desks=1)
    book(old, at(wednesday, 9), email="first@example.org")
    with pytest.raises(SlotUnavailable):
        book(old, at(wednesday, 9), email="second@example.org")  # one desk staffed now, not two
    assert Booking.objects.count() == 1


def test_the_api_refuses_a_day_closed_a_moment_ago(client, smoke_network, wednesday):
    network_state()  # this process's copy: Wednesday open
    OpeningException.objects.create(service_point_id="smoke-point", date=wednesday, opens_at=None)
    answer = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
    assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable"
