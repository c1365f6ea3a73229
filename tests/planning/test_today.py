"""Plan from today: the scenario derived from a small network whose numbers are worked out by hand,
the levers moving the result the expected way, and the back-test."""
import datetime as dt
import tomllib
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from tests.factories import load_network
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Desk, Service
from vuoro.network.state import network_state
from vuoro.planning.services import plan_from_today
from vuoro.planning.today import ExtraDesksLever, Levers, today_scenario_toml, today_state_get
from vuoro.walkin.models import Outcome, Ticket

pytestmark = pytest.mark.django_db

HEL = ZoneInfo("Europe/Helsinki")
# Thursday 5 November 2026, noon in Helsinki. Two weeks of history: 22-28 October (summer time ends
# on Sunday the 25th: a week of 169 hours) and 29 October - 4 November.
NOW = dt.datetime(2026, 11, 5, 12, 0, tzinfo=HEL)
_keys = (f"T{n:09d}" for n in count())


def local(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=HEL)


def small_network(**extra):
    # One point, 2 desks, 08:00-16:00 on weekdays (32 cells of 15 minutes a desk), closed on Monday
    # 9 November; service a takes 30 minutes, b 60.
    return load_network(services=[("a", 30), ("b", 60)], points=[dict(
        id="p1", desks=2, services=["a", "b"], exceptions=[("2026-11-09", "")], **extra)])


def booking(code, created_at, visit_at, status=Booking.Status.CONFIRMED, **fields):
    service = Service.objects.get(code=code)
    return Booking.objects.create(
        reservation_key=next(_keys), pin_hash="x", service_point_id="p1", service=service,
        desk=Desk.objects.filter(service_point_id="p1", kind=Desk.Kind.APPOINTMENT).first(),
        start_at=visit_at, end_at=visit_at + dt.timedelta(minutes=service.duration_minutes),
        local_date=visit_at.astimezone(HEL).date(), customer_name="N", customer_email="n@example.org",
        email_key="n@example.org", created_at=created_at, status=status, **fields)


@pytest.fixture
def recorded():
    """Seven bookings made in the two weeks, and some around them that must not count."""
    small_network()
    # Week 1 (22-28 October): a, a, b, leads 4, 2 and 5 days.
    booking("a", local(10, 22, 0, 10), local(10, 26, 9), Booking.Status.DONE)  # 21:10 UTC on the 21st
    booking("a", local(10, 25, 12), local(10, 27, 9), Booking.Status.NO_SHOW)  # the day summer time ends
    booking("b", local(10, 28, 23, 30), local(11, 2, 10), Booking.Status.DONE)
    # Week 2 (29 October - 4 November): a, a, a (cancelled), b; leads 5, 5, 8 and 8 days.
    booking("a", local(10, 29, 10), local(11, 3, 9), Booking.Status.DONE)
    booking("a", local(10, 30, 10), local(11, 4, 9))  # the visit was not marked
    booking("a", local(11, 2, 10), local(11, 10, 9), Booking.Status.CANCELLED, cancelled_at=local(11, 3, 8))
    booking("b", local(11, 4, 15), local(11, 12, 10))
    # Not in the history: made the evening before it (its visit, on the 23rd, is), made today, held.
    booking("a", local(10, 21, 23, 50), local(10, 23, 9), Booking.Status.DONE)
    booking("a", local(11, 5, 9), local(11, 13, 9))
    booking("b", local(11, 1, 10), local(11, 20, 9), Booking.Status.HELD, held_until=local(11, 6, 0))
    # Walk-in: one queue number for a in week 2; one that became a booking is that booking.
    Ticket.objects.create(service_point_id="p1", local_date=dt.date(2026, 11, 3), number=1,
                          service=Service.objects.get(code="a"), issued_at=local(11, 3, 9))
    Ticket.objects.create(service_point_id="p1", local_date=dt.date(2026, 11, 3), number=2,
                          issued_at=local(11, 3, 9, 5), outcome=Outcome.APPOINTMENT_BOOKED)


class TestTodayStateGet:
    def test_counts_the_bookings_made_per_local_week_and_service(self, recorded):
        state = today_state_get(now=NOW, history_weeks=2)
        assert state.start_date == dt.date(2026, 11, 5)
        assert [week.first_date for week in state.weeks] == [dt.date(2026, 10, 22), dt.date(2026, 10, 29)]
        assert [week.bookings for week in state.weeks] == [{"a": 2, "b": 1}, {"a": 3, "b": 1}]
        assert state.bookings_per_week == 3.5
        assert [week.walk_in for week in state.weeks] == [0, 1]
        assert [week.lead_time_days for week in state.weeks] == [pytest.approx(11 / 3), 6.5]

    def test_derives_the_rates_and_the_bookings_ahead(self, recorded):
        state = today_state_get(now=NOW, history_weeks=2)
        # Visits due in the weeks and marked: four served, one absent (the one made before the weeks too).
        assert (state.no_show_rate, state.visits_marked) == (0.2, 5)
        assert state.cancellation_rate == pytest.approx(1 / 7)
        assert state.bookings_ahead == 2  # 12 and 13 November; the cancelled and the held one are not
        assert state.point_bookings == {"p1": 7}

    def test_the_scenario_holds_the_hand_computed_numbers(self, recorded):
        state = today_state_get(now=NOW, history_weeks=2)
        backlog = tomllib.loads(today_scenario_toml(state=state, levers=Levers(weeks=1)))["backlog"]
        assert backlog["start_date"] == dt.date(2026, 11, 5) and backlog["weeks"] == 1
        assert backlog["demand_per_week"] == 3.5
        assert backlog["service_mix"] == {"a": 5, "b": 2}
        assert backlog["initial_bookings"] == 2
        assert backlog["no_show_rate"] == 0.2 and backlog["cancellation_rate"] == round(1 / 7, 4)
        assert "extra_desks" not in backlog and "reminders" not in backlog
        # Half the walk-in customers booking instead: half a request more over the two weeks, for a.
        walk_in = tomllib.loads(today_scenario_toml(state=state, levers=Levers(walk_in_share=0.5)))["backlog"]
        assert walk_in["demand_per_week"] == 3.75 and walk_in["service_mix"] == {"a": 5.5, "b": 2}

    def test_saturday_openings_skip_public_holidays(self, recorded):
        state = today_state_get(now=NOW, history_weeks=2)
        levers = Levers(weeks=8, saturday_points=("p1",), saturday_opens=dt.time(9), saturday_closes=dt.time(15),
                        saturday_until=dt.date(2026, 12, 31))
        backlog = tomllib.loads(today_scenario_toml(state=state, levers=levers))["backlog"]
        (saturdays,) = backlog["extra_days"]
        assert saturdays["hours"] == "09:00-15:00" and saturdays["desks"] == 1
        # Every Saturday from 7 November to the end of the year but Boxing Day (a Saturday in 2026).
        assert saturdays["dates"] == [dt.date(2026, 11, 7) + dt.timedelta(days=7 * n) for n in range(8) if n != 7]

    def test_the_first_week_has_the_desks_less_the_closed_monday(self, recorded):
        plan = plan_from_today(now=NOW, history_weeks=2, levers=Levers(weeks=1))
        week = plan.comparison.scenario.weeks[0]
        # Thu 5, Fri 6, (Sat, Sun), Mon 9 closed, Tue 10, Wed 11: 4 days x 2 desks x 8 hours.
        assert week.desk_hours == 64
        # The mix's mean visit: 5/7 x 2 cells + 2/7 x 4 cells = 18/7; 32 cells hold 12 a desk a day.
        assert week.capacity == 4 * 2 * 12

    def test_days_to_the_first_free_time_come_from_availability(self):
        small_network(hours={"thu": "08:00-09:00", "fri": "08:00-16:00"})
        state = network_state()
        customer = Customer(name="N", email="n@example.org")
        # Today (Thursday) the hour has gone by: the first time for a is Friday, 1 day ahead.
        first = today_state_get(now=NOW, history_weeks=1).first_free_days
        assert first["a"] == (1, 1.0) and first["b"] == (1, 1.0)
        # Take all of Friday on both desks with b (8 visits a desk): the next time is Thursday the 12th.
        for hour in range(8, 16):
            for _desk in range(2):
                booking_create(state=state, service_code="b", point_id="p1", start_at=local(11, 6, hour),
                               persons=1, language="fi", customer=customer, now=NOW, person_caps=False)
        first = today_state_get(now=NOW, history_weeks=1).first_free_days
        assert first["a"] == (7, 7.0)
        assert today_state_get(now=NOW, history_weeks=1).bookings_ahead == 16


class TestBacktest:
    def test_runs_the_first_recorded_week_and_compares_its_lead_time(self, recorded):
        plan = plan_from_today(now=NOW, history_weeks=2, levers=Levers(weeks=1))
        test = plan.backtest
        assert test.week_start_date == dt.date(2026, 10, 22)
        assert test.bookings_ahead == 1  # made on the 21st for the 23rd
        assert test.demand == 3
        assert test.recorded_lead_time_days == pytest.approx(11 / 3)
        # Three requests over an empty calendar: a on Sunday the 25th books Monday (1 day), a and b on
        # Wednesday the 28th book Thursday (1 day each).
        assert test.model_lead_time_days == 1.0
        assert test.difference_days == pytest.approx(1 - 11 / 3)

    def test_there_is_none_without_a_recorded_booking(self):
        small_network()
        assert plan_from_today(now=NOW, history_weeks=2, levers=Levers(weeks=1)).backtest is None


@pytest.fixture
def busy():
    """200 requests a week for a, against 160 visits a week of desk time; 10 % no-shows, some cancelled."""
    small_network()
    service = Service.objects.get(code="a")
    desk = Desk.objects.filter(service_point_id="p1", kind=Desk.Kind.APPOINTMENT).first()
    rows = []
    for n in range(400):
        created = local(10, 22, 8) + dt.timedelta(minutes=n * 50)
        visit = created + dt.timedelta(days=3)
        status = (Booking.Status.NO_SHOW if n % 10 == 0 else Booking.Status.CANCELLED if n % 10 == 1
                  else Booking.Status.DONE)
        rows.append(Booking(reservation_key=next(_keys), pin_hash="x", service_point_id="p1", service=service,
                            desk=desk, start_at=visit, end_at=visit + dt.timedelta(minutes=30),
                            local_date=visit.date(), customer_name="N", customer_email="n@example.org",
                            email_key="n@example.org", created_at=created, status=status,
                            cancelled_at=created if status == Booking.Status.CANCELLED else None))
    Booking.objects.bulk_create(rows)


def last_week(levers: Levers):
    plan = plan_from_today(now=NOW, history_weeks=2, levers=levers)
    return plan, plan.comparison.scenario.weeks[-1], plan.comparison.baseline.weeks[-1]


class TestLevers:
    BASE = dict(weeks=8)

    def test_no_lever_is_the_baseline(self, busy):
        plan, scenario, baseline = last_week(Levers(**self.BASE))
        assert scenario == baseline and plan.comparison.levers == 0

    @pytest.mark.parametrize("levers", [
        dict(extra_desks=(ExtraDesksLever("p1", dt.date(2026, 11, 5), dt.date(2026, 12, 31), 1),)),
        dict(saturday_points=("p1",), saturday_opens=dt.time(9), saturday_closes=dt.time(15), saturday_desks=2),
        dict(durations={"a": 15}),
        dict(deflection_share=0.3),
    ], ids=["extra desks", "saturdays", "shorter visits", "guidance"])
    def test_capacity_and_guidance_levers_shorten_the_wait(self, busy, levers):
        _plan, scenario, baseline = last_week(Levers(**self.BASE, **levers))
        assert scenario.lead_time_days < baseline.lead_time_days
        assert scenario.waiting < baseline.waiting

    def test_reminders_serve_more_visits(self, busy):
        plan, scenario, _ = last_week(Levers(**self.BASE, reminders=True, no_show_reduction=0.5))
        assert plan.comparison.scenario.served > plan.comparison.baseline.served
        assert "reminders = true" in plan.text and "no_show_reduction = 0.5" in plan.text

    def test_the_waitlist_moves_people_earlier(self, busy):
        plan, _, _ = last_week(Levers(**self.BASE, waitlist_share=0.5))
        assert plan.comparison.scenario.moved_earlier > 0 == plan.comparison.baseline.moved_earlier
