"""A seeded discrete-event simulation of the walk-in queue: one line, several desks, FCFS.

Customers arrive as a Poisson stream during one continuous open period and take the desk that
frees first; service times are exponential. This is the M/M/c queue of `queueing`, simulated,
so that its numbers can be checked against Erlang C and later extended where the formula
cannot go (opening hours, ticket caps, abandonments).

With one line served in order, the desks' next free times are all the state there is: the
next customer starts at max(arrival, earliest free time) (the Kiefer-Wolfowitz recursion), so
the loop keeps those times in a small heap and needs no event list at all.

Each customer draws the gap before them and then their service time from one
`random.Random(seed)`, in that order, whatever happens to them. Two runs that differ only in
desks therefore see the very same customers, which makes comparisons between them exact.

Pure Python: no Django, no clock.
"""
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["WalkInResult", "simulate_walk_in"]

_PROGRESS_STEPS = 100


@dataclass(frozen=True, slots=True)
class WalkInResult:
    """What one simulated open period gave.

    Waits are counted for every arrival: those still in line when the period ends count the
    time they waited until then, so the figures never flatter a queue that could not be served.
    """

    mean_wait_minutes: float
    probability_of_wait: float  # share of arrivals who found every desk busy
    utilisation: float  # share of desk time in the period spent serving
    served: int  # customers whose service began within the period
    arrivals: int
    waiting_at_close: int  # arrivals still in line when the period ended

    @property
    def events(self) -> int:
        """Arrivals plus service starts: the events an event-list simulation would process."""
        return self.arrivals + self.served


def simulate_walk_in(
    *,
    arrivals_per_hour: float,
    service_minutes: float,
    desks: int,
    hours: float,
    seed: int,
    on_progress: Callable[[float], None] | None = None,
) -> WalkInResult:
    """Simulate `hours` of a first-come-first-served queue at `desks` desks.

    Arrivals are Poisson at `arrivals_per_hour`; service is exponential with mean
    `service_minutes`. The same arguments always give the same result. `on_progress`, when
    given, is called with the share of the period simulated so far (a hundred times in all).
    Raises ValueError for negative rates, non-positive times or a desk count below one.
    """
    if not (math.isfinite(arrivals_per_hour) and arrivals_per_hour >= 0):
        raise ValueError("arrivals_per_hour must be a number >= 0")
    if not (math.isfinite(service_minutes) and service_minutes > 0):
        raise ValueError("service_minutes must be a number > 0")
    if isinstance(desks, bool) or not isinstance(desks, int) or desks < 1:
        raise ValueError("desks must be a whole number >= 1")
    if not (math.isfinite(hours) and hours > 0):
        raise ValueError("hours must be a number > 0")

    end_minute = hours * 60.0
    rng = random.Random(seed)
    draw = rng.random
    log = math.log
    heapreplace = heapq.heapreplace
    # exp(rate) = -log(1 - U) / rate; 1 - U lies in (0, 1], so the log is always defined.
    mean_gap_minutes = 60.0 / arrivals_per_hour if arrivals_per_hour > 0 else math.inf
    desk_free_at = [0.0] * desks  # a heap: desk_free_at[0] is the earliest

    arrivals = served = waited = 0
    total_wait_minutes = busy_minutes = 0.0
    arrival_minute = -log(1.0 - draw()) * mean_gap_minutes
    for step in range(1, _PROGRESS_STEPS + 1):
        until_minute = end_minute * step / _PROGRESS_STEPS
        while arrival_minute < until_minute:
            service = -log(1.0 - draw()) * service_minutes
            arrivals += 1
            start_minute = desk_free_at[0]
            if start_minute <= arrival_minute:
                start_minute = arrival_minute
            else:
                waited += 1
                if start_minute >= end_minute:
                    # Still in line at closing: counts what they waited, takes no desk.
                    total_wait_minutes += end_minute - arrival_minute
                    arrival_minute += -log(1.0 - draw()) * mean_gap_minutes
                    continue
                total_wait_minutes += start_minute - arrival_minute
            served += 1
            done_minute = start_minute + service
            heapreplace(desk_free_at, done_minute)
            busy_minutes += (done_minute if done_minute < end_minute else end_minute) - start_minute
            arrival_minute += -log(1.0 - draw()) * mean_gap_minutes
        if on_progress is not None:
            on_progress(step / _PROGRESS_STEPS)

    return WalkInResult(
        mean_wait_minutes=total_wait_minutes / arrivals if arrivals else 0.0,
        probability_of_wait=waited / arrivals if arrivals else 0.0,
        utilisation=busy_minutes / (desks * end_minute),
        served=served,
        arrivals=arrivals,
        waiting_at_close=arrivals - served,
    )
