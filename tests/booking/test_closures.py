"""A closure never strands anyone: each booking a network change hits is moved or cancelled, and told."""
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.booking.conftest import at
from tests.factories import network_text
from vuoro.audit.models import AuditEntry
from vuoro.booking.closures import CLOSURE_REASON, closure_plan
from vuoro.booking.models import DayLoad
from vuoro.booking.selectors import availability_list, busy_by_point_day, day_summary
from vuoro.booking.services import Customer, booking_cancel, booking_create
from vuoro.network.changes import ChangeNeedsConfirmation, network_change
from vuoro.network.models import OpeningException, OpeningHours
from vuoro.network.state import network_state
from vuoro.notify.models import Notice

pytestmark = pytest.mark.django_db
POINT = "smoke-point"  # 2 desks, 09:00-11:00 weekdays, a 20-minute grid, a 40-minute service


def book(start, email, persons=1):
    return booking_create(state=network_state(), service_code="residence-card", point_id=POINT, start_at=start,
                          persons=persons, language="sv", customer=Customer(name="N", email=email),
                          now=timezone.now()).booking


def desk_number(booking):
    booking.refresh_from_db()
    return booking.desk.number


def except_day(day, hours=None, desks=None, *, confirmed=True, preview=False):
    """Add an exception through the guarded change (as the admin and the loader do)."""
    opens, closes = hours or (None, None)
    return network_change(change=lambda: OpeningException.objects.create(
        service_point_id=POINT, date=day, opens_at=opens, closes_at=closes, desks=desks),
        now=timezone.now(), confirmed=confirmed, preview=preview)


def notices(booking):
    return list(Notice.objects.filter(booking=booking).exclude(event=Notice.Event.CONFIRMED)
                .values_list("event", flat=True))


def assert_day_summary_exact(day):
    """The day's stored summary is what its live bookings give under the current network."""
    state = network_state()
    point = state.points[POINT]
    busy = busy_by_point_day([point], [day]).get((POINT, day), [])
    load = DayLoad.objects.get(service_point_id=POINT, date=day)
    free_cells, free_run = day_summary(point.calendar.opening_on(day), busy, slot_minutes=state.slot_minutes)
    assert load.calendar_key == point.calendar_key
    assert (load.free_cells, load.free_run_minutes) == (free_cells, free_run)
    assert load.booked_minutes == sum(int((b.end - b.start).total_seconds() // 60) for b in busy)


class TestSameTimeAnotherDesk:
    def test_a_booking_on_a_desk_no_longer_staffed_keeps_its_time_on_a_free_desk(self, smoke_network, wednesday):
        first = book(at(wednesday, 9), "a@example.org")
        second = book(at(wednesday, 9), "b@example.org")  # desk 2
        booking_cancel(booking=first, now=timezone.now())
        outcome = except_day(wednesday, hours=(dt.time(9), dt.time(11)), desks=1, confirmed=False)
        assert outcome.applied and [item.outcome for item in outcome.affected] == ["desk"]
        second.refresh_from_db()
        assert (second.start_at, desk_number(second), second.status) == (at(wednesday, 9), 1, "confirmed")
        assert notices(second) == []  # nothing changed for the customer
        assert_day_summary_exact(wednesday)


class TestNearestTimeThatDay:
    def test_a_booking_that_loses_its_desk_takes_the_nearest_free_start(self, smoke_network, wednesday):
        kept = book(at(wednesday, 9), "a@example.org")
        moved = book(at(wednesday, 9), "b@example.org", persons=3)
        outcome = except_day(wednesday, hours=(dt.time(9), dt.time(11)), desks=1)
        assert [(i.label, i.outcome, i.new_local_start) for i in outcome.affected] == [
            (moved.reservation_key, "moved", at(wednesday, 9, 40))]
        moved.refresh_from_db()
        assert (moved.start_at, moved.end_at, moved.persons) == (at(wednesday, 9, 40), at(wednesday, 10, 20), 3)
        assert moved.status == "confirmed" and moved.rescheduled_count == 1
        kept.refresh_from_db()
        assert kept.start_at == at(wednesday, 9) and notices(kept) == []
        assert notices(moved) == ["agency_moved"]
        assert_day_summary_exact(wednesday)

    def test_shorter_hours_move_a_booking_inside_them(self, smoke_network, wednesday):
        early = book(at(wednesday, 9), "a@example.org")
        except_day(wednesday, hours=(dt.time(10), dt.time(11)))
        early.refresh_from_db()
        assert early.start_at == at(wednesday, 10) and notices(early) == ["agency_moved"]
        assert_day_summary_exact(wednesday)

    def test_the_moved_time_is_no_longer_offered(self, smoke_network, wednesday):
        book(at(wednesday, 9), "a@example.org")
        book(at(wednesday, 9), "b@example.org")
        except_day(wednesday, hours=(dt.time(9), dt.time(11)), desks=1)
        starts = [s.slot.start for s in availability_list(
            state=network_state(), service_code="residence-card", point_ids=[POINT], from_date=wednesday,
            to_date=wednesday, limit=None, now=timezone.now())]
        assert starts == [at(wednesday, 10, 20)]

    def test_new_weekly_hours_move_bookings_on_every_such_weekday(self, smoke_network, wednesday):
        later = wednesday + dt.timedelta(days=7)
        bookings = [book(at(wednesday, 9), "a@example.org"), book(at(later, 9), "b@example.org")]
        hours = OpeningHours.objects.get(service_point_id=POINT, weekday=2)

        def shorten():
            hours.opens_at = dt.time(10)
            hours.save()

        network_change(change=shorten, now=timezone.now(), confirmed=True)
        for booking, day in zip(bookings, (wednesday, later), strict=True):
            booking.refresh_from_db()
            assert booking.start_at == at(day, 10) and notices(booking) == ["agency_moved"]
            assert_day_summary_exact(day)


class TestCancelledWhenNothingFits:
    def test_a_closed_day_cancels_its_bookings_and_tells_each_customer(self, smoke_network, wednesday):
        bookings = [book(at(wednesday, 9), "a@example.org"), book(at(wednesday, 10), "b@example.org")]
        outcome = except_day(wednesday)
        assert sorted(i.outcome for i in outcome.affected) == ["cancelled", "cancelled"]
        for booking in bookings:
            booking.refresh_from_db()
            assert booking.status == "cancelled" and booking.cancelled_at is not None
            assert notices(booking) == ["agency_cancelled"]
        assert_day_summary_exact(wednesday)
        assert DayLoad.objects.get(service_point_id=POINT, date=wednesday).booked_minutes == 0

    def test_each_move_and_cancellation_is_in_the_audit_log(self, smoke_network, wednesday):
        moved = book(at(wednesday, 9), "a@example.org")
        cancelled = book(at(wednesday, 10, 20), "b@example.org")
        except_day(wednesday, hours=(dt.time(9, 40), dt.time(10, 20)), desks=1)
        entries = {e.object_id: e for e in AuditEntry.objects.filter(object_type="booking").all()}
        assert entries[str(moved.pk)].action == AuditEntry.Action.BOOKING_MOVE
        assert dt.datetime.fromisoformat(entries[str(moved.pk)].before["start_at"]) == at(wednesday, 9)
        assert dt.datetime.fromisoformat(entries[str(moved.pk)].after["start_at"]) == at(wednesday, 9, 40)
        assert entries[str(cancelled.pk)].action == AuditEntry.Action.BOOKING_CANCEL
        assert entries[str(cancelled.pk)].after["status"] == "cancelled"
        assert all(e.actor is None and e.reason == CLOSURE_REASON for e in entries.values())  # the system did it

    def test_a_booking_is_cancelled_when_the_day_has_no_free_start_left(self, smoke_network, wednesday):
        stays = book(at(wednesday, 10), "a@example.org")
        book(at(wednesday, 10), "b@example.org")
        early = book(at(wednesday, 9), "c@example.org")
        except_day(wednesday, hours=(dt.time(10), dt.time(10, 40)), desks=1)
        early.refresh_from_db()
        stays.refresh_from_db()
        assert early.status == "cancelled" and notices(early) == ["agency_cancelled"]
        assert stays.status == "confirmed" and stays.start_at == at(wednesday, 10)
        assert_day_summary_exact(wednesday)

    def test_a_customer_cancelled_by_the_agency_may_book_again_at_once(self, smoke_network, wednesday):
        book(at(wednesday, 9), "a@example.org")
        except_day(wednesday)
        again = book(at(wednesday + dt.timedelta(days=1), 9), "A@example.org")
        assert again.status == "confirmed"

    def test_other_days_and_points_are_left_alone(self, smoke_network, wednesday):
        thursday = book(at(wednesday + dt.timedelta(days=1), 9), "a@example.org")
        assert except_day(wednesday).affected == []
        thursday.refresh_from_db()
        assert thursday.status == "confirmed" and notices(thursday) == []


class TestConfirmation:
    def test_a_change_that_strands_bookings_is_refused_without_confirmation(self, smoke_network, wednesday):
        booking = book(at(wednesday, 9), "a@example.org")
        with pytest.raises(ChangeNeedsConfirmation) as refused:
            except_day(wednesday, confirmed=False)
        assert [(i.label, i.point_id, i.local_start) for i in refused.value.affected] == [
            (booking.reservation_key, POINT, at(wednesday, 9))]
        assert not OpeningException.objects.exists()
        booking.refresh_from_db()
        assert booking.status == "confirmed" and notices(booking) == []

    def test_a_preview_lists_the_bookings_and_writes_nothing(self, smoke_network, wednesday):
        booking = book(at(wednesday, 9), "a@example.org")
        outcome = except_day(wednesday, preview=True)
        assert not outcome.applied and [i.label for i in outcome.stranded] == [booking.reservation_key]
        assert not OpeningException.objects.exists() and network_state().points[POINT].calendar.opening_on(wednesday)
        booking.refresh_from_db()
        assert booking.status == "confirmed"

    def test_the_plan_reads_a_change_without_writing_one(self, smoke_network, wednesday):
        book(at(wednesday, 9), "a@example.org")
        before = network_state()
        plan = closure_plan(before=before, after=before, now=timezone.now(), lock=False)
        assert plan.placements == []


def load(path, text: str, *args) -> str:
    path.write_text(text)
    out = io.StringIO()
    call_command("loadnetwork", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def smoke_file(*exceptions):
    return network_text(slot_minutes=20, horizon_days=60, holidays=None, services=[("residence-card", 40)],
                        points=[dict(id=POINT, desks=2, services=["residence-card"], exceptions=list(exceptions),
                                     hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")})])


class TestLoadNetwork:
    def test_refuses_a_file_that_strands_bookings_and_names_them(self, smoke_network, wednesday, tmp_path):
        booking = book(at(wednesday, 9), "a@example.org")
        err = io.StringIO()
        (tmp_path / "closed.toml").write_text(smoke_file((wednesday.isoformat(), "")))
        with pytest.raises(CommandError, match="--move-affected"):
            call_command("loadnetwork", str(tmp_path / "closed.toml"), stdout=io.StringIO(), stderr=err)
        assert f"{booking.reservation_key} {POINT} {wednesday.isoformat()} 09:00 +0" in err.getvalue()
        assert not OpeningException.objects.exists()
        booking.refresh_from_db()
        assert booking.status == "confirmed"

    def test_check_names_the_bookings_and_writes_nothing(self, smoke_network, wednesday, tmp_path):
        booking = book(at(wednesday, 9), "a@example.org")
        out = load(tmp_path / "n.toml", smoke_file((wednesday.isoformat(), "")), "--check")
        assert f"would be {booking.reservation_key} {POINT} {wednesday.isoformat()} 09:00" in out
        assert "1 booking(s) would lose their time" in out
        assert not OpeningException.objects.exists()

    def test_move_affected_moves_and_cancels_them_and_tells_the_customers(self, smoke_network, wednesday,
                                                                          tmp_path):
        first = book(at(wednesday, 9), "a@example.org")
        second = book(at(wednesday, 9), "b@example.org")
        third = book(at(wednesday, 10, 20), "c@example.org")
        out = load(tmp_path / "n.toml", smoke_file((wednesday.isoformat(), "09:00-10:20", 1)), "--move-affected")
        assert f"{second.reservation_key} {POINT} {wednesday.isoformat()} 09:00" in out
        assert f"moved to {wednesday.isoformat()} 09:40" in out
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.start_at == at(wednesday, 9) and second.start_at == at(wednesday, 9, 40)
        assert notices(second) == ["agency_moved"]
        third.refresh_from_db()  # 10:20-11:00 is past the new closing time, and no start is free before
        assert third.status == "cancelled" and notices(third) == ["agency_cancelled"]
        assert f"{third.reservation_key} {POINT} {wednesday.isoformat()} 10:20" in out
        assert_day_summary_exact(wednesday)

    def test_a_file_that_strands_nobody_loads_without_asking(self, smoke_network, wednesday, tmp_path):
        out = load(tmp_path / "n.toml", smoke_file((wednesday.isoformat(), "")))
        assert "1 created" in out and OpeningException.objects.get().opens_at is None
