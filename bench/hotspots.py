"""Profile vuoro's hot requests in one process, on the bench data set (bench/availability.py builds it).

    .venv/bin/python bench/hotspots.py availability|earliest|booking [--requests N] [--top N]

Each request goes through Django's full stack (middleware, ninja, the view) via the test client,
under cProfile; prints the mean wall time per request, the statements and commits per request and the functions
with the most cumulative and own time. A tool for finding where the time goes, not a measurement
of the goals (bench/availability.py measures those over HTTP on a production server).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("availability", "earliest", "booking", "select"))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--db", default="vuoro_bench")
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.availability import (
        RUN_DOMAIN,
        SERVICES,
        bookable_slots,
        environment,
        month_path,
        random_month,
        remove_run_rows,
    )

    os.environ.update(environment(args.db))
    os.environ["VUORO_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from vuoro.network.state import network_state

    now = timezone.now()
    state = network_state()
    rng = random.Random(1)
    codes = [code for code, _, _ in SERVICES]
    point_ids = sorted(state.points)
    today = now.astimezone(state.timezone).date()
    client = Client()
    requests = []
    if args.what == "availability":
        requests = [("get", month_path(random_month(rng, state, today, codes, point_ids)), None)
                    for _ in range(args.requests)]
    elif args.what == "earliest":
        requests = [("get", f"/api/v1/availability?service={rng.choice(codes)}&limit=10", None)
                    for _ in range(args.requests)]
    elif args.what == "select":
        requests = [("get", "/bench/select?id=1", None)] * args.requests
    else:
        remove_run_rows()
        for i, slot in enumerate(bookable_slots(state, now, args.requests, "residence-card")):
            requests.append(("post", "/api/v1/bookings", json.dumps({
                "service": "residence-card", "service_point": slot["service_point"], "start": slot["start"],
                "persons": 1, "language": "en",
                "customer": {"name": f"Bench Runner {i}", "email": f"Run{i}@{RUN_DOMAIN}",
                             "phone": f"+358 40 {1000000 + i:07d}"}})))  # own phone: the per-person caps

    def send(method, path, body):
        if method == "get":
            return client.get(path)
        return client.post(path, body, content_type="application/json")

    for request in requests[:10]:  # warm up
        send(*request)
    statuses: dict[int, int] = {}
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for request in requests[10:]:
        response = send(*request)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    profiler.disable()
    elapsed = time.perf_counter() - started
    if args.what == "booking":
        remove_run_rows()
    count = max(1, len(requests) - 10)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    # psycopg waits for PostgreSQL once per statement and commit (prepared statements too, which
    # Django's own query log never sees; a transaction's BEGIN travels within its first statement's
    # wait); switching autocommit waits on nothing.
    waits = sum(calls for (path, _, name), (*_, callers) in stats.stats.items()
                if name == "wait" and path.endswith("psycopg/connection.py")
                for (_, _, caller), (_, calls, *_) in callers.items() if caller != "set_autocommit")
    print(f"{args.what}: {count} requests, {elapsed / count * 1000:.2f} ms each (profiled), "
          f"{waits / count:.1f} statements and commits each, statuses {statuses}")
    stats.sort_stats(args.sort).print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
