"""The walk-in wait estimate, checked against Erlang C on a steady M/M/c queue."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vuoro.scheduling.queue_estimate import estimated_wait_minutes, mean_service_minutes
from vuoro.scheduling.queueing import mean_wait_minutes


def erlang_c_mean_wait(arrivals_per_minute: float, service_minutes: float, desks: int) -> float:
    """Textbook Erlang C, written out here independently of the product code."""
    load = arrivals_per_minute * service_minutes
    top = load**desks / math.factorial(desks) * desks / (desks - load)
    bottom = sum(load**k / math.factorial(k) for k in range(desks)) + top
    return top / bottom * service_minutes / (desks - load)


def test_the_core_erlang_c_agrees_with_the_textbook_formula():
    for rate, minutes, desks in ((0.5, 10.0, 6), (10 / 60, 12.0, 3)):
        core = mean_wait_minutes(traffic_erlangs=rate * minutes, desks=desks, service_minutes=minutes)
        assert core == pytest.approx(erlang_c_mean_wait(rate, minutes, desks), rel=1e-9)


def steady_state(arrivals_per_minute: float, service_minutes: float, desks: int, states: int = 400) -> list[float]:
    """Stationary probabilities of n customers in an M/M/c system (birth-death chain)."""
    mu = 1 / service_minutes
    weights = [1.0]
    for n in range(1, states):
        weights.append(weights[-1] * arrivals_per_minute / (min(n, desks) * mu))
    total = sum(weights)
    return [w / total for w in weights]


@pytest.mark.parametrize(("arrivals_per_hour", "service_minutes", "desks"), [
    (30.0, 10.0, 6), (10.0, 12.0, 3), (50.0, 4.0, 4), (5.0, 15.0, 2)])
def test_averaged_over_the_steady_state_the_estimate_is_erlang_c(arrivals_per_hour, service_minutes, desks):
    rate = arrivals_per_hour / 60
    probabilities = steady_state(rate, service_minutes, desks)
    # An arrival sees the time-average state (PASTA): n in the system, min(n, c) busy, the rest waiting.
    expected = sum(p * estimated_wait_minutes(ahead=max(n - desks, 0), busy=min(n, desks), desks=desks,
                                              mean_service_minutes=service_minutes)
                   for n, p in enumerate(probabilities))
    assert expected == pytest.approx(erlang_c_mean_wait(rate, service_minutes, desks), rel=1e-6)
    assert expected == pytest.approx(mean_wait_minutes(traffic_erlangs=rate * service_minutes, desks=desks,
                                                       service_minutes=service_minutes), rel=1e-6)


def test_a_free_desk_means_no_wait():
    assert estimated_wait_minutes(ahead=0, busy=1, desks=2, mean_service_minutes=10) == 0
    assert estimated_wait_minutes(ahead=1, busy=0, desks=2, mean_service_minutes=10) == 0


def test_the_first_in_line_waits_for_one_departure():
    assert estimated_wait_minutes(ahead=0, busy=2, desks=2, mean_service_minutes=10) == 5


@given(st.integers(0, 200), st.integers(0, 20), st.integers(1, 20), st.floats(1, 60))
def test_more_people_ahead_never_shortens_the_wait_and_more_desks_never_lengthen_it(ahead, busy, desks, minutes):
    wait = estimated_wait_minutes(ahead=ahead, busy=busy, desks=desks, mean_service_minutes=minutes)
    assert estimated_wait_minutes(ahead=ahead + 1, busy=busy, desks=desks, mean_service_minutes=minutes) >= wait
    assert estimated_wait_minutes(ahead=ahead, busy=busy, desks=desks + 1, mean_service_minutes=minutes) <= wait


def test_observed_service_times_replace_the_configured_one_once_there_are_enough():
    assert mean_service_minutes(observed_minutes=[4, 6], configured_minutes=20) == 20
    assert mean_service_minutes(observed_minutes=[4, 6, 8], configured_minutes=20) == 6
