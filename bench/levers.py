"""Summer 2021: what each lever alone, and all of them together, do to the wait by the end of August,
and what it would take to reach the one-month goal. Prints a markdown table (for the README) and
writes bench/results/levers.json.

    .venv/bin/python bench/levers.py [examples/summer-2021.toml]

The scenario's own levers (Saturdays, summer staff, shorter visits) are taken out for the
baseline and put back one at a time; so are the software levers (reminders, the waitlist, pooled
capacity), beside them, with the assumptions below; the searches add to the three of 2021.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

from vuoro.planning.scenario import load_scenario
from vuoro.scheduling.backlog import BacklogResult, BacklogScenario, DemandChange, ExtraDesks, simulate_backlog

ROOT = Path(__file__).resolve().parents[1]
GOAL_DAYS = 30
END_OF_AUGUST_WEEK = dt.date(2021, 8, 23)  # the last week wholly in August
SUMMER = (dt.date(2021, 6, 14), dt.date(2021, 8, 27))
DECIDED = dt.date(2021, 6, 10)  # the press release: levers are announced and bookable from here
WEEKS_FOR_WHEN = 31  # to the end of 2021, to see when (if ever) the goal is reached
# The software levers' assumptions (docs/simulate.md): reminders prevent 30 % of no-shows; half of
# those holding a time are on the waitlist; a tenth of requests are priority, 15 % of each desk's
# time is kept for them (a little more than their share, so that they find time ahead of the backlog)
# and released to everyone a week before the day.
REMINDERS = {"reminders": True, "no_show_reduction": 0.3}
WAITLIST = {"waitlist_share": 0.5}
POOLED = {"priority_share": 0.1, "priority_desk_share": 0.15, "priority_release_days": 7}


def baseline_of(scenario: BacklogScenario) -> BacklogScenario:
    return dataclasses.replace(scenario, extra_days=(), extra_desks=(), new_durations=())


def mean_lead(weeks, key: str) -> float | None:
    """The mean over weeks of a lead time, weighted alike (weeks where nobody of the kind booked left out)."""
    values = [getattr(week, key) for week in weeks if getattr(week, key) is not None]
    return round(sum(values) / len(values), 1) if values else None


def week_of(result: BacklogResult, monday: dt.date):
    return next(week for week in result.weeks if week.week_start_date == monday)


def run(scenario: BacklogScenario) -> BacklogResult:
    return simulate_backlog(scenario=dataclasses.replace(scenario, weeks=WEEKS_FOR_WHEN))


def figures(name: str, scenario: BacklogScenario, baseline_capacity: int | None) -> dict:
    result = run(scenario)
    until_september = [week for week in result.weeks if week.week_start_date <= END_OF_AUGUST_WEEK]
    capacity = sum(week.capacity for week in until_september)
    august = week_of(result, END_OF_AUGUST_WEEK)
    reached = next((week.week_start_date for week in result.weeks
                    if week.lead_time_days is not None and week.lead_time_days <= GOAL_DAYS), None)
    august_weeks = [week for week in until_september if week.week_start_date.month == 8]
    return {
        "variant": name,
        "appointments_added": None if baseline_capacity is None else capacity - baseline_capacity,
        "capacity_to_end_of_august": capacity,
        "served_to_end_of_august": sum(week.served for week in until_september),
        "no_shows_to_end_of_august": sum(week.no_shows for week in until_september),
        "moved_earlier_to_end_of_august": (moved := sum(week.moved_earlier for week in until_september)),
        "days_gained_per_move": round(sum(week.moved_earlier * week.days_moved_earlier for week in until_september
                                          if week.moved_earlier) / moved, 1) if moved else None,
        "priority_lead_time_days_august": mean_lead(august_weeks, "priority_lead_time_days"),
        "public_lead_time_days_august": mean_lead(august_weeks, "public_lead_time_days"),
        "lead_time_days_end_of_august": round(august.lead_time_days, 1),
        "days_to_earliest_free_end_of_august": round(august.days_to_earliest_free, 1),
        "waiting_end_of_august": august.waiting,
        "first_week_within_goal": reached.isoformat() if reached else None,
    }


def lead_end_of_august(scenario: BacklogScenario) -> float:
    result = simulate_backlog(scenario=dataclasses.replace(scenario, weeks=13))
    return week_of(result, END_OF_AUGUST_WEEK).lead_time_days


def summer_desks(scenario: BacklogScenario, point_ids, desks: int) -> BacklogScenario:
    added = tuple(ExtraDesks(point_id, SUMMER[0], SUMMER[1], desks, released_date=DECIDED) for point_id in point_ids)
    return dataclasses.replace(scenario, extra_desks=scenario.extra_desks + added)


def search_desks(scenario: BacklogScenario, point_ids, most: int) -> int | None:
    """The fewest extra summer desks at each of `point_ids` that bring the lead time to the goal."""
    low, high = 0, most  # lead(low) > goal; lead(high) <= goal, if reachable at all
    if lead_end_of_august(summer_desks(scenario, point_ids, high)) > GOAL_DAYS:
        return None
    while high - low > 1:
        middle = (low + high) // 2
        if lead_end_of_august(summer_desks(scenario, point_ids, middle)) <= GOAL_DAYS:
            high = middle
        else:
            low = middle
    return high


def deflected(scenario: BacklogScenario, share: float) -> BacklogScenario:
    return dataclasses.replace(scenario, demand_changes=(DemandChange(SUMMER[0], deflection_share=share),))


def search_deflection(scenario: BacklogScenario) -> float | None:
    """The smallest share of requests sent online from mid-June (to 1 %) that reaches the goal."""
    low, high = scenario.deflection_share, 0.95
    if lead_end_of_august(deflected(scenario, high)) > GOAL_DAYS:
        return None
    while high - low > 0.01:
        middle = (low + high) / 2
        if lead_end_of_august(deflected(scenario, middle)) <= GOAL_DAYS:
            high = middle
        else:
            low = middle
    return round(high, 2)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "summer-2021.toml"
    everything = load_scenario(path).backlog
    baseline = baseline_of(everything)
    base = figures("baseline: no lever", baseline, None)
    base_capacity = base["capacity_to_end_of_august"]
    base["appointments_added"] = 0
    rows = [base]
    for label, field in [("five Saturday openings", "extra_days"), ("summer staff", "extra_desks"),
                         ("shorter first-permit visits", "new_durations")]:
        rows.append(figures(label, dataclasses.replace(baseline, **{field: getattr(everything, field)}),
                            base_capacity))
    software = [
        ("reminders: 30 % fewer no-shows", dataclasses.replace(baseline, **REMINDERS)),
        ("waitlist: half of those booked on it", dataclasses.replace(baseline, **WAITLIST)),
        ("freed times go unused (refill_cancelled = false)", dataclasses.replace(baseline, refill_cancelled=False)),
        ("... and the waitlist refills them", dataclasses.replace(baseline, refill_cancelled=False, **WAITLIST)),
        ("10 % priority requests, counted apart", dataclasses.replace(baseline, priority_share=0.1)),
        ("pooled: 15 % of desk time kept for them, released 7 days ahead", dataclasses.replace(baseline, **POOLED)),
    ]
    rows += [figures(label, variant, base_capacity) for label, variant in software]
    rows.append(figures("all three together", everything, base_capacity))
    rows.append(figures("all three + reminders + waitlist", dataclasses.replace(everything, **REMINDERS, **WAITLIST),
                        base_capacity))
    rows.append(figures("all three + reminders + waitlist + pooled",
                        dataclasses.replace(everything, **REMINDERS, **WAITLIST, **POOLED), base_capacity))

    all_points = [plan.id for plan in everything.points]
    largest = sorted(everything.points, key=lambda plan: -plan.calendar.desks)[:5]
    searches = []
    for label, point_ids, most in [("extra summer desks at every point", all_points, 8),
                                   ("extra summer desks at the five largest points", [p.id for p in largest], 30),
                                   ("extra summer desks at helsinki-malmi only", ["helsinki-malmi"], 60)]:
        desks = search_desks(everything, point_ids, most)
        row = {"variant": f"all three + {label} (up to {most} each)", "desks_per_point": desks,
               "desks_added": None if desks is None else desks * len(point_ids)}
        if desks is not None:
            plural = "s" if desks > 1 else ""
            row.update(figures(f"all three + {desks} more desk{plural} at each of {len(point_ids)} points",
                               summer_desks(everything, point_ids, desks), base_capacity))
        searches.append(row)
    share = search_deflection(everything)
    row = {"variant": "all three + more requests deflected online from 14 June", "deflection_share": share}
    if share is not None:
        row.update(figures(f"all three + {share:.0%} deflected online from 14 June", deflected(everything, share),
                           base_capacity))
    searches.append(row)

    print(f"Lead time = mean days from booking to visit of those who booked in the week of {END_OF_AUGUST_WEEK}; "
          f"goal {GOAL_DAYS} days.\n")
    base_served = base["served_to_end_of_august"]
    print("| variant | appointments added by 29 Aug | visits served by 29 Aug | lead time, week of 23 Aug (days) | "
          "earliest free time, 29 Aug (days) | first week with lead time ≤ 30 days |")
    print("|---|---:|---:|---:|---:|---|")
    for row in rows + [row for row in searches if "lead_time_days_end_of_august" in row]:
        served = row["served_to_end_of_august"] - base_served
        print(f"| {row['variant']} | {row['appointments_added']:+,} | {served:+,} | "
              f"{row['lead_time_days_end_of_august']} | {row['days_to_earliest_free_end_of_august']} | "
              f"{row['first_week_within_goal'] or 'not in 2021'} |")
    for row in searches:
        if "lead_time_days_end_of_august" not in row:
            print(f"| {row['variant']} | – | – | the goal is not reached | – | – |")
    print("\nWhat the software levers do besides (to 29 Aug; lead times: the mean over the weeks of August):\n")
    print("| variant | no-shows | moved earlier from the waitlist (mean days gained) | lead time, priority (days) | "
          "lead time, the public (days) |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        if row is base or row["variant"].startswith(("reminders", "waitlist", "...", "10 %", "pooled", "all three +")):
            gained = f" ({row['days_gained_per_move']})" if row["days_gained_per_move"] else ""
            print(f"| {row['variant']} | {row['no_shows_to_end_of_august']:,} | "
                  f"{row['moved_earlier_to_end_of_august']:,}{gained} | "
                  f"{row['priority_lead_time_days_august'] or '–'} | "
                  f"{row['public_lead_time_days_august']} |")

    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "levers.json").write_text(json.dumps({"levers": rows, "to_reach_one_month": searches}, indent=2))


if __name__ == "__main__":
    main()
