"""The demo fill: a congested calendar, never overlapping, made once."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.booking.test_concurrency import assert_no_overlap_on_any_desk
from tests.factories import load_network
from vuoro.booking.demo import demo_bookings_fill
from vuoro.booking.models import Booking, DayLoad
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db


def _booked_share(now: dt.datetime, first: int, last: int) -> float:
    """Booked minutes over the desk minutes open at point p1 from `first` to `last` days after today."""
    point = network_state().points["p1"]
    today = now.astimezone(point.zone).date()
    days = [today + dt.timedelta(days=k) for k in range(first, last + 1)]
    open_minutes = sum(opening.desks * opening.interval.duration.total_seconds() / 60
                       for opening in map(point.calendar.opening_on, days) if opening is not None)
    booked = sum(DayLoad.objects.filter(service_point_id="p1", date__in=days).values_list("booked_minutes", flat=True))
    return booked / open_minutes


def test_fills_the_near_weeks_more_than_the_far_ones_and_only_once():
    load_network(services=[("extended-permit", 30), ("citizenship", 45)],
                 points=[dict(id="p1", desks=2, services=["extended-permit", "citizenship"])])
    now = timezone.now()
    made = demo_bookings_fill(now=now)
    assert made == Booking.objects.count() > 0
    assert demo_bookings_fill(now=now) == 0
    assert_no_overlap_on_any_desk()
    # As shares of the desk time open then: weeks with public holidays (Christmas) open less.
    assert _booked_share(now, 1, 21) > 1.5 * _booked_share(now, 63, 84)
    assert set(Booking.objects.filter(start_at__lt=now).values_list("status", flat=True)) <= {"done", "no_show"}
    assert sum(DayLoad.objects.values_list("booked_minutes", flat=True)) == sum(
        (b.end_at - b.start_at).total_seconds() // 60 for b in Booking.objects.all())


def test_the_demo_command_loads_the_demo_network_and_staff(capsys):
    call_command("demo", "--no-bookings")
    out = capsys.readouterr().out
    assert "manager-malmi" in out and "clerk-malmi" in out
    from vuoro.network.models import ServicePoint

    assert ServicePoint.objects.count() == 11
    from vuoro.network.state import network_state

    assert network_state().pool_of_point == {"helsinki-malmi": "withdrawal-agreement"}  # a pool, at one point


def test_a_demo_familys_visit_takes_its_family_time():
    load_network(services=[("residence-card", 30, 15)], points=[dict(id="p1", desks=2, services=["residence-card"])])
    demo_bookings_fill(now=timezone.now())
    lengths = {(b.persons, (b.end_at - b.start_at).total_seconds() // 60) for b in Booking.objects.all()}
    assert {persons for persons, _ in lengths} > {1}
    assert all(minutes == 30 + (persons - 1) * 15 for persons, minutes in lengths)
