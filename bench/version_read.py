"""Availability with the network's version read on its own, and read within the summaries' statement.

    .venv/bin/python bench/version_read.py [--requests 2000] [--db vuoro_bench]

On the data set of bench/availability.py (built there once), in one process, the same random
months at one point and (a quarter as many) 10 earliest across every point, as bench/lean.py asks
them, are answered, alternately, both ways:

  - checked first: `network_state()` (a statement of its own), then the search;
  - within the read: this process's copy unchecked, the version read in the statement that reads
    the day summaries (`selectors.current_network`), as the API answers since the seventh pass of
    issue 15.

Both must give the same bytes (checked on every request); prints the wall time of each (mean,
p50, p95) and writes bench/results/version_read.json. In one process and alternating, the other
work on the machine moves both alike, which HTTP runs minutes apart do not.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.availability import RESULTS, SERVICES, environment, random_month  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--db", default="vuoro_bench")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.update(environment(args.db))
    import django

    django.setup()
    from django.utils import timezone

    from vuoro.booking.api import _days_json, _slots_json
    from vuoro.booking.selectors import availability_days, availability_list, current_network
    from vuoro.network.state import network_state, network_state_unchecked

    gc.freeze()
    now = timezone.now()
    state = network_state()
    rng = random.Random(args.seed)
    codes = [code for code, _, _ in SERVICES]
    point_ids = sorted(state.points)
    today = now.astimezone(state.timezone).date()
    months = [random_month(rng, state, today, codes, point_ids) for _ in range(args.requests)]

    def month(state, versions, ask) -> str:
        code, point_id, first, last = ask
        return _days_json(availability_days(state=state, service_code=code, point_ids=[point_id], from_date=first,
                                            to_date=last, now=now, versions=versions))

    def earliest(state, versions, ask) -> str:
        return _slots_json(availability_list(state=state, service_code=ask[0], point_ids=None, from_date=None,
                                             to_date=None, limit=10, now=now, versions=versions))

    ways = {"checked first": lambda search, ask: search(network_state(), None, ask),
            "within the read": lambda search, ask: current_network(
                network_state_unchecked(), lambda state, versions: search(state, versions, ask))}
    results: dict[str, dict] = {}
    print(f"{'in one process, alternately':38} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, search, asks in (("a month at one point", month, months),
                               ("10 earliest across every point", earliest, months[:len(months) // 4])):
        for ask in asks[:20]:  # warm both
            for way in ways.values():
                way(search, ask)
        times: dict[str, list[float]] = {name: [] for name in ways}
        for i, ask in enumerate(asks):
            answers = []
            for name in (list(ways) if i % 2 else list(reversed(ways))):
                started = time.perf_counter()
                answers.append(ways[name](search, ask))
                times[name].append(time.perf_counter() - started)
            if answers[0] != answers[1]:
                print(f"the two ways answered {kind} differently for {ask}", file=sys.stderr)
                return 1
        print(kind)
        for name, spent in times.items():
            spent.sort()
            row = {"requests": len(spent), "mean_ms": round(sum(spent) / len(spent) * 1000, 3),
                   "p50_ms": round(spent[len(spent) // 2] * 1000, 3),
                   "p95_ms": round(spent[int(len(spent) * 0.95)] * 1000, 3)}
            results.setdefault(kind, {})[name] = row
            print(f"  {name:36} {row['mean_ms']:8.3f} {row['p50_ms']:8.3f} {row['p95_ms']:8.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "version_read.json"
    out.write_text(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "results": results}, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
