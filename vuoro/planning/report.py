"""What `vuoro simulate` prints: the JSON object of docs/api.md, a table for people, a progress bar."""
from __future__ import annotations

from vuoro.planning.scenario import ScenarioResult
from vuoro.scheduling.backlog import BacklogResult, BacklogWeek
from vuoro.scheduling.walkin import WalkInResult


def walk_in_json(result: WalkInResult) -> dict:
    """Exactly the four keys docs/api.md fixes."""
    return {
        "mean_wait_minutes": result.mean_wait_minutes,
        "probability_of_wait": result.probability_of_wait,
        "utilisation": result.utilisation,
        "served": result.served,
    }


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def week_json(week: BacklogWeek) -> dict:
    """One week: docs/api.md's keys first, then the ones docs/simulate.md adds."""
    return {
        "week_start": week.week_start_date.isoformat(),
        "capacity": week.capacity,
        "demand": week.demand,
        "served": week.served,
        "waiting": week.waiting,
        "lead_time_days": _rounded(week.lead_time_days),
        "days_to_earliest_free": _rounded(week.days_to_earliest_free),
        "deflected": week.deflected,
        "no_shows": week.no_shows,
        "cancelled": week.cancelled,
        "booked": week.booked,
        "unbooked": week.unbooked,
        "request_to_visit_days": _rounded(week.request_to_visit_days),
        "desk_hours": _rounded(week.desk_hours),
        "booked_desk_hours": _rounded(week.booked_desk_hours),
        "moved_earlier": week.moved_earlier,
        "days_moved_earlier": _rounded(week.days_moved_earlier),
        "priority_lead_time_days": _rounded(week.priority_lead_time_days),
        "public_lead_time_days": _rounded(week.public_lead_time_days),
    }


def backlog_json(result: BacklogResult) -> dict:
    return {
        "weeks": [week_json(week) for week in result.weeks],
        "totals": {
            "customers": result.customers,
            "served": result.served,
            "deflected": result.deflected,
            "cancelled": result.cancelled,
            "no_shows_gone": result.no_shows_gone,
            "booked_at_end": result.booked_at_end,
            "unbooked_at_end": result.unbooked_at_end,
            "moved_earlier": result.moved_earlier,
        },
    }


def result_json(result: ScenarioResult) -> dict:
    """The one JSON object `vuoro simulate --json` prints."""
    answer = {}
    if result.walk_in is not None:
        answer["walk_in"] = walk_in_json(result.walk_in)
    if result.backlog is not None:
        answer["backlog"] = backlog_json(result.backlog)
    return answer


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    cells = [header] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    lines = []
    for number, row in enumerate(cells):
        lines.append("  ".join(text.ljust(width) if column == 0 else text.rjust(width)
                               for column, (text, width) in enumerate(zip(row, widths, strict=True))))
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def result_text(result: ScenarioResult) -> str:
    """A readable report of every part that was simulated."""
    lines = []
    if result.walk_in is not None:
        w = result.walk_in
        lines += ["Walk-in queue", ""]
        lines += _table(["", "value"], [
            ["mean wait (minutes)", round(w.mean_wait_minutes, 2)],
            ["probability of waiting", f"{w.probability_of_wait:.1%}"],
            ["desk utilisation", f"{w.utilisation:.1%}"],
            ["served", w.served],
            ["arrivals", w.arrivals],
            ["still in line at the end", w.waiting_at_close],
        ])
    if result.backlog is not None:
        if lines:
            lines.append("")
        lines += ["Appointment backlog, week by week", ""]
        lines += _table(
            ["week", "capacity", "demand", "deflected", "served", "no-shows", "cancelled", "waiting",
             "lead time (d)", "earliest free (d)"],
            [[week.week_start_date.isoformat(), week.capacity, week.demand, week.deflected, week.served,
              week.no_shows, week.cancelled, week.waiting, week.lead_time_days, week.days_to_earliest_free]
             for week in result.backlog.weeks],
        )
        lines += ["", "lead time: mean days from booking to visit of those who booked that week;",
                  "earliest free: days from the week's last day to the first free time (weighted over points)."]
        weeks = result.backlog.weeks
        if result.backlog.moved_earlier or any(week.priority_lead_time_days is not None for week in weeks):
            lines += ["", "Software levers, week by week", ""]
            lines += _table(
                ["week", "moved earlier", "days gained", "lead time, priority (d)", "lead time, public (d)"],
                [[week.week_start_date.isoformat(), week.moved_earlier, week.days_moved_earlier,
                  week.priority_lead_time_days, week.public_lead_time_days] for week in weeks],
            )
            lines += ["", "moved earlier: people the waitlist gave a freed earlier time (days gained: their mean)."]
    return "\n".join(lines)


def progress_bar(part: str, share_done: float, *, width: int = 30) -> str:
    """`walk_in  [#########.....................]  30%`, to be redrawn in place with a carriage return."""
    filled = round(width * share_done)
    return f"\r{part:<8} [{'#' * filled}{'.' * (width - filled)}] {share_done:4.0%}"


def comparison_csv_rows(baseline: BacklogResult, scenario: BacklogResult) -> list[list]:
    """The weeks of two runs side by side: `week_start`, then each key of a week for the baseline and the
    scenario (`lead_time_days_baseline`, `lead_time_days_scenario`, ...); empty cells where a value is null."""
    base_weeks, lever_weeks = [week_json(w) for w in baseline.weeks], [week_json(w) for w in scenario.weeks]
    keys = [key for key in (base_weeks[0] if base_weeks else {}) if key != "week_start"]
    rows: list[list] = [["week_start"] + [f"{key}_{variant}" for key in keys for variant in ("baseline", "scenario")]]
    for base, lever in zip(base_weeks, lever_weeks, strict=True):
        if base["week_start"] != lever["week_start"]:
            raise ValueError("the two runs do not cover the same weeks")
        rows.append([base["week_start"]] + ["" if week[key] is None else week[key]
                                            for key in keys for week in (base, lever)])
    return rows
