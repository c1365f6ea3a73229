"""The waitlist under truly parallel cancellations and bookings (the real database, threads)."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.booking.conftest import at
from tests.booking.test_concurrency import assert_no_overlap_on_any_desk, in_parallel
from tests.booking.test_waitlist import FULL_DAY, assert_day_summary_exact, fill
from vuoro.booking.models import Booking, WaitlistEntry
from vuoro.booking.services import BookingError, Customer, booking_cancel, booking_create
from vuoro.booking.waitlist import waitlist_join, waitlist_join_move
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_cancellations_go_to_the_waitlist_never_to_the_public(smoke_network, wednesday):
    later = wednesday + dt.timedelta(days=7)
    fillers = fill(wednesday)
    state, now = network_state(), timezone.now()
    movers = [booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                             start_at=at(later, 9), persons=1, language="fi", now=now,
                             customer=Customer(name="M", email=f"mover{n}@example.org")).booking for n in range(2)]
    for n, mover in enumerate(movers):
        waitlist_join_move(state=state, booking=mover, point_ids=[], from_date=wednesday, to_date=None,
                           auto_book=True, now=now + dt.timedelta(seconds=n))
    for n in range(4):
        waitlist_join(state=state, service_code="residence-card", point_ids=[], from_date=wednesday,
                      to_date=wednesday, persons=1, language="fi", auto_book=n % 2 == 0,
                      now=now + dt.timedelta(seconds=10 + n), customer=Customer(name="W", email=f"w{n}@example.org"))

    def work(n):
        if n < len(fillers):
            return booking_cancel(booking=fillers[n], now=timezone.now()).status
        hour, minute = FULL_DAY[n % 3]
        try:  # the public tries for the same times at the same instant
            return booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                                  start_at=at(wednesday, hour, minute), persons=1, language="fi", now=timezone.now(),
                                  customer=Customer(name="P", email=f"public{n}@example.org")).booking.pk
        except BookingError as error:
            return error.code

    results = in_parallel(12, work)
    assert results[:6] == ["cancelled"] * 6, results
    assert not Booking.objects.filter(email_key__startswith="public").exclude(status="cancelled").exists(), results
    entries = list(WaitlistEntry.objects.order_by("created_at"))
    assert [e.status for e in entries] == ["booked", "booked", "booked", "offered", "booked", "offered"]
    for mover in movers:
        mover.refresh_from_db()
        assert mover.local_date == wednesday and mover.status == Booking.Status.CONFIRMED  # earlier, never later
    assert_no_overlap_on_any_desk()
    assert_day_summary_exact(wednesday)
    assert_day_summary_exact(later)
