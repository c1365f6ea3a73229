"""No double booking, whatever the concurrency: truly parallel attempts on the real database."""
import json
import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.booking.conftest import at, booking_body, phone_of
from vuoro.booking.models import Booking, DayLoad
from vuoro.booking.services import BookingError, Customer, booking_create
from vuoro.network.models import Desk
from vuoro.network.state import network_state

PARALLEL = 24
pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(count, work):
    """Run work(n) in `count` threads released at the same instant; return their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(n):
        try:
            barrier.wait()
            results[n] = work(n)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_no_overlap_on_any_desk():
    live = list(Booking.objects.exclude(status=Booking.Status.CANCELLED).order_by("desk_id", "start_at"))
    for before, after in zip(live, live[1:], strict=False):
        if before.desk_id == after.desk_id:
            assert before.end_at <= after.start_at, (before, after)


def test_parallel_bookings_of_one_slot_give_one_per_desk_and_no_more(smoke_network, wednesday):
    start = at(wednesday, 9, 20)
    state = network_state()

    def book(n):
        return booking_create(state=state, service_code="residence-card", point_id="smoke-point", start_at=start,
                              persons=1, language="fi", customer=Customer(name=f"P{n}", email=f"p{n}@example.org"),
                              now=timezone.now())

    results = in_parallel(PARALLEL, book)
    kinds = Counter(type(r).__name__ for r in results)
    assert kinds == {"NewBooking": 2, "SlotUnavailable": PARALLEL - 2}, results
    assert Booking.objects.count() == 2
    assert set(Booking.objects.values_list("desk_id", flat=True)) == set(
        Desk.objects.filter(service_point_id="smoke-point", kind="appointment").values_list("id", flat=True))
    assert_no_overlap_on_any_desk()
    assert DayLoad.objects.get(service_point_id="smoke-point", date=wednesday).booked_minutes == 80


def test_parallel_overlapping_starts_never_share_a_desk(smoke_network, wednesday):
    starts = [at(wednesday, 9), at(wednesday, 9, 20), at(wednesday, 9, 40), at(wednesday, 10)]
    state = network_state()

    def book(n):
        return booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                              start_at=starts[n % len(starts)], persons=1, language="en",
                              customer=Customer(name=f"P{n}", email=f"q{n}@example.org"), now=timezone.now())

    results = in_parallel(PARALLEL, book)
    assert all(isinstance(r, BookingError) or type(r).__name__ == "NewBooking" for r in results), results
    assert_no_overlap_on_any_desk()
    assert 2 <= Booking.objects.count() <= 4


def test_the_same_email_booking_twice_at_once_gets_one_booking(smoke_network, wednesday):
    state = network_state()
    starts = [at(wednesday, 9), at(wednesday, 10)]

    def book(n):
        return booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                              start_at=starts[n % 2], persons=1, language="fi",
                              customer=Customer(name="Same", email="Same@Example.org"), now=timezone.now())

    results = in_parallel(PARALLEL, book)
    assert Counter(type(r).__name__ for r in results)["NewBooking"] == 1, results
    assert Booking.objects.count() == 1


def test_the_database_itself_refuses_an_overlapping_live_booking(smoke_network, wednesday):
    state = network_state()
    made = booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                          start_at=at(wednesday, 9), persons=1, language="fi",
                          customer=Customer(name="A", email="a@example.org"), now=timezone.now()).booking
    copy = {f.attname: getattr(made, f.attname) for f in Booking._meta.concrete_fields if f.attname != "id"}
    copy.update(reservation_key="0000000000", email_key="b@example.org",
                start_at=at(wednesday, 9, 20), end_at=at(wednesday, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(**copy)
    copy["status"] = Booking.Status.CANCELLED  # a cancelled booking holds no desk time
    Booking.objects.create(**copy)


def test_parallel_posts_to_the_real_server_give_201_or_409_and_never_a_double_booking(
        live_server, smoke_network, wednesday):
    body = booking_body(at(wednesday, 10, 20))

    def post(n):
        data = json.dumps({**body, "customer": {**body["customer"], "email": f"h{n}@example.org",
                                                "phone": phone_of(f"h{n}@example.org")}}).encode()
        request = urllib.request.Request(live_server.url + "/api/v1/bookings", data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    statuses = Counter(in_parallel(PARALLEL, post))
    assert statuses == {201: 2, 409: PARALLEL - 2}, statuses
    assert Booking.objects.count() == 2
    assert_no_overlap_on_any_desk()


def test_a_summary_out_of_step_with_the_bookings_never_gives_a_double_booking(smoke_network, wednesday):
    """Bookings trust the day's stored free cells. Were they ever wrong, the database refuses the
    overlapping row, and the retry reads the bookings themselves: another desk, or 409."""
    state, now = network_state(), timezone.now()

    def book(n):
        return booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                              start_at=at(wednesday, 9), persons=1, language="fi",
                              customer=Customer(name="L", email=f"l{n}@example.org"), now=now)

    first = book(1).booking
    lie = DayLoad.objects.get(service_point_id="smoke-point", date=wednesday)
    DayLoad.objects.filter(pk=lie.pk).update(free_cells="3f,3f")  # both desks free all morning: false
    second = book(2).booking
    assert {first.desk_id, second.desk_id} == set(Desk.objects.values_list("id", flat=True))
    assert DayLoad.objects.get(pk=lie.pk).free_cells != "3f,3f"  # the retry stored the truth
    DayLoad.objects.filter(pk=lie.pk).update(free_cells="3f,3f")
    with pytest.raises(BookingError):
        book(3)
    assert Booking.objects.count() == 2
    assert_no_overlap_on_any_desk()
