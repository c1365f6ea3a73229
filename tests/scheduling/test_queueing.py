"""Erlang C against published values, textbook closed forms and its own invariants."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vuoro.scheduling.queueing import (
    desks_needed,
    erlang_b,
    mean_wait_minutes,
    offered_traffic_erlangs,
    probability_of_wait,
    share_served_within,
)


class TestPublishedCallCentreExample:
    """360 calls in half an hour, 240 s handling = 48 erlangs on 55 agents, target 15 s.

    Published figures (the call-centre example reproduced by most Erlang C calculators):
    P(wait) ≈ 0.239, mean wait ≈ 8.2 s, ≈ 85 % answered within 15 s.
    """

    def test_offers_48_erlangs(self):
        assert offered_traffic_erlangs(arrivals_per_hour=720, service_minutes=4) == pytest.approx(48)

    def test_probability_of_wait(self):
        assert probability_of_wait(traffic_erlangs=48, desks=55) == pytest.approx(0.239, abs=0.001)

    def test_mean_wait_is_about_eight_seconds(self):
        wait_seconds = mean_wait_minutes(traffic_erlangs=48, desks=55, service_minutes=4) * 60
        assert wait_seconds == pytest.approx(8.2, abs=0.05)

    def test_about_85_percent_answered_within_15_seconds(self):
        share = share_served_within(traffic_erlangs=48, desks=55, service_minutes=4, target_wait_minutes=0.25)
        assert share == pytest.approx(0.85, abs=0.005)

    def test_55_agents_is_the_fewest_for_80_percent_within_15_seconds(self):
        assert desks_needed(traffic_erlangs=48, service_minutes=4, target_wait_minutes=0.25, target_share=0.80) == 55


class TestTextbookCases:
    def test_single_desk_waits_with_probability_rho(self):
        # M/M/1: P(wait) = rho, W = rho / (mu - lambda); 0.75 erlangs of 10-minute services.
        assert probability_of_wait(traffic_erlangs=0.75, desks=1) == pytest.approx(0.75)
        assert mean_wait_minutes(traffic_erlangs=0.75, desks=1, service_minutes=10) == pytest.approx(30.0)

    def test_two_desks_one_erlang(self):
        # M/M/2 in closed form: C = A^2 / (2 + A), 1/3 at A = 1.
        assert probability_of_wait(traffic_erlangs=1, desks=2) == pytest.approx(1 / 3)

    def test_three_desks_two_erlangs(self):
        assert probability_of_wait(traffic_erlangs=2, desks=3) == pytest.approx(4 / 9)

    def test_erlang_b_table_values(self):
        assert erlang_b(traffic_erlangs=1, desks=1) == pytest.approx(0.5)
        assert erlang_b(traffic_erlangs=2, desks=2) == pytest.approx(0.4)
        # Erlang B tables: 10 erlangs on 10 lines block 21.46 %.
        assert erlang_b(traffic_erlangs=10, desks=10) == pytest.approx(0.2146, abs=0.0001)

    def test_no_traffic_means_no_wait(self):
        assert probability_of_wait(traffic_erlangs=0, desks=3) == 0
        assert mean_wait_minutes(traffic_erlangs=0, desks=3, service_minutes=10) == 0

    def test_thousands_of_desks_stay_finite(self):
        # Factorials and powers of 9,000 overflow a float; the recursion does not.
        waiting = probability_of_wait(traffic_erlangs=9_000, desks=9_100)
        assert 0 < waiting < 1
        assert math.isfinite(mean_wait_minutes(traffic_erlangs=9_000, desks=9_100, service_minutes=15))


class TestRefusals:
    @pytest.mark.parametrize("traffic_erlangs, desks", [(5, 5), (6, 5), (1.0, 1)])
    def test_refuses_an_unstable_load_by_name(self, traffic_erlangs, desks):
        with pytest.raises(ValueError, match="unstable"):
            probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks)

    @pytest.mark.parametrize("traffic_erlangs, desks", [(-1, 3), (float("nan"), 3), (1, 0), (1, 2.5), (1, True)])
    def test_refuses_nonsense(self, traffic_erlangs, desks):
        with pytest.raises(ValueError):
            probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks)

    def test_refuses_a_share_outside_zero_and_one(self):
        with pytest.raises(ValueError):
            desks_needed(traffic_erlangs=4, service_minutes=10, target_wait_minutes=5, target_share=1.0)


stable_loads = st.integers(min_value=1, max_value=400).flatmap(
    lambda desks: st.tuples(st.floats(min_value=0, max_value=desks * 0.999), st.just(desks))
)


@given(stable_loads)
def test_probability_of_wait_lies_in_zero_one(load):
    traffic_erlangs, desks = load
    assert 0.0 <= probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks) <= 1.0


@given(stable_loads, st.integers(min_value=1, max_value=50))
def test_more_desks_never_raise_the_wait(load, extra_desks):
    traffic_erlangs, desks = load
    fewer = probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks)
    more = probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks + extra_desks)
    assert more <= fewer + 1e-12
    assert mean_wait_minutes(traffic_erlangs=traffic_erlangs, desks=desks + extra_desks, service_minutes=10) <= (
        mean_wait_minutes(traffic_erlangs=traffic_erlangs, desks=desks, service_minutes=10) + 1e-9
    )


@given(st.floats(min_value=0.01, max_value=300), st.integers(min_value=1, max_value=400))
def test_unstable_load_is_refused(traffic_erlangs, desks):
    if traffic_erlangs >= desks:
        with pytest.raises(ValueError, match="unstable"):
            probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks)
    else:
        probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks)


@given(
    st.floats(min_value=0.1, max_value=200),
    st.floats(min_value=0.5, max_value=60),
    st.floats(min_value=0, max_value=120),
    st.floats(min_value=0.05, max_value=0.99),
)
def test_desks_needed_is_the_least_that_meets_the_target(traffic_erlangs, service_minutes, target_wait, share):
    desks = desks_needed(
        traffic_erlangs=traffic_erlangs, service_minutes=service_minutes, target_wait_minutes=target_wait,
        target_share=share,
    )
    reached = share_served_within(
        traffic_erlangs=traffic_erlangs, desks=desks, service_minutes=service_minutes, target_wait_minutes=target_wait
    )
    assert reached >= share
    if desks - 1 > traffic_erlangs:
        one_fewer = share_served_within(
            traffic_erlangs=traffic_erlangs, desks=desks - 1, service_minutes=service_minutes,
            target_wait_minutes=target_wait,
        )
        assert one_fewer < share
