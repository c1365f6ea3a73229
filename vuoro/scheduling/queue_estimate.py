"""The walk-in wait estimate shown with a queue number and on the display board.

Method: `desks` desks serve queue numbers first come, first served. A customer with `ahead`
people waiting before them, while `busy` desks are serving, starts as soon as a desk is free
for them: at once when `ahead` < free desks, otherwise after `ahead - free + 1` departures.
With service times of mean `s` minutes (exponential, as in Erlang C), departures from `desks`
busy desks come every `s / desks` minutes on average, so the expected wait is
`(ahead - free + 1) * s / desks`. Averaged over the steady state of an M/M/c queue this gives
exactly Erlang C's mean wait (tested), and it reacts at once to the queue actually present.
`s` is the mean service time observed today once there are enough observations, before that
the configured duration.
"""
from __future__ import annotations

from collections.abc import Sequence

MIN_OBSERVATIONS = 3


def estimated_wait_minutes(*, ahead: int, busy: int, desks: int, mean_service_minutes: float) -> float:
    """Expected minutes until a desk is free for a customer with `ahead` people before them."""
    if desks <= 0:
        raise ValueError("a queue needs at least one desk")
    if ahead < 0 or busy < 0:
        raise ValueError("ahead and busy cannot be negative")
    free = max(desks - min(busy, desks), 0)
    departures = ahead - free + 1
    if departures <= 0:
        return 0.0
    return departures * mean_service_minutes / desks


def mean_service_minutes(*, observed_minutes: Sequence[float], configured_minutes: float) -> float:
    """Today's observed mean service time, or the configured one while there are too few observations."""
    if len(observed_minutes) >= MIN_OBSERVATIONS:
        return sum(observed_minutes) / len(observed_minutes)
    return float(configured_minutes)
