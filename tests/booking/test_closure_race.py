"""A booking made while a closure is being saved never lands on the closed day."""
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from tests.booking.conftest import at
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, SlotUnavailable, booking_create
from vuoro.network import changes
from vuoro.network.changes import network_change
from vuoro.network.models import OpeningException
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db(transaction=True)


class _Plan:
    affected: list = []

    def apply(self, *, actor=None):
        return []


def test_a_booking_waiting_for_a_closing_day_is_refused_once_it_closes(smoke_network, wednesday):
    old_state = network_state()  # this process's copy: Wednesday open
    locked, release = threading.Event(), threading.Event()

    def hold(**kwargs):
        """A guard after the booking app's: the closure's days are locked; hold the transaction open."""
        locked.set()
        release.wait(timeout=30)
        return _Plan()

    outcome = {}

    def close():
        try:
            outcome["closure"] = network_change(change=lambda: OpeningException.objects.create(
                service_point_id="smoke-point", date=wednesday, opens_at=None), now=timezone.now(), confirmed=True)
        finally:
            connection.close()

    def book():
        try:
            locked.wait(timeout=30)
            booking_create(state=old_state, service_code="residence-card", point_id="smoke-point",
                           start_at=at(wednesday, 9), persons=1, language="fi",
                           customer=Customer(name="N", email="n@example.org"), now=timezone.now())
            outcome["booking"] = "booked"
        except SlotUnavailable as error:
            outcome["booking"] = str(error)
        finally:
            connection.close()

    changes.change_guard_register(hold)
    try:
        threads = [threading.Thread(target=close), threading.Thread(target=book)]
        for thread in threads:
            thread.start()
        locked.wait(timeout=30)
        time.sleep(0.5)  # let the booking reach the day's lock (if it comes later, it is refused all the same)
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        changes._guards.remove(hold)
    assert outcome["closure"].applied
    assert "closed" in outcome["booking"]
    assert not Booking.objects.filter(local_date=wednesday).exclude(status=Booking.Status.CANCELLED).exists()
