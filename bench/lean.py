"""The fixed cost of every API call, through HTTP, beside the stack's floors (issue 15, lean requests).

    .venv/bin/python bench/lean.py [--limits redis|database] [--requests 1000] [--seconds 10]

On the data set of bench/availability.py (built there once, reused here), one gunicorn gthread
worker (4 threads; the issue's measurement) serves with PRODUCTION settings and the per-client
limits ON: every request comes through a trusted proxy (127.0.0.1) naming one of many client
addresses in X-Forwarded-For, so the limits count as they would for real customers, in Redis
(`--limits redis`, VUORO_REDIS_URL to the Redis at 127.0.0.1:6379) or in PostgreSQL. Measures,
in one run, each row's latency and the server's CPU per request (the worker and its PostgreSQL
backends, from /proc):

  - the fixed cost: an empty availability answer (one point, one closed day) and GET /api/v1/services
  - the SELECT floor (one primary-key SELECT through the same stack; the cheapest read)
  - availability of one point for a month, and the 10 earliest slots across all 100 points
  - the INSERT floor and bookings, under 32 concurrent clients (wrk)

prints one table with the goals and writes bench/results/lean-<limits>.json. `--code DIR` serves
another checkout's code (e.g. main's worktree) on the same data set, for a before/after.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.availability import (  # noqa: E402
    DATASET_VERSION,
    RESULTS,
    SERVICES,
    WRK_LUA,
    Server,
    bookable_slots,
    cpu_seconds,
    dataset_meta,
    ensure_wrk,
    environment,
    month_path,
    overlap_count,
    random_month,
    remove_run_rows,
    run_wrk,
    server_pids,
    stale_summaries,
    write_booking_bodies,
)
from bench.availability import (  # noqa: E402
    sequential as availability_sequential,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
GOALS = {  # name: (goal, "<=" or ">=")
    "fixed_cpu_ms_empty": (2.0, "<="), "fixed_cpu_ms_services": (2.0, "<="),
    "availability_p95_ms": (5.0, "<="), "availability_to_cheapest_read": (2.0, "<="),
    "earliest_p95_ms": (10.0, "<="), "bookings_to_insert_floor": (0.7, ">="),
}
# Each request names one of these client addresses (X-Forwarded-For, via a trusted proxy): enough
# that no client reaches its limits in a run, as many customers would.
CLIENTS = [f"10.{i // 250}.{i % 250}.{1 + i % 7}" for i in range(4000)]

WRK_LUA_CLIENTS = WRK_LUA.replace(
    'return wrk.format(method, nil, {["Content-Type"] = "application/json"}, body)',
    'return wrk.format(method, nil, {["Content-Type"] = "application/json", ["X-Forwarded-For"] = client()}, body)',
).replace(
    "  return wrk.format(method, nil, nil, nil)",
    '  return wrk.format(method, nil, {["X-Forwarded-For"] = client()}, nil)',
).replace(
    "function request()",
    "local sent = 0\nfunction client()\n  sent = sent + 1\n"
    '  return string.format("10.%d.%d.%d", 100 + tid, math.floor(sent / 250) % 250, sent % 250 + 1)\nend\n'
    "function request()",
)


def sequential(port: int, paths: list[str], warmup: int = 20, budget_seconds: float = 90) -> dict:
    """GETs one after another on one keep-alive connection, each from the next client address."""
    rng = random.Random(len(paths))
    return availability_sequential(port, paths, warmup=warmup, budget_seconds=budget_seconds,
                                   headers=lambda: {"X-Forwarded-For": rng.choice(CLIENTS)})


def with_cpu(server: Server, db: str, work) -> dict:
    """One measurement, with the server's CPU ms per request: the worker (Python) and its
    PostgreSQL backends; Redis's own CPU is added when the limits count there."""
    redis_pid = _redis_pid()
    before = cpu_seconds(server_pids(server, db) + ([redis_pid] if redis_pid else []))
    result = work()
    after = cpu_seconds(server_pids(server, db) + ([redis_pid] if redis_pid else []))
    workers = set(server.worker_pids())
    spent = {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}
    python = sum(v for pid, v in spent.items() if pid in workers)
    redis = spent.get(redis_pid, 0.0) if redis_pid else 0.0
    postgres = sum(v for pid, v in spent.items() if pid not in workers and pid != redis_pid)
    n = result.get("requests") or 0
    if n:
        result["python_cpu_ms_per_request"] = round(python * 1000 / n, 3)
        result["postgres_cpu_ms_per_request"] = round(postgres * 1000 / n, 3)
        result["redis_cpu_ms_per_request"] = round(redis * 1000 / n, 3)
        result["server_cpu_ms_per_request"] = round((python + postgres + redis) * 1000 / n, 3)
    return result


def _redis_pid() -> int | None:
    if os.environ.get("VUORO_REDIS_URL") is None:
        return None
    for status in Path("/proc").glob("[0-9]*/comm"):
        try:
            if status.read_text().strip() == "redis-server":
                return int(status.parent.name)
        except OSError:
            continue
    return None


def measure(args, env: dict[str, str], wrk: str) -> dict:
    from django.db import connection
    from django.utils import timezone

    from vuoro.network.state import network_state

    now = timezone.now()
    state = network_state()
    rng = random.Random(args.seed)
    point_ids = sorted(state.points)
    codes = [code for code, _, _ in SERVICES]
    today = now.astimezone(state.timezone).date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM booking_booking")
        low_id, high_id = cursor.fetchone()
    slots = bookable_slots(state, now, int(args.seconds * 1000), "residence-card")
    workdir = Path(tempfile.mkdtemp(prefix="vuoro-bench-lean-"))
    lua = workdir / "clients.lua"
    lua.write_text(WRK_LUA_CLIENTS)
    bodies = write_booking_bodies(workdir, slots)
    results: dict = {}
    server = Server(env, workers=1, worker_class="gthread", threads=args.threads)
    try:
        n = args.requests
        month = [month_path(random_month(rng, state, today, codes, point_ids)) for _ in range(n)]
        plan = {
            "empty_answer": [f"/api/v1/availability?service={rng.choice(codes)}&service_point="
                             f"{rng.choice(point_ids)}&from={saturday}&to={saturday}" for _ in range(n)],
            "services": ["/api/v1/services"] * n,
            "select_floor": [f"/bench/select?id={rng.randint(low_id, high_id)}" for _ in range(n)],
            "availability_point_month": month,
            "earliest_10_all_points": [f"/api/v1/availability?service={rng.choice(codes)}&limit=10"
                                       for _ in range(n)],
        }
        for paths in plan.values():  # warm every kind once
            sequential(server.port, paths[:30], warmup=0)
        for key, paths in plan.items():
            results[key] = with_cpu(server, args.db, lambda paths=paths: sequential(server.port, paths, warmup=0))
            item = results[key]
            print(f"  {key}: p50 {item['p50_ms']} ms, p95 {item['p95_ms']} ms, "
                  f"CPU {item.get('server_cpu_ms_per_request')} ms/request", flush=True)
        load = {"connections": args.connections, "threads": 2, "seconds": args.seconds}
        base = f"http://127.0.0.1:{server.port}"
        results["insert_floor"] = with_cpu(server, args.db, lambda: run_wrk(
            wrk, lua, f"{base}/bench/insert", method="POST", **load))
        results["booking_statements"] = with_cpu(server, args.db, lambda: run_wrk(
            wrk, lua, f"{base}/bench/booking-statements", method="POST", bodies=bodies, **load))
        time.sleep(2)  # wrk has stopped sending; let the worker finish what it had taken in
        remove_run_rows()  # the same times for the bookings
        results["bookings"] = with_cpu(server, args.db, lambda: run_wrk(
            wrk, lua, f"{base}/api/v1/bookings", method="POST", bodies=bodies, **load))
        results["bookings"]["distinct_slots_offered"] = len(slots)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["double_bookings"] = overlap_count()
    return results


def summarise(results: dict) -> dict:
    cheapest = min(results[key]["p95_ms"] for key in ("empty_answer", "services", "select_floor"))
    return {
        "fixed_cpu_ms_empty": results["empty_answer"]["server_cpu_ms_per_request"],
        "fixed_cpu_ms_services": results["services"]["server_cpu_ms_per_request"],
        "availability_p95_ms": results["availability_point_month"]["p95_ms"],
        "availability_to_cheapest_read": round(results["availability_point_month"]["p95_ms"] / cheapest, 2),
        "earliest_p95_ms": results["earliest_10_all_points"]["p95_ms"],
        "bookings_to_insert_floor": round(results["bookings"]["ok_per_s"] / results["insert_floor"]["ok_per_s"], 2),
        "booking_statements_to_insert_floor": round(
            results["booking_statements"]["ok_per_s"] / results["insert_floor"]["ok_per_s"], 2),
    }


def print_table(results: dict, summary: dict, meta: dict, args) -> None:
    print()
    print(f"data set: {meta['points']} points x {meta['desks_per_point']} desks, {meta['live_bookings']:,} live "
          f"bookings; server: gunicorn, 1 gthread worker x {args.threads} threads, production settings, "
          f"limits ON counted in {args.limits}; code: {args.code}")
    print(f"{os.cpu_count()} cores shared by the server, PostgreSQL, Redis and the load generator; load average "
          f"before {' '.join(results['load_average']['before'])}, after {' '.join(results['load_average']['after'])}")
    print()
    row = "{:<46} {:>8} {:>8} {:>9} {:>22} {:>18}"
    print(row.format("measurement", "p50 ms", "p95 ms", "ok/s", "CPU ms/req py+pg+redis", "statuses"))
    for label, key in (("fixed cost: empty availability answer", "empty_answer"),
                       ("fixed cost: GET /api/v1/services", "services"),
                       ("SELECT floor (one primary-key SELECT)", "select_floor"),
                       ("availability, 1 point, a month", "availability_point_month"),
                       ("earliest 10 across 100 points", "earliest_10_all_points"),
                       (f"INSERT floor, {args.connections} clients", "insert_floor"),
                       (f"a booking's statements alone, {args.connections} clients", "booking_statements"),
                       (f"bookings, {args.connections} clients", "bookings")):
        item = results[key]
        cpu = (f"{item['server_cpu_ms_per_request']:.2f} ({item['python_cpu_ms_per_request']:.2f}+"
               f"{item['postgres_cpu_ms_per_request']:.2f}+{item['redis_cpu_ms_per_request']:.2f})")
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(item["statuses"].items(), key=lambda kv: str(kv[0])))
        print(row.format(label, f"{item['p50_ms']:.2f}", f"{item['p95_ms']:.2f}", item.get("ok_per_s", ""), cpu,
                         statuses))
    print()
    for key, (goal, sign) in GOALS.items():
        value = summary[key]
        met = value <= goal if sign == "<=" else value >= goal
        print(f"  {key:<32} {value:>9}   goal {sign} {goal:<5} {'met' if met else 'MISSED'}")
    print(f"  {'double bookings (SQL check)':<32} {results['double_bookings']:>9}   goal == 0     "
          f"{'met' if results['double_bookings'] == 0 else 'MISSED'}")
    print(f"  {'a booking\'s statements / floor':<32} {summary['booking_statements_to_insert_floor']:>9}   "
          f"(no goal: the most a booking could reach with no check but its statements)")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="vuoro_bench", help="database name (must start with vuoro_bench)")
    parser.add_argument("--limits", default="redis", choices=("redis", "database"))
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests per measurement")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each concurrent measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=4, help="threads of the one gthread worker")
    parser.add_argument("--code", default=str(ROOT), help="the checkout whose code gunicorn serves")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.db.startswith("vuoro_bench"):
        parser.error("--db must start with vuoro_bench")
    if not 50 <= args.requests <= 20000 or not 1 <= args.seconds <= 60 or args.connections > 256:
        parser.error("keep the run bounded: 50-20000 requests, 1-60 seconds, at most 256 connections")
    env = {**environment(args.db), "VUORO_RATE_LIMITS": "on", "VUORO_TRUSTED_PROXIES": "127.0.0.1",
           "PYTHONPATH": args.code}
    if args.limits == "redis":
        env["VUORO_REDIS_URL"] = REDIS_URL
        env["VUORO_REDIS_PREFIX"] = f"vuoro-bench-{os.getpid()}"
    os.environ.update(env)
    wrk = ensure_wrk()
    meta = dataset_meta(args.db)
    if meta is None or meta.get("dataset_version") != DATASET_VERSION:
        sys.exit(f"no data set in {args.db}: build it first with bench/availability.py --build-only --db {args.db}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    if stale_summaries():
        call_command("refreshdayloads", verbosity=0)
    remove_run_rows()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    import bench.availability as availability

    availability.ROOT = Path(args.code)  # gunicorn --chdir: the code it serves
    try:
        results = measure(args, env, wrk)
    finally:
        remove_run_rows()
    results["load_average"] = {"before": load_before, "after": Path("/proc/loadavg").read_text().split()[:3]}
    summary = summarise(results)
    print_table(results, summary, meta, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"lean-{args.limits}.json"
    out.write_text(json.dumps({
        "measured_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "server": {"software": "gunicorn", "workers": 1, "worker_class": "gthread", "threads": args.threads,
                   "limits": args.limits, "code": args.code},
        "dataset": meta, "goals": {k: {"goal": g, "sign": s} for k, (g, s) in GOALS.items()},
        "summary": summary, "results": results}, indent=2, default=str) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
