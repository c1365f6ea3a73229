"""A small network whose figures are worked out by hand (tests/insights/test_*.py).

Europe/Helsinki, 60-minute grid, 10-day horizon, Finnish holidays. Service `permit` (60 min).
Point `a`: 1 desk, 09:00-11:00 on weekdays (two starts a day). Point `b`: the same hours, and
every time of the horizon booked (`b_full`).

NOW is Thursday 2027-03-25 12:00 (+02:00), after the day's hours. Friday 26 is Good Friday and
Monday 29 Easter Monday (both closed), the clocks go forward on Sunday 28: the first free time at
`a` is Tuesday 2027-03-30 09:00+03:00, five local days away. The horizon ends 2027-04-04 13:00
(+03:00): `a` offers Tue 30, Wed 31, Thu 1 and Fri 2 April, two starts each (4 of them in the
7 days 25-31 March, 8 in 30 and in 90 days).

The figures' and service times' tests have a month of their own (`march`), worked out by hand:
March 2026, Europe/Helsinki, summer time from Sunday 29 March, Wednesday 25 March closed by an
exception.
"""
from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User

from tests.factories import load_network
from vuoro.booking.models import Booking
from vuoro.guidance.models import GuidanceRecord
from vuoro.network.models import Desk, Service
from vuoro.network.roles import ANALYST, ensure_staff_groups
from vuoro.walkin.models import Ticket, TicketDay

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2027, 3, 25, 12, 0, tzinfo=HELSINKI)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OPEN_DAYS = [dt.date(2027, 3, 30), dt.date(2027, 3, 31), dt.date(2027, 4, 1), dt.date(2027, 4, 2)]


@pytest.fixture
def small_network():
    return load_network(slot_minutes=60, horizon_days=10, holidays="FI", services=[("permit", 60)],
                        points=[dict(id=point, desks=1, services=["permit"],
                                     hours=dict.fromkeys(WEEKDAYS, "09:00-11:00")) for point in ("a", "b")])


@pytest.fixture
def b_full(small_network):
    """Every start of the horizon at `b` booked (booked an hour before NOW)."""
    from vuoro.booking.services import Customer, booking_create
    from vuoro.network.state import network_state

    state = network_state()
    for n, (day, hour) in enumerate((day, hour) for day in OPEN_DAYS for hour in (9, 10)):
        booking_create(state=state, service_code="permit", point_id="b", persons=1, language="fi",
                       start_at=dt.datetime.combine(day, dt.time(hour), tzinfo=HELSINKI),
                       customer=Customer(name="Test Person", email=f"p{n}@example.org"),
                       now=NOW - dt.timedelta(hours=1))


_keys = itertools.count(1)


def at(day: str, clock: str = "08:00", zone=HELSINKI) -> dt.datetime:
    """A local moment: at("2026-03-02", "08:30")."""
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)


def book(*, service: str, desk: int, day: str, start: str, minutes: int, created: dt.datetime,
         status=Booking.Status.CONFIRMED, point: str = "malmi", **stamps) -> Booking:
    start_at = at(day, start)
    n = next(_keys)
    return Booking.objects.create(
        reservation_key=f"K{n:07d}", pin_hash="x", service_point_id=point,
        service=Service.objects.get(code=service),
        desk=Desk.objects.get(service_point_id=point, kind=Desk.Kind.APPOINTMENT, number=desk), start_at=start_at,
        end_at=start_at + dt.timedelta(minutes=minutes), local_date=dt.date.fromisoformat(day), status=status,
        customer_name="A", customer_email=f"a{n}@example.org", email_key=f"a{n}@example.org", created_at=created,
        **stamps)


def ticket(*, number: int, day: str, issued: dt.datetime, status=Ticket.Status.WAITING, service: str | None = None,
           point: str = "malmi", **stamps) -> Ticket:
    return Ticket.objects.create(service_point_id=point, local_date=dt.date.fromisoformat(day), number=number,
                                 service=Service.objects.get(code=service) if service else None, status=status,
                                 issued_at=issued, **stamps)


@pytest.fixture
def march():
    """The hand-worked month; the comments give each booking's lead days (visit date - booked date)."""
    load_network(holidays="FI", services=[("extended-permit", 30), ("citizenship", 15)],
                 points=[dict(id="malmi", desks=2, services=["extended-permit", "citizenship"], walk_in=(1, 5),
                              exceptions=[("2026-03-25", "")]),
                         dict(id="yo", desks=1, services=["citizenship"], hours={"sun": "01:00-05:00"})])
    S = Booking.Status
    book(service="extended-permit", desk=1, day="2026-03-02", start="08:00", minutes=30,  # lead 10, 23 min
         created=at("2026-02-20", "10:00"), status=S.DONE, started_at=at("2026-03-02", "08:02"),
         finished_at=at("2026-03-02", "08:25"))
    book(service="extended-permit", desk=1, day="2026-03-02", start="08:30", minutes=30,  # lead 1, booked on Sunday
         created=at("2026-03-01", "12:00"), status=S.NO_SHOW)
    book(service="citizenship", desk=2, day="2026-03-03", start="09:00", minutes=15,  # lead 1, 14 min from the call
         created=at("2026-03-02", "09:00"), status=S.DONE, called_at=at("2026-03-03", "09:00"),
         finished_at=at("2026-03-03", "09:14"))
    # Booked at 01:30 on Monday 30 March, summer time: 22:30 UTC on Sunday. Lead 0, 40 minutes.
    book(service="extended-permit", desk=1, day="2026-03-30", start="08:00", minutes=30,
         created=at("2026-03-30", "01:30"), status=S.DONE, started_at=at("2026-03-30", "08:00"),
         finished_at=at("2026-03-30", "08:40"))
    book(service="extended-permit", desk=2, day="2026-03-26", start="10:00", minutes=30,  # lead 16, cancelled
         created=at("2026-03-10", "10:00"), status=S.CANCELLED, cancelled_at=at("2026-03-20", "12:00"))
    book(service="citizenship", desk=2, day="2026-03-26", start="10:00", minutes=15,  # lead 5: 15 min re-booked
         created=at("2026-03-21", "09:00"), status=S.DONE, started_at=at("2026-03-26", "10:00"),
         finished_at=at("2026-03-26", "10:12"))
    book(service="citizenship", desk=2, day="2026-03-26", start="10:15", minutes=15,  # lead 0: made on the day
         created=at("2026-03-26", "08:00"), status=S.NO_SHOW)
    book(service="extended-permit", desk=1, day="2026-03-27", start="08:00", minutes=30,  # lead 81
         created=at("2026-01-05", "10:00"), status=S.NO_SHOW)
    book(service="extended-permit", desk=1, day="2026-04-14", start="08:00", minutes=30,  # lead 30, in April
         created=at("2026-03-15", "10:00"))
    book(service="extended-permit", desk=1, day="2026-03-06", start="11:00", minutes=30,  # held: not counted
         created=at("2026-03-05", "10:00"), status=S.HELD, held_until=at("2026-03-05", "11:00"))
    T = Ticket.Status
    ticket(number=1, day="2026-03-02", issued=at("2026-03-02", "09:00"), status=T.DONE, service="citizenship",
           estimated_wait_minutes=5, called_at=at("2026-03-02", "09:10"), started_at=at("2026-03-02", "09:11"),
           finished_at=at("2026-03-02", "09:31"))
    ticket(number=2, day="2026-03-02", issued=at("2026-03-02", "09:05"), status=T.NO_SHOW, service="extended-permit",
           estimated_wait_minutes=15, called_at=at("2026-03-02", "09:30"), no_show_at=at("2026-03-02", "09:35"))
    ticket(number=3, day="2026-03-02", issued=at("2026-03-02", "09:20"))
    ticket(number=1, day="2026-03-30", issued=at("2026-03-30", "10:00"), status=T.DONE, service="extended-permit",
           called_at=at("2026-03-30", "10:04") + dt.timedelta(seconds=30), started_at=at("2026-03-30", "10:05"),
           finished_at=at("2026-03-30", "10:35") + dt.timedelta(seconds=20))
    TicketDay.objects.create(service_point_id="malmi", date=dt.date(2026, 3, 2), issued=3, turned_away=2)
    for day, outcome, matter in (("2026-03-10", "apply_online", "extended-permit"),
                                 ("2026-03-11", "book_appointment", "extended-permit"),
                                 ("2026-03-12", "visit_mission_abroad", "other"),
                                 ("2026-04-01", "apply_online", "extended-permit")):
        GuidanceRecord.objects.create(date=dt.date.fromisoformat(day), outcome=outcome, matter=matter, language="fi")


@pytest.fixture
def analyst():
    ensure_staff_groups()
    user = User.objects.create_user("analyst", password="insight-secret-1", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    return user
