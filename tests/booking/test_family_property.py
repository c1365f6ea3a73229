"""A start offered for n persons is bookable for n persons, and one not offered is refused,
whatever the day already holds (hypothesis, on the real database)."""
import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.booking.conftest import at
from tests.booking.test_family_time import family_network  # noqa: F401
from vuoro.booking.selectors import availability_list
from vuoro.booking.services import BookingError, Customer, booking_create
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
GRID = [dt.timedelta(minutes=20 * k) for k in range(6)]  # 09:00 ... 10:40 in a 09:00-11:00 day


def book(start: dt.datetime, persons: int, email: str, now: dt.datetime):
    return booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                          start_at=start, persons=persons, language="fi",
                          customer=Customer(name="P", email=email), now=now)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(earlier=st.lists(st.tuples(st.sampled_from(GRID), st.integers(1, 6)), max_size=4),
       persons=st.integers(1, 6))
def test_offered_for_n_persons_exactly_when_bookable_for_n_persons(family_network, wednesday,  # noqa: F811
                                                                   earlier, persons):
    now = dt.datetime.now(dt.UTC)
    opens = at(wednesday, 9)
    with transaction.atomic():
        for n, (offset, size) in enumerate(earlier):
            try:
                book(opens + offset, size, f"earlier{n}@example.org", now)
            except BookingError:
                pass
        offered = {s.slot.start: s.slot.end for s in availability_list(
            state=network_state(), service_code="residence-card", point_ids=["smoke-point"], from_date=wednesday,
            to_date=wednesday, limit=None, now=now, persons=persons)}
        length = dt.timedelta(minutes=40 + (persons - 1) * 20)
        assert all(end - start == length for start, end in offered.items())
        for offset in GRID:
            start = opens + offset
            try:
                with transaction.atomic():
                    made = book(start, persons, "family@example.org", now)
                    assert start in offered and made.booking.end_at == start + length
                    transaction.set_rollback(True)
            except BookingError:
                assert start not in offered
        transaction.set_rollback(True)
