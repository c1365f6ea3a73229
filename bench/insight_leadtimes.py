"""The insight page and the lead-times API against a long history: 100 service points x 180 days of
hourly samples (every hour, each service at each point and across the network) and their daily
sums. Prints a table and
writes bench/results/insight_leadtimes.json. Goal: p95 <= 300 ms for each request.

    .venv/bin/python bench/insight_leadtimes.py [--small] [--services 2] [--requests 30] [--database-url URL] [--reuse]

A fresh database (SQLite in a temporary directory unless --database-url names one; a PostgreSQL
database named there is used as it is, its history replaced) gets a network of 100 points (2 desks,
weekdays 08:00-16:00, 15-minute grid, 180-day horizon) and synthetic samples written straight into
the table. Requests go through Django's whole stack in one process (django.test.Client, signed in
as an analyst), so the numbers are the server's work without the network:
- the page as it opens (every service, the last 12 weeks), and with 26 weeks (the whole history),
  and for one service at one point;
- the CSV of 4 weeks of one point (every row read);
- GET /api/v1/lead-times for everything, and for one service at one point (no bookings: the
  first free time is found on the first open day, so this is the API's floor, not availability's
  worst case, which bench/availability.py measures).
Besides the wall-clock times, "CPU ms" is the mean CPU time a request took in this process and
in its PostgreSQL backend (from /proc; 1/100 s ticks, so the backend's share is coarse): other work
on the machine moves it much less than the latencies.
--small: 10 points x 30 days, for a quick check. --reuse: keep the history a database already holds
when it has this run's shape (the same number of samples), instead of writing it again (about 10
minutes for the full size on PostgreSQL); the daily sums are remade either way.

Why no bookings here: issue 13 names 100 points x 180 days x 1.2 M bookings, but the insight page
and its CSV read only the recorded history (LeadTimeSample and its daily sums, LeadTimeDay), whose
size is points x services x hours whatever the bookings were: bookings only change the numbers the
worker records each hour, not what the page reads. The pages that read the bookings (the month in
figures, the service times) are measured over 1.2 M bookings by bench/insight_figures.py, and
the lead-times API's search through a full calendar (1.2 M bookings, "earliest" across 100 points)
by bench/availability.py.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_P95_MS = 300


def backend_cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a local process so far (from /proc; 0 when it cannot be read)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="10 points x 30 days of history")
    parser.add_argument("--services", type=int, default=2)
    parser.add_argument("--requests", type=int, default=30, help="per kind of request")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true", help="keep a history of this shape already written")
    args = parser.parse_args(argv)
    points_n, days = (10, 30) if args.small else (100, 180)
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="vuoro-insight-")
    os.environ.update({"DATABASE_URL": args.database_url or f"sqlite:///{tmp}/insight.sqlite3",
                       "VUORO_DEBUG": "off", "VUORO_SECRET_KEY": "bench-" + "x" * 50, "VUORO_VAR_DIR": tmp,
                       "VUORO_ALLOWED_HOSTS": "testserver", "VUORO_RATE_LIMITS": "off",
                       "DJANGO_SETTINGS_MODULE": "vuoro.settings"})
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from tests.factories import load_network
    from vuoro.insights.models import NETWORK, LeadTimeDay, LeadTimeSample
    from vuoro.network.roles import ANALYST, ensure_staff_groups

    call_command("migrate", verbosity=0)
    services = [(f"service-{n}", 30) for n in range(args.services)]
    point_ids = [f"point-{n:03d}" for n in range(points_n)]
    expected = days * 24 * len(services) * (len(point_ids) + 1)
    reuse = args.reuse and LeadTimeSample.objects.count() == expected
    if not reuse:
        load_network(slot_minutes=15, horizon_days=180, services=services,
                     points=[dict(id=p, desks=2, services=[c for c, _ in services]) for p in point_ids])
    ensure_staff_groups()
    user = User.objects.filter(username="bench-analyst").first()  # kept: its sign-ins are in the audit log
    if user is None:
        user = User.objects.create_user("bench-analyst", password="unused-password", is_staff=True)
    user.groups.set([Group.objects.get(name=ANALYST)])

    began = time.perf_counter()
    if not reuse:
        LeadTimeSample.objects.all().delete()
    LeadTimeDay.objects.all().delete()
    rng = random.Random(7)
    end = timezone.now().astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    rows = expected if reuse else 0
    batch: list[LeadTimeSample] = []
    for hour in range(0 if reuse else days * 24, 0, -1):
        hour_at = end - dt.timedelta(hours=hour)
        for code, _ in services:
            for where in [*point_ids, NETWORK]:
                d = rng.randint(5, 120)
                batch.append(LeadTimeSample(hour_at=hour_at, service=code, service_point=where, recorded_at=hour_at,
                                            first_free_at=hour_at + dt.timedelta(days=d), days_to_first_free=d,
                                            starts_7_days=rng.randint(0, 50), starts_30_days=rng.randint(0, 200),
                                            starts_90_days=rng.randint(0, 600)))
        if len(batch) >= 20000:
            LeadTimeSample.objects.bulk_create(batch, batch_size=5000)
            rows += len(batch)
            batch = []
    LeadTimeSample.objects.bulk_create(batch, batch_size=5000)
    rows += len(batch)
    from vuoro.insights.recording import lead_time_days_refresh
    from vuoro.network.state import network_state

    lead_time_days_refresh(zone=network_state().timezone)
    fill_seconds = time.perf_counter() - began
    if os.environ["DATABASE_URL"].startswith("postgres"):
        from django.db import connection

        with connection.cursor() as cursor:  # as autovacuum would soon after: the planner's statistics
            cursor.execute(f"ANALYZE {LeadTimeSample._meta.db_table}")
            cursor.execute(f"ANALYZE {LeadTimeDay._meta.db_table}")

    client = Client()
    client.force_login(user)
    code, point = services[0][0], point_ids[len(point_ids) // 2]
    kinds = [
        ("page: every service, 12 weeks", "/staff/insight/"),
        ("page: every service, 26 weeks", "/staff/insight/?weeks=26"),
        ("page: one service at one point", f"/staff/insight/?service={code}&point={point}"),
        ("CSV: one point, 4 weeks", f"/staff/insight/lead-times.csv?point={point}&weeks=4"),
        ("API: lead-times, everything", "/api/v1/lead-times"),
        ("API: lead-times, one service at one point", f"/api/v1/lead-times?service={code}&service_point={point}"),
    ]
    backend = None  # PostgreSQL's process serving this one: its CPU time counts in the request's
    if os.environ["DATABASE_URL"].startswith("postgres"):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    results = []
    for name, url in kinds:
        timings, cpu = [], []
        for _ in range(args.requests + 2):
            start, cpu_start = time.perf_counter(), time.process_time() + backend_cpu_seconds(backend)
            answer = client.get(url, secure=True)
            body = b"".join(answer.streaming_content) if answer.streaming else answer.content
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() + backend_cpu_seconds(backend) - cpu_start) * 1000)
            assert answer.status_code == 200 and body, (url, answer.status_code)
        timings = sorted(timings[2:])  # the first two warm the caches
        cpu = sorted(cpu[2:])
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        results.append({"request": name, "url": url, "requests": len(timings),
                        "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(p95, 1),
                        "max_ms": round(timings[-1], 1), "cpu_mean_ms": round(statistics.fmean(cpu), 1),
                        "goal_met": p95 <= GOAL_P95_MS})

    database = "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite"
    print(f"\ninsight: {points_n} points x {days} days x {args.services} services = {rows:,} samples "
          f"({'kept, sums remade' if reuse else 'written'} in {fill_seconds:.0f} s), {database}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(f"| {'request':<42} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | {'CPU ms':>7} "
          f"| goal p95 <= {GOAL_P95_MS} ms |")
    print(f"|{'-' * 44}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 21}|")
    for r in results:
        print(f"| {r['request']:<42} | {r['p50_ms']:>7} | {r['p95_ms']:>7} | {r['max_ms']:>7} | "
              f"{r['cpu_mean_ms']:>7} | {'met' if r['goal_met'] else 'NOT met':<19} |")
    out = ROOT / "bench" / "results" / "insight_leadtimes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"points": points_n, "days": days, "services": args.services, "samples": rows,
                               "database": database, "goal_p95_ms": GOAL_P95_MS, "results": results,
                               "load_average": os.getloadavg()[0]}, indent=2) + "\n")
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0 if all(r["goal_met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
