"""The per-day summary (DayLoad) always matches the bookings, and availability answers the same from it."""
import datetime as dt
import random

import pytest
from django.utils import timezone

from tests.booking.conftest import at
from tests.factories import load_network
from vuoro.booking.models import Booking, DayLoad
from vuoro.booking.selectors import availability_list, busy_by_point_day, day_summary
from vuoro.booking.services import (
    BookingError,
    Customer,
    booking_cancel,
    booking_create,
    booking_reschedule,
    dayload_refresh,
)
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db


def assert_summaries_match_bookings():
    state = network_state()
    for load in DayLoad.objects.all():
        point = state.points[load.service_point_id]
        busy = busy_by_point_day([point], [load.date]).get((point.id, load.date), [])
        assert load.booked_minutes == sum((b.end - b.start).total_seconds() // 60 for b in busy)
        free_cells, free_run = day_summary(point.calendar.opening_on(load.date), busy, slot_minutes=state.slot_minutes)
        assert (load.calendar_key, load.free_cells, load.free_run_minutes) == (point.calendar_key, free_cells, free_run)


def quarter(rng, days):
    return at(rng.choice(days), 9) + dt.timedelta(minutes=15 * rng.randrange(8))


def every_slot(state, now, days):
    return [(s.service_point, s.slot) for s in availability_list(
        state=state, service_code="residence-card", point_ids=None, from_date=days[0], to_date=days[-1], limit=None,
        now=now)]


class TestDayLoadSummary:
    def test_stays_exact_through_bookings_cancels_and_moves_and_answers_as_the_bookings_do(self, wednesday):
        load_network(slot_minutes=15, horizon_days=60, holidays=None, services=[("residence-card", 30)],
                     points=[dict(id=f"p{n}", desks=2, services=["residence-card"],
                                  durations={"residence-card": 15 * n},
                                  hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")})
                             for n in (1, 2, 3)])
        state, now, rng = network_state(), timezone.now(), random.Random(3)
        days = [wednesday, wednesday + dt.timedelta(days=1)]
        made = []
        for n in range(60):
            action = rng.random()
            try:
                if action < 0.6 or not made:
                    start = quarter(rng, days)
                    made.append(booking_create(state=state, service_code="residence-card",
                                               point_id=rng.choice(["p1", "p2", "p3"]), start_at=start, persons=1,
                                               language="en", customer=Customer(name="X", email=f"x{n}@example.org"),
                                               now=now).booking)
                elif action < 0.8:
                    booking_cancel(booking=rng.choice(made), now=now)
                else:
                    booking_reschedule(state=state, booking=rng.choice(made), point_id=rng.choice([None, "p2"]),
                                       start_at=quarter(rng, days), now=now)
            except BookingError:
                pass
            assert_summaries_match_bookings()
        assert Booking.objects.exclude(status="cancelled").exists()
        from_summaries = every_slot(state, now, days)
        DayLoad.objects.update(calendar_key="")  # stale: availability must read the bookings instead
        assert every_slot(state, now, days) == from_summaries
        DayLoad.objects.update(calendar_key="", free_cells="")
        dayload_refresh(state=state, first_day=days[0], last_day=days[-1])
        assert_summaries_match_bookings()
        assert every_slot(state, now, days) == from_summaries

    def test_a_full_day_is_skipped_and_the_earliest_found_after_it(self, smoke_network, wednesday):
        state, now = network_state(), timezone.now()
        for n, (hour, minute) in enumerate([(9, 0), (9, 0), (9, 40), (9, 40), (10, 20), (10, 20)]):
            booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                           start_at=at(wednesday, hour, minute), persons=1, language="fi",
                           customer=Customer(name="F", email=f"f{n}@example.org"), now=now)
        load = DayLoad.objects.get(date=wednesday)
        assert load.free_run_minutes == 0
        found = availability_list(state=state, service_code="residence-card", point_ids=None, from_date=wednesday,
                                  to_date=None, limit=3, now=now)
        thursday = wednesday + dt.timedelta(days=1)
        assert [(s.slot.start, s.slot.free_desks) for s in found] == [
            (at(thursday, 9), 2), (at(thursday, 9, 20), 2), (at(thursday, 9, 40), 2)]

    def test_a_limited_answer_is_the_head_of_the_whole_list_across_zones(self, wednesday):
        load_network(slot_minutes=15, horizon_days=30, holidays=None, services=[("residence-card", 30)],
                     points=[dict(id=point, desks=1, services=["residence-card"], timezone=zone,
                                  hours={d: "09:00-10:00" for d in ("mon", "tue", "wed", "thu", "fri")})
                             for point, zone in (("p-hel", "Europe/Helsinki"), ("p-sto", "Europe/Stockholm"))])
        state, now = network_state(), timezone.now()
        for n, (point, minute) in enumerate([("p-hel", 0), ("p-hel", 30), ("p-sto", 30)]):
            zone = state.points[point].zone
            booking_create(state=state, service_code="residence-card", point_id=point,
                           start_at=at(wednesday, 9, minute, zone=zone), persons=1, language="fi",
                           customer=Customer(name="Z", email=f"z{n}@example.org"), now=now)
        everything = availability_list(state=state, service_code="residence-card", point_ids=None,
                                       from_date=wednesday, to_date=None, limit=None, now=now)
        assert everything[0].service_point == "p-sto"  # Helsinki's Wednesday is full
        for limit in range(1, 14):
            assert availability_list(state=state, service_code="residence-card", point_ids=None, from_date=wednesday,
                                     to_date=None, limit=limit, now=now) == everything[:limit]


    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_a_limited_answer_across_many_points_is_the_head_of_the_whole_list(self, wednesday, seed):
        """A limited answer makes a point's slots only once its earliest possible start could still be
        among the first (docs/lean-requests.md, sixth pass): with a dozen points whose first free
        times interleave (one desk taken here, both there, a point full all morning), for one person
        and for two (a longer visit), every limit gives the head of the whole list."""
        rng = random.Random(seed)
        points = [f"p-{n:02d}" for n in range(12)]
        load_network(slot_minutes=15, horizon_days=30, holidays=None, services=[("residence-card", 30)],
                     points=[dict(id=point, desks=2, services=["residence-card"],
                                  hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")})
                             for point in points])
        state, now = network_state(), timezone.now()
        for n in range(40):
            point = rng.choice(points)
            try:
                booking_create(state=state, service_code="residence-card", point_id=point,
                               start_at=at(wednesday, 9 + rng.randrange(2), 15 * rng.randrange(4)), persons=1,
                               language="fi", customer=Customer(name="M", email=f"m{n}@example.org"), now=now)
            except BookingError:
                pass  # both desks taken there: the day is as the draws left it
        for persons in (1, 2):
            everything = availability_list(state=state, service_code="residence-card", point_ids=None,
                                           from_date=wednesday, to_date=wednesday, limit=None, now=now,
                                           persons=persons)
            assert len({s.service_point for s in everything[:10]}) > 1
            for limit in range(1, len(everything) + 2):
                assert availability_list(state=state, service_code="residence-card", point_ids=None,
                                         from_date=wednesday, to_date=wednesday, limit=limit, now=now,
                                         persons=persons) == everything[:limit]

    @pytest.mark.parametrize("full_points", [3, 22])
    def test_the_earliest_beyond_the_first_window_of_full_days(self, full_points):
        """A limited search looks up full days a window at a time (14 days, then 28, then 56...; for
        more than 20 points without naming them): the earliest free times, found past the first
        window or the second, are still the head of the whole list."""
        hours = {d: "09:00-10:00" for d in ("mon", "tue", "wed", "thu", "fri")}
        points = ["p-soon", "p-later", "p-third", *(f"p-full-{n}" for n in range(full_points))]
        load_network(slot_minutes=15, horizon_days=60, holidays=None,
                     services=[("residence-card", 60), ("other", 60)],
                     points=[*(dict(id=point, desks=1, services=["residence-card"], hours=hours) for point in points),
                             # the same hours and desks (its own calendar key: a key names its point), full
                             dict(id="p-elsewhere", desks=1, services=["other"], hours=hours)])
        state = network_state()
        now = dt.datetime(2027, 1, 4, 8, tzinfo=state.points["p-soon"].zone)  # a Monday
        # Days after `now` before which each point is full: free from the first day of the second
        # window (a Monday), from a day inside it, and from a day inside the third (days 42-97).
        full_until = {"p-soon": 14, "p-later": 30, "p-third": 45}
        n = 0
        for point in [*points, "p-elsewhere"]:
            for offset in range(full_until.get(point, 60)):  # to the horizon
                day = now.date() + dt.timedelta(days=offset)
                if day.weekday() < 5:
                    n += 1
                    booking_create(state=state, service_code="other" if point == "p-elsewhere" else "residence-card",
                                   point_id=point, start_at=at(day, 9, zone=state.points[point].zone), persons=1,
                                   language="fi", customer=Customer(name="W", email=f"w{n}@example.org"), now=now)
        everything = availability_list(state=state, service_code="residence-card", point_ids=None, from_date=None,
                                       to_date=None, limit=None, now=now)
        assert everything[0].slot.start == at(now.date() + dt.timedelta(days=14), 9, zone=state.points["p-soon"].zone)
        assert min(s.slot.start for s in everything if s.service_point == "p-later") == at(
            now.date() + dt.timedelta(days=30), 9, zone=state.points["p-later"].zone)
        assert min(s.slot.start for s in everything if s.service_point == "p-third") == at(
            now.date() + dt.timedelta(days=45), 9, zone=state.points["p-third"].zone)
        assert {s.service_point for s in everything} == {"p-soon", "p-later", "p-third"}
        for limit in (1, 2, 5, 12, 13, 20, len(everything), len(everything) + 5):
            assert availability_list(state=state, service_code="residence-card", point_ids=None, from_date=None,
                                     to_date=None, limit=limit, now=now) == everything[:limit]
        # The searches so far found day 14 first, and the next one's first window reaches past it:
        # a time freed on day 3 is still the first answer.
        freed = Booking.objects.get(service_point_id="p-full-0", local_date=now.date() + dt.timedelta(days=3))
        booking_cancel(booking=freed, now=now)
        assert availability_list(state=state, service_code="residence-card", point_ids=None, from_date=None,
                                 to_date=None, limit=1, now=now)[0].slot.start == freed.start_at


class TestADayWithoutASummary:
    """A day nobody has booked yet has no summary row: it is answered from the network alone."""

    def test_is_answered_without_reading_bookings_and_a_booking_there_is_seen_at_once(
            self, smoke_network, wednesday, django_assert_max_num_queries):
        state, now = network_state(), timezone.now()
        thursday = wednesday + dt.timedelta(days=1)

        def slots(day):
            return [(s.slot.start, s.slot.free_desks) for s in availability_list(
                state=state, service_code="residence-card", point_ids=["smoke-point"], from_date=day,
                to_date=day, limit=None, now=now)]

        def book(start, email):
            return booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                                  start_at=start, persons=1, language="fi",
                                  customer=Customer(name="E", email=email), now=now).booking

        # A row written behind the services' back (no summary made) proves the bookings go unread.
        made = book(at(thursday, 9), "t@example.org")
        behind = {f.attname: getattr(made, f.attname) for f in Booking._meta.concrete_fields if f.attname != "id"}
        behind.update(reservation_key="0000000001", email_key="w@example.org", start_at=at(wednesday, 9),
                      end_at=at(wednesday, 9, 40), local_date=wednesday)
        unseen = Booking.objects.create(**behind)
        assert not DayLoad.objects.filter(date=wednesday).exists()
        with django_assert_max_num_queries(1):  # the summaries' read only
            empty = slots(wednesday)
        assert empty[0] == (at(wednesday, 9), 2) and all(desks == 2 for _, desks in empty)
        unseen.delete()
        book(at(wednesday, 9), "e@example.org")  # through the services: the day's row is made with it
        assert DayLoad.objects.filter(date=wednesday).exists()
        after = slots(wednesday)
        assert after[0] == (at(wednesday, 9), 1) and after != empty
        assert_summaries_match_bookings()

    def test_a_cancelled_day_keeps_its_row_and_offers_its_time_again(self, smoke_network, wednesday):
        state, now = network_state(), timezone.now()
        made = booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                              start_at=at(wednesday, 9), persons=1, language="fi",
                              customer=Customer(name="C", email="c@example.org"), now=now).booking
        booking_cancel(booking=made, now=now)
        assert DayLoad.objects.filter(date=wednesday).exists()
        first = availability_list(state=state, service_code="residence-card", point_ids=["smoke-point"],
                                  from_date=wednesday, to_date=wednesday, limit=1, now=now)
        assert [(s.slot.start, s.slot.free_desks) for s in first] == [(at(wednesday, 9), 2)]
