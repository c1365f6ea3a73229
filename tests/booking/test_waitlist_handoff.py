"""Giving freed time to the waitlist: the point matched in SQL, one entry's failure never stopping
the others, and a sweep cut short resuming where it was (docs/waitlist.md). `now` is passed in."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, User

from tests.booking.conftest import at
from tests.factories import load_network
from vuoro.booking import waitlist
from vuoro.booking.models import Booking, DayLoad, WaitlistEntry, WaitlistEntryPoint
from vuoro.booking.selectors import availability_list, busy_by_point_day, day_summary
from vuoro.booking.services import Customer, booking_cancel, booking_create
from vuoro.booking.waitlist import HAND_OFF_CANDIDATES, waitlist_join, waitlist_sweep
from vuoro.network.roles import MANAGER
from vuoro.network.state import network_state

SERVICE = "residence-card"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
DAY = dt.date(2027, 3, 10)  # a Wednesday
NOW = at(dt.date(2027, 3, 1), 8)  # a Monday before it
TIMES = [(9, 0), (9, 40), (10, 20)]  # a day's three 40-minute visits on each desk


@pytest.fixture
def two_points():
    """Points A and B, one desk each, 09:00-11:00 on weekdays, 40-minute visits on a 20-minute grid."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                        points=[dict(id=point, desks=1, services=[SERVICE], hours={d: "09:00-11:00" for d in WEEKDAYS})
                                for point in ("point-a", "point-b")])


def book(point, day, hour, minute, email):
    return booking_create(state=network_state(), service_code=SERVICE, point_id=point, start_at=at(day, hour, minute),
                          persons=1, language="fi", customer=Customer(name="F", email=email), now=NOW).booking


def fill(point, day=DAY):
    return [book(point, day, hour, minute, f"filler-{point}-{n}@example.org")
            for n, (hour, minute) in enumerate(TIMES)]


def join(email, *, points=(), joined=NOW, auto_book=True, day=DAY):
    return waitlist_join(state=network_state(), service_code=SERVICE, point_ids=list(points), from_date=day,
                         to_date=day, persons=1, language="en", auto_book=auto_book, now=joined,
                         customer=Customer(name="W", email=email)).entry


def status(entry):
    return WaitlistEntry.objects.get(pk=entry.pk).status


def assert_day_summary_exact(point_id, day=DAY):
    state = network_state()
    point = state.points[point_id]
    busy = busy_by_point_day([point], [day]).get((point.id, day), [])
    free_cells, _ = day_summary(point.calendar.opening_on(day), busy, slot_minutes=state.slot_minutes)
    assert DayLoad.objects.get(service_point_id=point_id, date=day).free_cells == free_cells


@pytest.mark.django_db
class TestThePointInSql:
    def test_time_freed_at_b_goes_to_bs_entry_behind_many_waiting_for_a_only(self, two_points):
        fill("point-a")
        at_b = fill("point-b")
        for n in range(HAND_OFF_CANDIDATES + 10):
            join(f"a-{n}@example.org", points=["point-a"], joined=NOW + dt.timedelta(seconds=n))
        for_b = join("b@example.org", points=["point-b"], joined=NOW + dt.timedelta(minutes=5))
        booking_cancel(booking=at_b[1], now=NOW + dt.timedelta(minutes=10))
        for_b.refresh_from_db()
        assert for_b.status == "booked" and for_b.booked.start_at == at_b[1].start_at
        assert for_b.booked.service_point_id == "point-b"
        assert WaitlistEntry.objects.filter(status="waiting").count() == HAND_OFF_CANDIDATES + 10
        assert availability_list(state=network_state(), service_code=SERVICE, point_ids=None, from_date=DAY,
                                 to_date=DAY, limit=None, now=NOW + dt.timedelta(minutes=10)) == []
        assert_day_summary_exact("point-b")

    def test_first_come_first_served_between_any_point_and_this_point(self, two_points):
        at_b = fill("point-b")
        for n in range(HAND_OFF_CANDIDATES + 5):
            join(f"a-{n}@example.org", points=["point-a"], joined=NOW + dt.timedelta(seconds=n), day=DAY)
        later_for_b = join("b@example.org", points=["point-b"], joined=NOW + dt.timedelta(minutes=6))
        any_point = join("any@example.org", joined=NOW + dt.timedelta(minutes=5))
        booking_cancel(booking=at_b[0], now=NOW + dt.timedelta(minutes=10))
        assert (status(any_point), status(later_for_b)) == ("booked", "waiting")
        booking_cancel(booking=at_b[2], now=NOW + dt.timedelta(minutes=11))
        assert status(later_for_b) == "booked"

    def test_each_entry_has_its_point_rows_and_any_point_is_one_blank_row(self, two_points):
        both = join("both@example.org", points=["point-b", "point-a"])
        anywhere = join("any@example.org")
        assert sorted(WaitlistEntryPoint.objects.filter(entry=both).values_list("point_id", flat=True)) == [
            "point-a", "point-b"]
        assert list(WaitlistEntryPoint.objects.filter(entry=anywhere).values_list("point_id", flat=True)) == [""]


def failing_for(monkeypatch, email, error):
    """Make giving a time to the entry of `email` raise `error` (a fault, as a bug or a lost
    connection would); every other entry is served by the real function."""
    real = waitlist.booking_create

    def booking_create_or_fail(**kwargs):
        if kwargs["customer"].email == email:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(waitlist, "booking_create", booking_create_or_fail)


@pytest.mark.django_db
class TestOneFailureStopsNothing:
    def test_the_sweep_passes_over_a_failing_entry_and_counts_it_for_staff(self, two_points, monkeypatch, client):
        entries = [join(f"w{n}@example.org", points=["point-a"], joined=NOW + dt.timedelta(seconds=n))
                   for n in range(3)]
        failing_for(monkeypatch, "w1@example.org", RuntimeError("a fault"))
        counts = waitlist_sweep(now=NOW + dt.timedelta(minutes=1))
        assert counts["given"] == 2 and counts["failed"] == 1
        assert [status(e) for e in entries] == ["booked", "waiting", "booked"]
        failed = WaitlistEntry.objects.get(pk=entries[1].pk)
        assert (failed.failed_attempts, failed.last_failure, failed.last_failure_at) == (
            1, "RuntimeError", NOW + dt.timedelta(minutes=1))
        assert not Booking.objects.filter(reservation_key=failed.waitlist_key).exists()  # its attempt undone
        assert_day_summary_exact("point-a")

        user = User.objects.create_user("maija", password="x", is_staff=True)
        user.groups.add(Group.objects.get(name=MANAGER))
        client.force_login(user)
        page = client.get("/admin/booking/waitlistentry/", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "1 open waitlist entry could not be given a time because of an error" in page.content.decode()
        listed = client.get("/admin/booking/waitlistentry/?hand_off=failed", headers={"Accept-Language": "en"})
        assert failed.waitlist_key in listed.content.decode()
        assert entries[0].waitlist_key not in listed.content.decode()

        monkeypatch.undo()  # the fault is mended: the next sweep serves it, in its place
        assert waitlist_sweep(now=NOW + dt.timedelta(minutes=2))["given"] == 1
        assert status(failed) == "booked"

    def test_a_failing_entry_does_not_fail_the_cancellation_and_the_next_gets_the_time(self, two_points,
                                                                                        monkeypatch):
        fillers = fill("point-a")
        first = join("first@example.org", joined=NOW)
        second = join("second@example.org", joined=NOW + dt.timedelta(seconds=1))
        failing_for(monkeypatch, "first@example.org", RuntimeError("a fault"))
        cancelled = booking_cancel(booking=fillers[0], now=NOW + dt.timedelta(minutes=1))
        assert cancelled.status == Booking.Status.CANCELLED
        assert (status(first), status(second)) == ("waiting", "booked")
        assert WaitlistEntry.objects.get(pk=first.pk).failed_attempts == 1
        assert WaitlistEntry.objects.get(pk=second.pk).booked.start_at == fillers[0].start_at
        assert_day_summary_exact("point-a")

    def test_a_failure_in_lapsing_a_hold_passes_over_that_entry(self, two_points, monkeypatch):
        fillers = fill("point-a")
        first = join("first@example.org", joined=NOW, auto_book=False)
        booking_cancel(booking=fillers[0], now=NOW)
        assert status(first) == "offered"

        def broken(hold, *, state, now):
            raise RuntimeError("a fault")

        monkeypatch.setattr(waitlist, "_hold_release", broken)
        counts = waitlist_sweep(now=NOW + dt.timedelta(minutes=31))
        assert (counts["lapsed"], counts["failed"]) == (0, 1)
        assert status(first) == "offered"  # undone whole: the next sweep lapses it
        monkeypatch.undo()
        assert waitlist_sweep(now=NOW + dt.timedelta(minutes=32))["lapsed"] == 1
        assert status(first) == "expired"


class WorkerKilled(BaseException):
    """Stands for the worker's process ending mid-sweep: nothing in the sweep catches it."""


@pytest.mark.django_db(transaction=True)
def test_a_sweep_cut_short_resumes_where_it_was_and_gives_nothing_twice(two_points, monkeypatch):
    entries = [join(f"w{n}@example.org", joined=NOW + dt.timedelta(seconds=n)) for n in range(5)]
    failing_for(monkeypatch, "w2@example.org", WorkerKilled())
    with pytest.raises(WorkerKilled):
        waitlist_sweep(now=NOW + dt.timedelta(minutes=1))
    assert [status(e) for e in entries] == ["booked", "booked", "waiting", "waiting", "waiting"]
    assert Booking.objects.exclude(status="cancelled").count() == 2  # the third's transaction was undone
    monkeypatch.undo()
    counts = waitlist_sweep(now=NOW + dt.timedelta(minutes=2))  # the next run of the periodic task
    assert counts["given"] == 3 and counts["failed"] == 0
    assert [status(e) for e in entries] == ["booked"] * 5
    assert waitlist_sweep(now=NOW + dt.timedelta(minutes=3))["given"] == 0
    assert Booking.objects.exclude(status="cancelled").count() == 5
    assert sorted(WaitlistEntry.objects.values_list("booked__reservation_key", flat=True)) == sorted(
        e.waitlist_key for e in entries)
    for point in ("point-a", "point-b"):
        assert_day_summary_exact(point)


@pytest.mark.django_db(transaction=True)
def test_the_migration_writes_the_point_rows_of_the_entries_already_waiting(two_points):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("booking", "0013_person_keys_and_client_key")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("booking")
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("booking", "WaitlistEntry")
        service_id = network_state().service_ids[SERVICE]
        for key, points in (("AAAAAAAAAA", ["point-b", "point-a"]), ("BBBBBBBBBB", [])):
            old.objects.create(waitlist_key=key, pin_hash="x", service_id=service_id, point_ids=points, from_date=DAY,
                               to_date=DAY, persons=1, language="fi", customer_name="W", customer_email="w@example.org",
                               email_key=f"{key}@example.org", created_at=NOW, baseline_date=DAY)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    rows = sorted(WaitlistEntryPoint.objects.values_list("entry__waitlist_key", "point_id"))
    assert rows == [("AAAAAAAAAA", "point-a"), ("AAAAAAAAAA", "point-b"), ("BBBBBBBBBB", "")]
