"""The caps per person among many bookings without a phone: the check still tells people apart by
e-mail and phone, and on PostgreSQL the booking's one statement keeps a generic plan (planned once
per connection, vuoro.prepared) rather than being planned anew on every booking. On the real
database (SQLite and PostgreSQL)."""
import datetime as dt

import pytest
from django.db import connection

from tests.booking.conftest import at
from vuoro.booking.models import Booking
from vuoro.booking.services import _PERSON_AT_CAP_SQL, ActiveBookingExists, Customer, booking_create
from vuoro.network.models import Desk, Service
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db

SERVICE = "residence-card"
PHONELESS = 20_000  # enough that PostgreSQL would rather scan than look up a phone shared by all
PHONELESS_SQLITE = 2_000  # no plans to test there: the caps alone


def phoneless_bookings(day: dt.date) -> None:
    """PHONELESS live bookings (on SQLite fewer) without a phone, as in a network where few
    customers give one, one after another at one desk from a year after `day` on (beyond anything
    the tests book); then fresh statistics."""
    desk = Desk.objects.filter(service_point_id="smoke-point").order_by("id").first()
    service = Service.objects.get(code=SERVICE)
    start = at(day, 9).astimezone(dt.UTC) + dt.timedelta(days=366)  # in UTC: no clock changes
    count = PHONELESS if connection.vendor == "postgresql" else PHONELESS_SQLITE
    Booking.objects.bulk_create(
        [Booking(reservation_key=f"Q{n:09d}", pin_hash="-", service_point_id="smoke-point", service=service,
                 desk=desk, start_at=start + dt.timedelta(minutes=40 * n),
                 end_at=start + dt.timedelta(minutes=40 * (n + 1)), local_date=start.date(), persons=1,
                 language="fi", customer_name="Someone", customer_email=f"q{n}@example.org",
                 email_key=f"q{n}@example.org", created_at=start) for n in range(count)], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_booking")


def book(start: dt.datetime, email: str, phone: str = "", *, now: dt.datetime):
    return booking_create(state=network_state(), service_code=SERVICE, point_id="smoke-point", start_at=start,
                          persons=1, language="fi", customer=Customer(name="A Person", email=email, phone=phone),
                          now=now)


def test_among_many_bookings_without_a_phone_the_caps_tell_people_apart(smoke_network, wednesday):
    phoneless_bookings(wednesday)
    now = at(wednesday, 8) - dt.timedelta(days=2)
    starts = [at(wednesday, 9), at(wednesday, 9, 40), at(wednesday, 10, 20)]
    book(starts[0], "first@example.org", now=now)
    book(starts[0], "second@example.org", now=now)  # no phone either: another person
    with pytest.raises(ActiveBookingExists):  # the same address: the service's cap of one
        book(starts[1], "first@example.org", now=now)
    book(starts[1], "third@example.org", "+358401234567", now=now)
    with pytest.raises(ActiveBookingExists):  # the same phone under another address
        book(starts[2], "fourth@example.org", "+358401234567", now=now)
    assert Booking.objects.filter(customer_name="A Person").count() == 3


def test_the_caps_check_has_a_generic_plan_that_reads_indexes(smoke_network, wednesday):
    """PostgreSQL plans a prepared statement for its values five times, then keeps a generic plan
    (planned once per connection, for any values) when that is not dearer. Over an index of every
    phone, with most bookings without one, the generic plan of the caps' check scanned the whole
    table: so it never was the cheaper, and every booking's statement was planned anew."""
    phoneless_bookings(wednesday)
    now = at(wednesday, 8) - dt.timedelta(days=2)
    for n in range(8):  # one person each: the checks find no booking of theirs
        day = wednesday + dt.timedelta(days=n // 2 * 7)
        book(at(day, 9) if n % 2 else at(day, 10, 20), f"p{n}@example.org", f"+35840{n:07d}", now=now)
    assert Booking.objects.filter(customer_name="A Person").count() == 8
    if connection.vendor != "postgresql":
        return
    check = _PERSON_AT_CAP_SQL
    for n in range(1, check.count("%s") + 1):
        check = check.replace("%s", f"${n}", 1)
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE caps_check AS {check}")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("EXPLAIN EXECUTE caps_check(1, 'x@example.org', '+358401234567', now(), 1, 1, 3)")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE caps_check")
    assert "Seq Scan" not in plan and "booking_phone_set" in plan, plan
