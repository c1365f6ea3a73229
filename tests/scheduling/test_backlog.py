"""The backlog model: deterministic, conserving, monotone, and each lever does what it says."""
import dataclasses
import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vuoro.scheduling.backlog import (
    BacklogScenario,
    DemandChange,
    ExtraDay,
    ExtraDesks,
    NewDuration,
    PointPlan,
    simulate_backlog,
)
from vuoro.scheduling.calendar import DayException, PointCalendar

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY = dt.date(2027, 3, 1)
WEEKDAYS = {weekday: (dt.time(8), dt.time(16)) for weekday in range(5)}  # 32 cells of 15 minutes


def point(point_id="a", *, desks=2, durations=None, weekly=None, exceptions=None, holidays=frozenset()):
    calendar = PointCalendar(zone=HELSINKI, desks=desks, weekly=WEEKDAYS if weekly is None else weekly,
                             exceptions=exceptions or {}, holidays=holidays)
    return PointPlan(id=point_id, calendar=calendar, durations_minutes=durations or {"permit": 30})


def scenario(**changes) -> BacklogScenario:
    values = {"start_date": MONDAY, "weeks": 6, "points": (point(),), "demand_per_week": 100.0,
              "horizon_days": 60, "seed": 3}
    return BacklogScenario(**{**values, **changes})


def lead_times(result):
    return [week.lead_time_days for week in result.weeks]


def total_wait(result):
    """Every request's wait so far, those still waiting counted to the end: a per-customer sum."""
    return sum(week.waiting for week in result.weeks)


class TestCapacity:
    def test_counts_visits_per_desk_day(self):
        # 2 desks x 32 cells / 2 cells a visit x 5 days.
        result = simulate_backlog(scenario=scenario(weeks=1, demand_per_week=0))
        assert result.weeks[0].capacity == 160
        assert result.weeks[0].desk_hours == 80

    def test_a_visit_does_not_straddle_desks(self):
        # 32 cells hold ten 45-minute visits (3 cells each) on one desk, not 32 / 3 = 10.7.
        result = simulate_backlog(scenario=scenario(weeks=1, demand_per_week=0,
                                                    points=(point(desks=1, durations={"permit": 45}),)))
        assert result.weeks[0].capacity == 50

    def test_holidays_and_exceptions_shape_the_week(self):
        plan = point(holidays={MONDAY}, exceptions={MONDAY + dt.timedelta(days=1): DayException(hours=None),
                                                    MONDAY + dt.timedelta(days=2): DayException(
                                                        hours=(dt.time(8), dt.time(12)), desks=1)})
        result = simulate_backlog(scenario=scenario(weeks=1, demand_per_week=0, points=(plan,)))
        assert result.weeks[0].capacity == 8 + 2 * 32  # Wednesday: 1 desk x 16 cells; Thursday and Friday

    def test_books_the_earliest_free_day_from_tomorrow(self):
        # 16 visits a day fit; 10 requests a day on the weekdays' calendar all go to the next open day.
        result = simulate_backlog(scenario=scenario(weeks=2, demand_per_week=70, points=(point(desks=1),)))
        assert 1 <= result.weeks[1].lead_time_days <= 3
        assert result.weeks[1].unbooked == 0


class TestDeterminism:
    def test_the_same_scenario_gives_the_same_weeks(self):
        busy = scenario(cancellation_rate=0.2, no_show_rate=0.1, no_show_rebook_share=0.5, deflection_share=0.1)
        assert simulate_backlog(scenario=busy) == simulate_backlog(scenario=busy)

    def test_the_seed_chooses_the_fates(self):
        busy = scenario(cancellation_rate=0.2, no_show_rate=0.1, deflection_share=0.1)
        assert simulate_backlog(scenario=busy) != simulate_backlog(scenario=dataclasses.replace(busy, seed=4))


shares = st.floats(min_value=0, max_value=0.5)
random_scenarios = st.builds(
    lambda desks, more_desks, demand, weeks, horizon, cancel, no_show, rebook, deflect, refill, anywhere, booked, seed,
    waiting, with_second_service: scenario(
        points=(point("a", desks=desks, durations={"permit": 30, "passport": 45} if with_second_service else None),
                point("b", desks=more_desks, durations={"permit": 15})),
        service_mix={"permit": 0.7, "passport": 0.3} if with_second_service else {},
        demand_per_week=demand, weeks=weeks, horizon_days=horizon, cancellation_rate=cancel, no_show_rate=no_show,
        no_show_rebook_share=rebook, deflection_share=deflect, refill_cancelled=refill, any_point_share=anywhere,
        initial_booked_days=booked, initial_waiting=waiting, seed=seed),
    desks=st.integers(0, 3), more_desks=st.integers(0, 2), demand=st.floats(0, 600), weeks=st.integers(1, 5),
    horizon=st.integers(1, 40), cancel=shares, no_show=shares, rebook=st.floats(0, 1), deflect=shares,
    refill=st.booleans(), anywhere=shares, booked=st.integers(0, 20), seed=st.integers(0, 2**32),
    waiting=st.integers(0, 50), with_second_service=st.booleans(),
)


class TestConservation:
    @settings(max_examples=80, deadline=None)
    @given(random_scenarios)
    def test_nobody_is_served_twice_or_lost(self, case):
        result = simulate_backlog(scenario=case, record_served=True)
        assert len(set(result.served_customer_ids)) == len(result.served_customer_ids) == result.served
        assert result.customers == (result.served + result.deflected + result.cancelled + result.no_shows_gone
                                    + result.booked_at_end + result.unbooked_at_end)
        assert result.served == sum(week.served for week in result.weeks)
        assert result.weeks[-1].waiting == result.booked_at_end + result.unbooked_at_end

    @settings(max_examples=80, deadline=None)
    @given(random_scenarios)
    def test_visits_never_take_more_desk_time_than_is_open(self, case):
        for week in simulate_backlog(scenario=case).weeks:
            assert week.booked_desk_hours <= week.desk_hours + 1e-9

    @settings(max_examples=80, deadline=None)
    @given(random_scenarios.filter(lambda case: not case.service_mix))
    def test_served_never_exceeds_capacity(self, case):
        for week in simulate_backlog(scenario=case).weeks:
            assert week.served + week.no_shows <= week.capacity

    def test_a_full_horizon_leaves_people_looking_and_they_book_later(self):
        result = simulate_backlog(scenario=scenario(demand_per_week=300, horizon_days=7, weeks=4))
        assert result.weeks[0].unbooked > 0
        assert result.weeks[-1].request_to_visit_days > result.weeks[-1].lead_time_days


# One point, one kind of visit, no random fates, the same people at the start (a count of
# bookings, not "full for N days", which more desks would fill with more people): the cases
# where direction holds exactly.
plain_scenarios = st.builds(
    lambda desks, demand, weeks, horizon, booked, waiting: scenario(
        points=(point(desks=desks),), demand_per_week=demand, weeks=weeks, horizon_days=horizon,
        initial_bookings=booked, initial_waiting=waiting),
    desks=st.integers(0, 3), demand=st.floats(0, 500), weeks=st.integers(1, 6), horizon=st.integers(1, 40),
    booked=st.integers(0, 300), waiting=st.integers(0, 100),
)


def _earliest(week):
    return math.inf if week.days_to_earliest_free is None else week.days_to_earliest_free


class TestDirection:
    @settings(max_examples=80, deadline=None)
    @given(plain_scenarios, st.integers(1, 3))
    def test_more_desks_never_lengthen_the_wait(self, case, extra):
        fewer = simulate_backlog(scenario=case)
        more = simulate_backlog(scenario=dataclasses.replace(case, points=(point(desks=case.points[0].calendar.desks
                                                                                 + extra),)))
        for few, many in zip(fewer.weeks, more.weeks, strict=True):
            assert many.waiting <= few.waiting
            assert _earliest(many) <= _earliest(few)
        assert total_wait(more) <= total_wait(fewer)

    @settings(max_examples=80, deadline=None)
    @given(plain_scenarios, st.floats(1, 300))
    def test_more_demand_never_shortens_the_wait(self, case, extra):
        calm = simulate_backlog(scenario=case)
        busy = simulate_backlog(scenario=dataclasses.replace(case, demand_per_week=case.demand_per_week + extra))
        for quiet, crowded in zip(calm.weeks, busy.weeks, strict=True):
            assert crowded.waiting >= quiet.waiting
            assert _earliest(crowded) >= _earliest(quiet)

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_with_every_complication_more_desks_still_shorten_the_lead_time(self, seed):
        busy = scenario(points=(point("a", desks=3, durations={"permit": 30, "passport": 45}),
                                point("b", desks=2, durations={"permit": 30})),
                        demand_per_week=520, weeks=8, horizon_days=90, initial_booked_days=30,
                        cancellation_rate=0.1, no_show_rate=0.05, no_show_rebook_share=0.5, any_point_share=0.2,
                        seed=seed)
        more = dataclasses.replace(busy, extra_desks=(ExtraDesks("a", MONDAY, MONDAY + dt.timedelta(days=60), 2),))
        assert simulate_backlog(scenario=more).weeks[-1].lead_time_days < (
            simulate_backlog(scenario=busy).weeks[-1].lead_time_days)

    def test_refilling_cancelled_times_shortens_the_lead_time(self):
        busy = scenario(demand_per_week=160, initial_booked_days=30, cancellation_rate=0.2, weeks=6)
        refilled = simulate_backlog(scenario=busy)
        lost = simulate_backlog(scenario=dataclasses.replace(busy, refill_cancelled=False))
        assert sum(filter(None, lead_times(refilled))) < sum(filter(None, lead_times(lost)))
        assert refilled.served > lost.served


class TestLevers:
    def test_extra_desks_add_capacity_in_their_period_only(self):
        lever = ExtraDesks("a", MONDAY + dt.timedelta(days=7), MONDAY + dt.timedelta(days=13), 1)
        weeks = simulate_backlog(scenario=scenario(weeks=3, demand_per_week=0, extra_desks=(lever,))).weeks
        assert [week.capacity for week in weeks] == [160, 240, 160]

    def test_an_extra_saturday_opens_a_closed_day(self):
        saturday = MONDAY + dt.timedelta(days=5)
        lever = ExtraDay("a", saturday, dt.time(9), dt.time(15), 3)
        weeks = simulate_backlog(scenario=scenario(weeks=1, demand_per_week=0, extra_days=(lever,))).weeks
        assert weeks[0].capacity == 160 + 3 * 12

    def test_shorter_visits_fit_more_from_their_date(self):
        lever = NewDuration("permit", 15, MONDAY + dt.timedelta(days=7))
        weeks = simulate_backlog(scenario=scenario(weeks=2, demand_per_week=0, new_durations=(lever,))).weeks
        assert [week.capacity for week in weeks] == [160, 320]

    def test_capacity_released_later_cannot_be_booked_before(self):
        # Everything is booked for four weeks; extra desks in week 2 are released only on day 10.
        lever = ExtraDesks("a", MONDAY + dt.timedelta(days=7), MONDAY + dt.timedelta(days=13), 2,
                           released_date=MONDAY + dt.timedelta(days=10))
        base = scenario(weeks=3, demand_per_week=150, initial_booked_days=28)
        early = simulate_backlog(scenario=dataclasses.replace(base, extra_desks=(dataclasses.replace(
            lever, released_date=None),)))
        late = simulate_backlog(scenario=dataclasses.replace(base, extra_desks=(lever,)))
        assert early.weeks[0].lead_time_days < late.weeks[0].lead_time_days
        assert late.weeks[0].lead_time_days == simulate_backlog(scenario=base).weeks[0].lead_time_days
        assert early.weeks[1].served > late.weeks[1].served > 0

    def test_deflection_takes_requests_off_the_desks(self):
        base = scenario(weeks=4, demand_per_week=200)
        deflected = simulate_backlog(scenario=dataclasses.replace(base, deflection_share=0.5))
        assert sum(week.deflected for week in deflected.weeks) == pytest.approx(400, rel=0.15)
        assert deflected.served < simulate_backlog(scenario=base).served

    def test_demand_changes_from_their_date(self):
        change = DemandChange(MONDAY + dt.timedelta(days=14), demand_per_week=0)
        weeks = simulate_backlog(scenario=scenario(weeks=3, demand_changes=(change,))).weeks
        assert [week.demand for week in weeks] == [100, 100, 0]

    def test_people_who_take_any_point_use_the_idle_one(self):
        crowded = point("a", desks=1)
        idle = point("b", desks=3)
        base = scenario(points=(crowded, idle), point_shares={"a": 1.0}, demand_per_week=150, weeks=4)
        alone = simulate_backlog(scenario=base)
        flexible = simulate_backlog(scenario=dataclasses.replace(base, any_point_share=0.5))
        assert flexible.weeks[-1].lead_time_days < alone.weeks[-1].lead_time_days


class TestRefusals:
    def test_no_points(self):
        with pytest.raises(ValueError, match="no service points"):
            simulate_backlog(scenario=scenario(points=()))

    def test_a_lever_at_an_unknown_point(self):
        with pytest.raises(ValueError, match="unknown service point"):
            simulate_backlog(scenario=scenario(extra_desks=(ExtraDesks("x", MONDAY, MONDAY, 1),)))

    def test_a_mix_nobody_offers(self):
        with pytest.raises(ValueError, match="no service point offers"):
            simulate_backlog(scenario=scenario(service_mix={"citizenship": 1.0}))
