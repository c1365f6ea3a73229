"""Erlang C: the M/M/c queue in closed form.

One queue, `desks` identical desks, Poisson arrivals, exponential service, first come first
served, nobody leaves the line. The offered traffic in erlangs is the arrival rate times the
mean service time (30 arrivals an hour of 10 minutes each = 5 erlangs): the number of desks
that would be busy on average. The queue is stable only while traffic < desks.

Erlang B comes from its recursion B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1)), which never
forms a factorial or a power and so holds for thousands of desks; Erlang C follows from it
as C = c·B / (c - A·(1 - B)).

Pure Python: no Django, no clock. Times are in minutes; any unit works as long as the
service time and the target wait share it, and the mean wait comes back in that unit.
"""
import math

__all__ = [
    "desks_needed",
    "erlang_b",
    "mean_wait_minutes",
    "offered_traffic_erlangs",
    "probability_of_wait",
    "share_served_within",
    ]


def offered_traffic_erlangs(*, arrivals_per_hour: float, service_minutes: float) -> float:
    """Offered traffic in erlangs: arrivals per hour times the mean service time in hours."""
    if arrivals_per_hour < 0 or service_minutes < 0:
        raise ValueError("arrivals_per_hour and service_minutes must not be negative")
    return arrivals_per_hour * service_minutes / 60.0


def _check(traffic_erlangs: float, desks: int) -> None:
    if not math.isfinite(traffic_erlangs) or traffic_erlangs < 0:
        raise ValueError(f"traffic must be a finite number of erlangs >= 0, not {traffic_erlangs!r}")
    if isinstance(desks, bool) or not isinstance(desks, int) or desks < 1:
        raise ValueError(f"desks must be a whole number >= 1, not {desks!r}")


def _check_stable(traffic_erlangs: float, desks: int) -> None:
    _check(traffic_erlangs, desks)
    if traffic_erlangs >= desks:
        raise ValueError(
            f"unstable queue: {traffic_erlangs:g} erlangs of traffic on {desks} desks; "
            "the line grows without end unless traffic < desks"
        )


def erlang_b(*, traffic_erlangs: float, desks: int) -> float:
    """Blocking probability of an M/M/c/c loss system (Erlang B).

    The share of arrivals that would find every desk busy if nobody could wait. Computed by
    the stable recursion over desks, in O(desks) steps; valid for any traffic_erlangs >= 0.
    """
    _check(traffic_erlangs, desks)
    blocking = 1.0
    for k in range(1, desks + 1):
        blocking = traffic_erlangs * blocking / (k + traffic_erlangs * blocking)
    return blocking


def _erlang_c_from_b(traffic_erlangs: float, desks: int, blocking: float) -> float:
    return desks * blocking / (desks - traffic_erlangs * (1.0 - blocking))


def probability_of_wait(*, traffic_erlangs: float, desks: int) -> float:
    """Erlang C: the probability that an arrival finds every desk busy and has to wait.

    Raises ValueError when the queue is unstable (traffic_erlangs >= desks).
    """
    _check_stable(traffic_erlangs, desks)
    if traffic_erlangs == 0:
        return 0.0
    return _erlang_c_from_b(traffic_erlangs, desks, erlang_b(traffic_erlangs=traffic_erlangs, desks=desks))


def mean_wait_minutes(*, traffic_erlangs: float, desks: int, service_minutes: float) -> float:
    """Mean time in line before reaching a desk, over all arrivals (those served at once count 0).

    W = C · service / (desks - traffic_erlangs). Raises ValueError when traffic_erlangs >= desks.
    """
    if service_minutes <= 0:
        raise ValueError("service_minutes must be > 0")
    waiting = probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks)
    return waiting * service_minutes / (desks - traffic_erlangs)


def share_served_within(
    *, traffic_erlangs: float, desks: int, service_minutes: float, target_wait_minutes: float
) -> float:
    """The service level: the share of arrivals who reach a desk within `target_wait_minutes`.

    P(wait <= t) = 1 - C · exp(-(desks - traffic_erlangs) · t / service). Raises ValueError when
    traffic_erlangs >= desks.
    """
    if service_minutes <= 0:
        raise ValueError("service_minutes must be > 0")
    if target_wait_minutes < 0:
        raise ValueError("target_wait_minutes must not be negative")
    waiting = probability_of_wait(traffic_erlangs=traffic_erlangs, desks=desks)
    return 1.0 - waiting * math.exp(-(desks - traffic_erlangs) * target_wait_minutes / service_minutes)


def desks_needed(
    *,
    traffic_erlangs: float,
    service_minutes: float,
    target_wait_minutes: float,
    target_share: float,
    max_desks: int = 100_000,
) -> int:
    """The fewest desks that serve at least `target_share` of arrivals within `target_wait_minutes`.

    For instance 0.8 within 20 minutes. Walks upwards from the first stable desk count,
    carrying the Erlang B recursion along, so the whole search costs O(answer) steps.
    Raises ValueError for a share outside (0, 1) or when `max_desks` would not suffice.
    """
    if not 0 < target_share < 1:
        raise ValueError("target_share must lie strictly between 0 and 1")
    if service_minutes <= 0:
        raise ValueError("service_minutes must be > 0")
    if target_wait_minutes < 0:
        raise ValueError("target_wait_minutes must not be negative")
    _check(traffic_erlangs, 1)
    if traffic_erlangs == 0:
        return 1
    blocking = 1.0
    for desks in range(1, max_desks + 1):
        blocking = traffic_erlangs * blocking / (desks + traffic_erlangs * blocking)
        if desks <= traffic_erlangs:
            continue
        waiting = _erlang_c_from_b(traffic_erlangs, desks, blocking)
        share = 1.0 - waiting * math.exp(-(desks - traffic_erlangs) * target_wait_minutes / service_minutes)
        if share >= target_share:
            return desks
    raise ValueError(f"more than {max_desks} desks would be needed")
