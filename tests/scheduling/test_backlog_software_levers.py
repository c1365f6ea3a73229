"""The software levers of the backlog model: reminders, the waitlist, pooled capacity.

Each moves the result the right way on a small scenario, changes nothing when off, and keeps
the model deterministic and conserving.
"""
import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scheduling.test_backlog import point, random_scenarios, scenario
from vuoro.scheduling.backlog import simulate_backlog


def busy(**changes):
    """A full calendar: two weeks booked at the start, more requests than desk time."""
    values = dict(points=(point(desks=2),), demand_per_week=200.0, initial_booked_days=14, weeks=8,
                  no_show_rate=0.2, no_show_rebook_share=0.5, cancellation_rate=0.2)
    return scenario(**{**values, **changes})


def served(result):
    return sum(week.served for week in result.weeks)


def mean(values):
    values = [value for value in values if value is not None]
    return sum(values) / len(values)


class TestOff:
    def test_levers_off_give_exactly_the_old_numbers(self):
        old = busy(deflection_share=0.1, any_point_share=0.3, points=(point("a"), point("b", desks=1)))
        off = dataclasses.replace(old, reminders=False, no_show_reduction=0.9, waitlist_share=0.0,
                                  priority_desk_share=0.0, priority_release_days=30)
        assert simulate_backlog(scenario=off) == simulate_backlog(scenario=old)

    def test_priority_requests_without_kept_desk_time_are_only_counted_apart(self):
        old = simulate_backlog(scenario=busy())
        counted = simulate_backlog(scenario=busy(priority_share=0.3))
        assert [week.lead_time_days for week in counted.weeks] == [week.lead_time_days for week in old.weeks]
        assert [week.served for week in counted.weeks] == [week.served for week in old.weeks]
        assert any(week.priority_lead_time_days is not None for week in counted.weeks)
        assert all(week.priority_lead_time_days is None for week in old.weeks)
        assert [week.public_lead_time_days for week in old.weeks] == [week.lead_time_days for week in old.weeks]


class TestReminders:
    def test_prevent_a_share_of_the_no_shows(self):
        without = simulate_backlog(scenario=busy())
        reminded = simulate_backlog(scenario=busy(reminders=True, no_show_reduction=0.5))
        no_shows = sum(week.no_shows for week in without.weeks)
        assert sum(week.no_shows for week in reminded.weeks) < no_shows
        assert served(reminded) > served(without)

    def test_the_same_people_come_anyway(self):
        without = simulate_backlog(scenario=busy(no_show_rebook_share=0.0, cancellation_rate=0.0), record_served=True)
        reminded = simulate_backlog(scenario=busy(no_show_rebook_share=0.0, cancellation_rate=0.0, reminders=True),
                                    record_served=True)
        # Nobody who came without reminders stays away with them: they only add people who come.
        assert set(without.served_customer_ids) < set(reminded.served_customer_ids)

    def test_a_full_reduction_leaves_no_no_shows(self):
        result = simulate_backlog(scenario=busy(reminders=True, no_show_reduction=1.0))
        assert sum(week.no_shows for week in result.weeks) == 0


class TestWaitlist:
    def test_moves_waitlisted_people_to_freed_earlier_times(self):
        result = simulate_backlog(scenario=busy(waitlist_share=0.5))
        assert result.moved_earlier == sum(week.moved_earlier for week in result.weeks) > 0
        assert all(week.days_moved_earlier >= 1 for week in result.weeks if week.moved_earlier)
        assert all(week.days_moved_earlier is None for week in result.weeks if not week.moved_earlier)

    def test_refills_time_that_would_otherwise_go_unused(self):
        lost = simulate_backlog(scenario=busy(refill_cancelled=False))
        refilled = simulate_backlog(scenario=busy(refill_cancelled=False, waitlist_share=0.8))
        assert served(refilled) > served(lost)
        assert refilled.weeks[-1].lead_time_days < lost.weeks[-1].lead_time_days

    def test_more_people_on_the_waitlist_move_more(self):
        few = simulate_backlog(scenario=busy(waitlist_share=0.2))
        many = simulate_backlog(scenario=busy(waitlist_share=0.9))
        assert many.moved_earlier > few.moved_earlier

    def test_a_cancellation_on_the_day_itself_cannot_be_refilled(self):
        # Few requests: everyone books tomorrow, so every cancellation falls on the visit's day.
        quiet = scenario(demand_per_week=14, weeks=4, cancellation_rate=0.5, refill_cancelled=False,
                         waitlist_share=1.0)
        result = simulate_backlog(scenario=quiet)
        assert sum(week.cancelled for week in result.weeks) > 0
        assert result.moved_earlier == 0


class TestPooledCapacity:
    def test_priority_requests_wait_less_than_the_public(self):
        result = simulate_backlog(scenario=busy(priority_share=0.2, priority_desk_share=0.3,
                                                priority_release_days=3))
        weeks = result.weeks[2:]
        assert mean(week.priority_lead_time_days for week in weeks) < mean(
            week.public_lead_time_days for week in weeks)

    def test_keeping_more_time_helps_priority_and_costs_the_public(self):
        counted = simulate_backlog(scenario=busy(priority_share=0.2))
        pooled = simulate_backlog(scenario=busy(priority_share=0.2, priority_desk_share=0.3,
                                                priority_release_days=3))
        weeks = slice(2, None)
        assert mean(week.priority_lead_time_days for week in pooled.weeks[weeks]) < mean(
            week.priority_lead_time_days for week in counted.weeks[weeks])
        assert mean(week.public_lead_time_days for week in pooled.weeks[weeks]) > mean(
            week.public_lead_time_days for week in counted.weeks[weeks])

    def test_time_kept_is_released_to_the_public_in_time(self):
        # Nobody is priority: what is kept is used only once released; released later, less is used.
        early = simulate_backlog(scenario=busy(priority_desk_share=0.5, priority_release_days=10))
        late = simulate_backlog(scenario=busy(priority_desk_share=0.5, priority_release_days=1))
        never = simulate_backlog(scenario=busy(priority_desk_share=0.5, priority_release_days=0))
        assert served(never) < served(late) <= served(early)
        assert served(early) <= served(simulate_backlog(scenario=busy()))

    def test_the_earliest_free_time_is_the_publics(self):
        kept = simulate_backlog(scenario=busy(demand_per_week=100, initial_booked_days=0, priority_desk_share=0.5,
                                              priority_release_days=0))
        free = simulate_backlog(scenario=busy(demand_per_week=100, initial_booked_days=0))
        assert kept.weeks[-1].days_to_earliest_free > free.weeks[-1].days_to_earliest_free


class TestDeterminismAndConservation:
    def test_the_same_scenario_gives_the_same_weeks(self):
        every = busy(reminders=True, waitlist_share=0.5, priority_share=0.2, priority_desk_share=0.2,
                     any_point_share=0.3, points=(point("a"), point("b", desks=1)))
        assert simulate_backlog(scenario=every) == simulate_backlog(scenario=every)

    def test_a_lever_changes_only_what_it_touches(self):
        # The waitlist does not change who is deflected or who does not come.
        base = busy(deflection_share=0.2)
        listed = dataclasses.replace(base, waitlist_share=0.5)
        assert [week.deflected for week in simulate_backlog(scenario=listed).weeks] == [
            week.deflected for week in simulate_backlog(scenario=base).weeks]

    @settings(max_examples=60, deadline=None)
    @given(random_scenarios, st.booleans(), st.floats(0, 1), st.floats(0, 1), st.floats(0, 0.5), st.floats(0, 0.8),
           st.integers(0, 10))
    def test_nobody_is_served_twice_or_lost(self, case, reminders, reduction, waitlist, priority, kept, release):
        case = dataclasses.replace(case, reminders=reminders, no_show_reduction=reduction, waitlist_share=waitlist,
                                   priority_share=priority, priority_desk_share=kept, priority_release_days=release)
        result = simulate_backlog(scenario=case, record_served=True)
        assert len(set(result.served_customer_ids)) == len(result.served_customer_ids) == result.served
        assert result.customers == (result.served + result.deflected + result.cancelled + result.no_shows_gone
                                    + result.booked_at_end + result.unbooked_at_end)
        for week in result.weeks:
            assert week.booked_desk_hours <= week.desk_hours + 1e-9
