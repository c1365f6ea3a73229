"""A process's copy of the network may be older than a change: a booking is never refused for that."""
import datetime as dt

import pytest

from tests.booking.conftest import at, booking_body
from vuoro.network.models import OpeningException
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db


def test_a_day_opened_after_this_process_last_looked_is_bookable_over_the_api(client, smoke_network, wednesday):
    saturday = wednesday + dt.timedelta(days=3)  # closed in the smoke network
    network_state()  # this process's copy: Saturday closed
    OpeningException.objects.create(service_point_id="smoke-point", date=saturday, opens_at=dt.time(9),
                                    closes_at=dt.time(11))
    answer = client.post("/api/v1/bookings", booking_body(at(saturday, 9)), content_type="application/json")
    assert answer.status_code == 201, answer.content
