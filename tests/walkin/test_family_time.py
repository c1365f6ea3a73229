"""Family time at the desk: a clerk's pickers offer and book the visit of the customer's persons."""
import re
from urllib.parse import urlencode

import pytest

from tests.booking.conftest import at
from tests.booking.test_family_time import family_network  # noqa: F401
from tests.walkin.test_staff_bookings import staff
from vuoro.booking.models import Booking
from vuoro.network.roles import CLERK

pytestmark = pytest.mark.django_db


def test_a_clerk_sees_and_books_only_times_the_family_fits_in(client, family_network, wednesday):  # noqa: F811
    client.force_login(staff("clerk", CLERK, "smoke-point"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    query = {"service": "residence-card", "point": "smoke-point", "persons": 3}
    day = client.get("/console/book/day/?" + urlencode({**query, "date": wednesday.isoformat()}))
    assert re.findall(r">(\d\d:\d\d)<", day.content.decode()) == ["09:00", "09:20", "09:40"]
    pick = "/console/book/details/?" + urlencode({**query, "start": at(wednesday, 9, 40).isoformat()})
    assert "09:40–11:00" in client.get(pick).content.decode()
    done = client.post(pick, {"name": "Perhe", "email": "perhe@example.org", "phone": "", "language": "fi"})
    assert done.status_code == 200
    assert (Booking.objects.get().persons, Booking.objects.get().end_at) == (3, at(wednesday, 11))
