"""The walk-in simulation: deterministic per seed, true to Erlang C and to SimPy, conserving, monotone."""
import math
import random

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from vuoro.scheduling import queueing
from vuoro.scheduling.walkin import simulate_walk_in


class TestDeterminism:
    def test_the_same_seed_gives_the_same_numbers(self):
        first = simulate_walk_in(arrivals_per_hour=30, service_minutes=10, desks=6, hours=500, seed=7)
        again = simulate_walk_in(arrivals_per_hour=30, service_minutes=10, desks=6, hours=500, seed=7)
        assert first == again

    def test_another_seed_gives_other_customers(self):
        first = simulate_walk_in(arrivals_per_hour=30, service_minutes=10, desks=6, hours=500, seed=7)
        other = simulate_walk_in(arrivals_per_hour=30, service_minutes=10, desks=6, hours=500, seed=8)
        assert first != other

    def test_progress_is_reported_up_to_the_whole_period(self):
        seen = []
        simulate_walk_in(arrivals_per_hour=30, service_minutes=10, desks=6, hours=50, seed=1, on_progress=seen.append)
        assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 100


# Long runs (about 400,000 customers, a fraction of a second each) against the closed form.
# Over many seeds the mean wait of such runs scatters by about 2 % (one standard deviation),
# the share who wait by about 1 %: the tolerances below are three of those.
LONG_RUNS = [
    pytest.param(25.0, 10.0, 6, 16_000, id="6 desks at 69 %"),
    pytest.param(4.5, 10.0, 1, 60_000, id="1 desk at 75 %"),
    pytest.param(30.0, 4.0, 3, 20_000, id="3 desks at 67 %"),
]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("arrivals_per_hour, service_minutes, desks, hours", LONG_RUNS)
def test_long_runs_agree_with_erlang_c(arrivals_per_hour, service_minutes, desks, hours, seed):
    result = simulate_walk_in(
        arrivals_per_hour=arrivals_per_hour, service_minutes=service_minutes, desks=desks, hours=hours, seed=seed
    )
    traffic = queueing.offered_traffic_erlangs(arrivals_per_hour=arrivals_per_hour, service_minutes=service_minutes)
    expected_wait = queueing.mean_wait_minutes(traffic_erlangs=traffic, desks=desks, service_minutes=service_minutes)
    expected_waiting = queueing.probability_of_wait(traffic_erlangs=traffic, desks=desks)
    assert result.mean_wait_minutes == pytest.approx(expected_wait, rel=0.06)
    assert result.probability_of_wait == pytest.approx(expected_waiting, rel=0.03)
    assert result.utilisation == pytest.approx(traffic / desks, rel=0.01)
    assert result.arrivals == pytest.approx(arrivals_per_hour * hours, rel=0.01)


class TestConservation:
    @settings(max_examples=60, deadline=None)
    @given(
        arrivals_per_hour=st.floats(min_value=0, max_value=200),
        service_minutes=st.floats(min_value=0.5, max_value=60),
        desks=st.integers(min_value=1, max_value=12),
        hours=st.floats(min_value=0.5, max_value=40),
        seed=st.integers(min_value=0, max_value=2**32),
    )
    def test_nobody_is_served_twice_or_lost(self, arrivals_per_hour, service_minutes, desks, hours, seed):
        result = simulate_walk_in(
            arrivals_per_hour=arrivals_per_hour, service_minutes=service_minutes, desks=desks, hours=hours, seed=seed
        )
        assert 0 <= result.served <= result.arrivals
        assert result.served + result.waiting_at_close == result.arrivals
        assert 0.0 <= result.utilisation <= 1.0 + 1e-12
        assert 0.0 <= result.probability_of_wait <= 1.0
        assert 0.0 <= result.mean_wait_minutes <= hours * 60

    def test_an_empty_period_serves_nobody(self):
        result = simulate_walk_in(arrivals_per_hour=0, service_minutes=10, desks=2, hours=8, seed=1)
        assert (result.arrivals, result.served, result.mean_wait_minutes, result.utilisation) == (0, 0, 0.0, 0.0)

    def test_an_overloaded_period_leaves_people_in_line(self):
        result = simulate_walk_in(arrivals_per_hour=60, service_minutes=10, desks=2, hours=8, seed=3)
        assert result.waiting_at_close > 0
        assert result.utilisation > 0.95


scenarios = st.fixed_dictionaries(
    {
        "arrivals_per_hour": st.floats(min_value=1, max_value=120),
        "service_minutes": st.floats(min_value=1, max_value=40),
        "desks": st.integers(min_value=1, max_value=10),
        "hours": st.floats(min_value=1, max_value=30),
        "seed": st.integers(min_value=0, max_value=2**32),
    }
)


class TestDirection:
    """Every run draws the same customers for one seed, so these hold exactly, run by run."""

    @settings(max_examples=60, deadline=None)
    @given(scenarios, st.integers(min_value=1, max_value=5))
    def test_more_desks_never_lengthen_the_wait(self, scenario, extra_desks):
        fewer = simulate_walk_in(**scenario)
        more = simulate_walk_in(**{**scenario, "desks": scenario["desks"] + extra_desks})
        assert more.mean_wait_minutes <= fewer.mean_wait_minutes + 1e-9
        assert more.probability_of_wait <= fewer.probability_of_wait
        assert more.served >= fewer.served

    @settings(max_examples=60, deadline=None)
    @given(scenarios, st.floats(min_value=1.0, max_value=3.0))
    def test_longer_services_never_shorten_the_wait(self, scenario, factor):
        shorter = simulate_walk_in(**scenario)
        longer = simulate_walk_in(**{**scenario, "service_minutes": scenario["service_minutes"] * factor})
        assert longer.mean_wait_minutes >= shorter.mean_wait_minutes - 1e-9
        assert longer.probability_of_wait >= shorter.probability_of_wait

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_more_arrivals_lengthen_the_wait(self, seed):
        calm = simulate_walk_in(arrivals_per_hour=20, service_minutes=10, desks=4, hours=2_000, seed=seed)
        busy = simulate_walk_in(arrivals_per_hour=22, service_minutes=10, desks=4, hours=2_000, seed=seed)
        assert busy.mean_wait_minutes > calm.mean_wait_minutes
        assert busy.utilisation > calm.utilisation


@pytest.mark.parametrize(
    "changes",
    [{"arrivals_per_hour": -1}, {"service_minutes": 0}, {"desks": 0}, {"desks": 1.5}, {"hours": 0},
     {"hours": float("inf")}],
)
def test_refuses_nonsense(changes):
    with pytest.raises(ValueError):
        simulate_walk_in(
            **{"arrivals_per_hour": 10, "service_minutes": 5, "desks": 2, "hours": 8, "seed": 1, **changes}
        )


def _simpy_walk_in(*, arrivals_per_hour, service_minutes, desks, hours, seed):
    """The same queue written the usual SimPy way, drawing the same numbers in the same order."""
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=desks)
    rng = random.Random(seed)
    waits, in_line = [], {}

    def customer(number, service):
        with counter.request() as turn:
            yield turn
            waits.append(env.now - in_line.pop(number))
            yield env.timeout(service)

    def arrivals():
        for number in range(10**9):
            yield env.timeout(-math.log(1.0 - rng.random()) * 60.0 / arrivals_per_hour)
            in_line[number] = env.now
            env.process(customer(number, -math.log(1.0 - rng.random()) * service_minutes))

    env.process(arrivals())
    env.run(until=hours * 60)
    still_waiting = [hours * 60 - arrived for arrived in in_line.values()]
    return len(waits) + len(still_waiting), len(waits), sum(waits + still_waiting)


@pytest.mark.parametrize("desks, arrivals_per_hour", [(1, 5.0), (4, 30.0), (3, 40.0)])
def test_serves_the_very_customers_simpy_serves(desks, arrivals_per_hour):
    # An overloaded case (3 desks, 40 an hour of 10 minutes) included: the end of the period counts too.
    scenario = {"arrivals_per_hour": arrivals_per_hour, "service_minutes": 10.0, "desks": desks, "hours": 300.0,
                "seed": 11}
    arrivals, served, total_wait = _simpy_walk_in(**scenario)
    result = simulate_walk_in(**scenario)
    assert (result.arrivals, result.served) == (arrivals, served)
    assert result.mean_wait_minutes == pytest.approx(total_wait / arrivals, rel=1e-9)
