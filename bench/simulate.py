"""How fast the planner is: a year of a 20-point network, and the walk-in loop against SimPy.

    .venv/bin/python bench/simulate.py

Goals (issue 6): a year of a 20-point network at 8,000 visits a month in at most 2 s; the
walk-in loop at least as fast as an equivalent SimPy model, counted in events per second on
the same customers' worth of work. Prints a table; writes bench/results/simulate.json.
"""
from __future__ import annotations

import dataclasses
import json
import math
import platform
import random
import time
from pathlib import Path

import simpy

from vuoro.planning.scenario import load_scenario
from vuoro.scheduling import queueing
from vuoro.scheduling.backlog import simulate_backlog
from vuoro.scheduling.walkin import simulate_walk_in

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 3
WALK_IN = {"arrivals_per_hour": 30.0, "service_minutes": 10.0, "desks": 6, "hours": 5_000.0, "seed": 7}


def best_of(function, repeats: int = REPEATS):
    """(fastest wall time in seconds, its CPU time in seconds, the result of that run).

    CPU time is reported beside wall time because a shared machine can stretch the wall
    clock several times over; on an idle machine the two agree.
    """
    timings = []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        timings.append((time.perf_counter() - started, time.process_time() - cpu_started, result))
    return min(timings, key=lambda timing: timing[0])


def simpy_walk_in(*, arrivals_per_hour, service_minutes, desks, hours, seed):
    """The same M/M/c queue as `simulate_walk_in`, written the usual SimPy way.

    Returns (arrivals, served, mean wait in minutes over all arrivals), those still in line
    at the end counted up to the end, as the walk-in loop counts them.
    """
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=desks)
    rng = random.Random(seed)
    end_minute = hours * 60
    tally = {"arrivals": 0, "served": 0, "wait": 0.0}
    in_line: dict[int, float] = {}  # customer number -> arrival minute

    def customer(number: int, service: float):
        with counter.request() as turn:
            yield turn
            tally["served"] += 1
            tally["wait"] += env.now - in_line.pop(number)
            yield env.timeout(service)

    def arrivals():
        mean_gap = 60.0 / arrivals_per_hour
        while True:
            yield env.timeout(-math.log(1.0 - rng.random()) * mean_gap)
            service = -math.log(1.0 - rng.random()) * service_minutes
            tally["arrivals"] += 1
            in_line[tally["arrivals"]] = env.now
            env.process(customer(tally["arrivals"], service))

    env.process(arrivals())
    env.run(until=end_minute)
    total_wait = tally["wait"] + sum(end_minute - arrived for arrived in in_line.values())
    return tally["arrivals"], tally["served"], total_wait / max(tally["arrivals"], 1)


def main() -> None:
    scenario = load_scenario(ROOT / "examples" / "summer-2021.toml").backlog
    year = dataclasses.replace(scenario, weeks=52)
    year_seconds, year_cpu, year_result = best_of(lambda: simulate_backlog(scenario=year))
    visits_a_month = year_result.served / 12

    loop_seconds, loop_cpu, loop = best_of(lambda: simulate_walk_in(**WALK_IN))
    simpy_seconds, simpy_cpu, (simpy_arrivals, simpy_served, simpy_wait) = best_of(
        lambda: simpy_walk_in(**WALK_IN))
    # Events: an arrival and a service start per customer served, in both models; rates in CPU time.
    loop_rate = loop.events / loop_cpu
    simpy_rate = (simpy_arrivals + simpy_served) / simpy_cpu
    traffic = queueing.offered_traffic_erlangs(arrivals_per_hour=WALK_IN["arrivals_per_hour"],
                                               service_minutes=WALK_IN["service_minutes"])
    erlang_wait = queueing.mean_wait_minutes(traffic_erlangs=traffic, desks=WALK_IN["desks"],
                                             service_minutes=WALK_IN["service_minutes"])

    results = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "backlog_year": {
            "service_points": len(year.points), "weeks": year.weeks, "goal_seconds": 2.0,
            "seconds": round(year_seconds, 3), "cpu_seconds": round(year_cpu, 3),
            "customers": year_result.customers, "served_per_month": round(visits_a_month),
        },
        "walk_in": {
            "parameters": WALK_IN,
            "loop": {
                "seconds": round(loop_seconds, 3), "cpu_seconds": round(loop_cpu, 3), "events": loop.events,
                "events_per_second": round(loop_rate), "mean_wait_minutes": round(loop.mean_wait_minutes, 3),
            },
            "simpy": {
                "seconds": round(simpy_seconds, 3), "cpu_seconds": round(simpy_cpu, 3),
                "events": simpy_arrivals + simpy_served, "events_per_second": round(simpy_rate),
                "mean_wait_minutes": round(simpy_wait, 3),
            },
            "ratio_events_per_second": round(loop_rate / simpy_rate, 1),
            "erlang_c_mean_wait_minutes": round(erlang_wait, 3),
        },
    }
    print("| benchmark | figure | goal |")
    print("|---|---:|---|")
    print(f"| backlog: a year of {len(year.points)} points, {year.demand_per_week * 52 / 12:,.0f} requests a month "
          f"({year_result.customers:,} customers, {visits_a_month:,.0f} visits a month) "
          f"| {year_cpu:.2f} s CPU ({year_seconds:.2f} s wall) | ≤ 2 s |")
    print(f"| walk-in loop: {loop.arrivals:,} customers, 6 desks | {loop_rate:,.0f} events/s "
          f"({loop_cpu:.2f} s CPU) | |")
    print(f"| SimPy, the same queue | {simpy_rate:,.0f} events/s ({simpy_cpu:.2f} s CPU) | |")
    print(f"| walk-in loop ÷ SimPy | {loop_rate / simpy_rate:.1f}× | ≥ 1× |")
    print(f"| mean wait: loop / SimPy / Erlang C | {loop.mean_wait_minutes:.2f} / {simpy_wait:.2f} / "
          f"{erlang_wait:.2f} min | |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "simulate.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
