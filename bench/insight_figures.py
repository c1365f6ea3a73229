"""The month in figures at national scale on PostgreSQL (issue 13): how fast the page answers
with about 1.2 million bookings, and what the worker's recompute costs.

    .venv/bin/python bench/insight_figures.py [--small] [--rebuild] [--requests 60] [--db vuoro_bench_insight]

Builds (once; `--rebuild` again) a database with 100 service points x 10 appointment desks and 2
queue-number desks, weekdays 08:00-16:00 with Finnish holidays, and 180 past days of visits: about
1.2 million bookings by COPY (done, absent and cancelled, booked 0-179 days ahead), 30 queue numbers
a point and day, and guidance records. `--small`: 10 points x 60 days. Then it recomputes the daily
sums of every day as the worker would (timed), times the hourly refresh, and requests the figures
page, its CSV and the service-times page through Django's test client (random months, all points or
one point, all services or one): p50/p95/max in ms. Prints a table and writes
bench/results/insight_figures.json. Goal: the figures page p95 <= 300 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.availability import dataset_meta, recreate_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
DATASET_VERSION = 1
GOAL_P95_MS = 300.0
SERVICES = [("extended-permit", 30, 35), ("first-permit", 45, 15), ("eu-registration", 30, 15),
            ("residence-card", 30, 10), ("citizenship", 45, 15), ("document-pickup", 15, 10)]
BOOK_CHANCE = 0.45  # at each free cell of a desk: a visit starts there (else the cell stays free)
CANCELLED_SHARE = 0.04
NO_SHOW_SHARE = 0.06
TICKETS_A_DAY = 30


def network_toml(points: int, desks: int) -> str:
    lines = ['timezone = "Europe/Helsinki"', 'holidays = "FI"', "horizon_days = 180", "slot_minutes = 15", ""]
    for code, minutes, _ in SERVICES:
        title = code.replace("-", " ").capitalize()
        lines += ["[[services]]", f'code = "{code}"',
                  f'name = {{ fi = "{title} (fi)", sv = "{title} (sv)", en = "{title}" }}',
                  f"duration_minutes = {minutes}", ""]
    codes = ", ".join(f'"{code}"' for code, _, _ in SERVICES)
    for n in range(1, points + 1):
        lines += ["[[service_points]]", f'id = "point-{n:03d}"',
                  f'name = {{ fi = "Palvelupiste {n}", sv = "Servicepunkt {n}", en = "Service point {n}" }}',
                  f"desks = {desks}", f"services = [{codes}]",
                  f"walk_in = {{ desks = 2, daily_tickets = {TICKETS_A_DAY} }}", "", "[service_points.hours]"]
        lines += [f'{day} = "08:00-16:00"' for day in ("mon", "tue", "wed", "thu", "fri")] + [""]
    return "\n".join(lines)


def build(db: str, *, points: int, days: int, desks: int, now: dt.datetime) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from vuoro.booking.guard_sql import ensure_no_overlap_guard
    from vuoro.network.state import network_state

    started = time.perf_counter()
    recreate_database(db)
    call_command("migrate", "--noinput", verbosity=0)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as handle:
        handle.write(network_toml(points, desks))
    try:
        call_command("loadnetwork", handle.name, verbosity=0)
    finally:
        os.unlink(handle.name)
    state = network_state()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (id serial PRIMARY KEY, info jsonb NOT NULL)")
        cursor.execute("ALTER TABLE booking_booking DROP CONSTRAINT IF EXISTS booking_no_overlap_on_desk")
        stats = _fill(cursor, state, now, days)
    ensure_no_overlap_guard(connection)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        info = {"dataset_version": DATASET_VERSION, "built_at": now.isoformat(), "points": points, "days": days,
                "desks_per_point": desks, **stats, "build_seconds": round(time.perf_counter() - started, 1)}
        cursor.execute("INSERT INTO bench_meta (info) VALUES (%s)", [json.dumps(info)])
    return info


def _fill(cursor, state, now: dt.datetime, days: int) -> dict:
    from vuoro.scheduling.availability import cell_count

    rng = random.Random(20261207)
    step = dt.timedelta(minutes=state.slot_minutes)
    columns = ("reservation_key", "pin_hash", "service_point_id", "service_id", "desk_id", "start_at", "end_at",
               "local_date", "status", "persons", "language", "customer_name", "customer_email", "email_key",
               "customer_phone", "channel", "created_at", "cancelled_at", "rescheduled_count", "checked_in_at",
               "called_at", "started_at", "finished_at", "no_show_at")
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'booking_booking' "
                   "AND is_nullable = 'NO' AND column_default IS NULL AND data_type IN ('character varying', 'text')")
    defaulted = [column for (column,) in cursor.fetchall() if column not in columns]
    for column in defaulted:
        cursor.execute(f"ALTER TABLE booking_booking ALTER COLUMN {column} SET DEFAULT ''")
    weights = [w for _, _, w in SERVICES]
    n = 0
    counts = {"bookings": 0, "cancelled": 0, "tickets": 0, "guidance": 0}
    with cursor.copy(f"COPY booking_booking ({', '.join(columns)}) FROM STDIN") as copy:
        for point in state.points.values():
            today = now.astimezone(point.zone).date()
            offered = [(state.service_ids[code], point.durations[code] // state.slot_minutes)
                       for code, _, _ in SERVICES]
            for opening in point.calendar.openings(today - dt.timedelta(days=days), today - dt.timedelta(days=1)):
                cells = cell_count(opening, state.slot_minutes)
                for number in range(1, opening.desks + 1):
                    desk_id = point.desk_ids[number]
                    k = 0
                    while k < cells:
                        if rng.random() >= BOOK_CHANCE:
                            k += 1
                            continue
                        service_id, length = rng.choices(offered, weights)[0]
                        if k + length > cells:
                            k += 1
                            continue
                        start = opening.interval.start + k * step
                        end = start + length * step
                        lead = min(179, int(rng.expovariate(1 / 30)))
                        created = start - dt.timedelta(days=lead, minutes=rng.randrange(1, 600))
                        base = ("x", point.id, service_id, desk_id, start, end, opening.day)
                        if rng.random() < CANCELLED_SHARE:  # an earlier booking of this time, cancelled
                            n += 1
                            copy.write_row((f"C{n:09d}", *base, "cancelled", 1, "fi", "Bench", "b@x.invalid",
                                            "b@x.invalid", "", "online", created - dt.timedelta(days=1),
                                            created - dt.timedelta(hours=2), 0, None, None, None, None, None))
                            counts["cancelled"] += 1
                        n += 1
                        if rng.random() < NO_SHOW_SHARE:
                            stamps = ("no_show", None, None, None, None, start + dt.timedelta(minutes=10))
                        else:
                            begun = start + dt.timedelta(minutes=rng.randrange(0, 6))
                            spent = dt.timedelta(minutes=length * state.slot_minutes * rng.uniform(0.5, 1.3))
                            stamps = ("done", start - dt.timedelta(minutes=8), start, begun, begun + spent, None)
                        copy.write_row((f"B{n:09d}", *base, stamps[0], 1, "fi", "Bench", "b@x.invalid",
                                        "b@x.invalid", "", "online", created, None, 0, *stamps[1:]))
                        counts["bookings"] += 1
                        k += length
    for column in defaulted:
        cursor.execute(f"ALTER TABLE booking_booking ALTER COLUMN {column} DROP DEFAULT")
    with cursor.copy("COPY walkin_ticket (service_point_id, local_date, number, service_id, language, urgent, "
                     "channel, phone, status, issued_at, called_at, recalled_count, started_at, finished_at, "
                     "estimated_wait_minutes, outcome) FROM STDIN") as copy:
        for point in state.points.values():
            today = now.astimezone(point.zone).date()
            for opening in point.calendar.openings(today - dt.timedelta(days=days), today - dt.timedelta(days=1)):
                for number in range(1, TICKETS_A_DAY + 1):
                    issued = opening.interval.start + dt.timedelta(minutes=number * 14)
                    called = issued + dt.timedelta(minutes=rng.randrange(0, 45))
                    begun = called + dt.timedelta(minutes=1)
                    copy.write_row((point.id, opening.day, number, rng.choice(list(state.service_ids.values())), "fi",
                                    False, "kiosk", "", "done", issued, called, 0, begun,
                                    begun + dt.timedelta(minutes=rng.randrange(5, 40)), rng.randrange(0, 40),
                                    "application_received"))
                    counts["tickets"] += 1
    with cursor.copy("COPY walkin_ticketday (service_point_id, date, issued, turned_away) FROM STDIN") as copy:
        for point in state.points.values():
            today = now.astimezone(point.zone).date()
            for opening in point.calendar.openings(today - dt.timedelta(days=days), today - dt.timedelta(days=1)):
                copy.write_row((point.id, opening.day, TICKETS_A_DAY, rng.randrange(0, 10)))
    outcomes = ["apply_online", "book_appointment", "take_queue_number", "visit_mission_abroad"]
    with cursor.copy("COPY guidance_guidancerecord (date, matter, outcome, language) FROM STDIN") as copy:
        today = now.date()
        for k in range(days):
            for _ in range(3 * len(state.points)):
                copy.write_row((today - dt.timedelta(days=k + 1), rng.choice(SERVICES)[0], rng.choice(outcomes), "fi"))
                counts["guidance"] += 1
    return counts


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def measure(*, requests: int, seed: int, now: dt.datetime) -> dict:
    from django.contrib.auth.models import User
    from django.test import Client

    from vuoro.insights.figures_compute import figures_refresh
    from vuoro.network.state import network_state

    state = network_state()
    results = {}
    full_ms, written = timed(lambda: figures_refresh(state=state, now=now, days=185))
    results["recompute_all_days"] = {"ms": round(full_ms), "point_days": sum(written.values()),
                                     "ms_per_point_day": round(full_ms / max(1, sum(written.values())), 2)}
    hourly_ms, written = timed(lambda: figures_refresh(state=state, now=now, days=2))
    results["hourly_refresh"] = {"ms": round(hourly_ms), "point_days": sum(written.values())}

    from django.contrib.auth.models import Group

    from vuoro.network.roles import ANALYST, ensure_staff_groups

    ensure_staff_groups()
    user = User.objects.filter(username="bench-analyst").first() or User.objects.create_user(
        "bench-analyst", password="bench-analyst-secret-1", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    rng = random.Random(seed)
    today = now.astimezone(state.timezone).date()
    months = sorted({(today - dt.timedelta(days=k)).replace(day=1) for k in range(1, 180)})
    points = sorted(state.points)
    codes = sorted(state.service_ids)

    def query() -> str:
        parts = [f"month={rng.choice(months):%Y-%m}"]
        variant = rng.random()
        if variant < 0.3:
            parts.append(f"point={rng.choice(points)}")
        elif variant < 0.5:
            parts.append(f"service={rng.choice(codes)}")
        return "&".join(parts)

    for name, path, count in (("figures_page", "/staff/insight/figures/", requests),
                              ("figures_csv", "/staff/insight/figures.csv", max(10, requests // 3)),
                              ("service_times_page", "/staff/insight/service-times/", max(10, requests // 3))):
        for _ in range(3):  # warm-up
            client.get(f"{path}?{query()}")
        times = []
        for _ in range(count):
            ms, response = timed(lambda path=path: client.get(f"{path}?{query()}"))
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code} {response.get('Location', '')}")
            times.append(ms)
        results[name] = {"requests": count, "p50_ms": round(statistics.median(times), 1),
                         "p95_ms": round(percentile(times, 95), 1), "max_ms": round(max(times), 1)}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="vuoro_bench_insight", help="database name (must start with vuoro_bench)")
    parser.add_argument("--small", action="store_true", help="10 points x 60 days instead of 100 x 180")
    parser.add_argument("--rebuild", action="store_true", help="build the data set again even when present")
    parser.add_argument("--requests", type=int, default=60, help="figures page requests timed (10-2000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.db.startswith("vuoro_bench"):
        parser.error("--db must start with vuoro_bench")
    if not 10 <= args.requests <= 2000:
        parser.error("keep the run bounded: 10-2000 requests")
    points, days = (10, 60) if args.small else (100, 180)
    os.environ.update({"DATABASE_URL": f"{PG_BASE}/{args.db}", "DJANGO_SETTINGS_MODULE": "vuoro.settings",
                       "VUORO_DEBUG": "off", "VUORO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
                       "VUORO_RATE_LIMITS": "off", "VUORO_ALLOWED_HOSTS": "127.0.0.1", "VUORO_SSL_REDIRECT": "off",
                       "VUORO_REQUIRE_2FA": "off",  # the bench measures the page, not the sign-in
                       "VUORO_LOG_LEVEL": "ERROR"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    meta = None if args.rebuild else dataset_meta(args.db)
    if meta is not None and (meta.get("dataset_version"), meta.get("points"), meta.get("days")) != (
            DATASET_VERSION, points, days):
        meta = None
    if meta is None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        print(f"building the data set in {args.db}: {points} points x {days} days ...", flush=True)
        meta = build(args.db, points=points, days=days, desks=10, now=now)
        print(f"built: {meta['bookings']:,} bookings (+{meta['cancelled']:,} cancelled), {meta['tickets']:,} "
              f"queue numbers in {meta['build_seconds']} s", flush=True)
    else:
        call_command("migrate", "--noinput", verbosity=0)
        print(f"reusing the data set in {args.db} built {meta['built_at'][:16]} (--rebuild to build it again)")
    now = dt.datetime.fromisoformat(meta["built_at"])
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    results = measure(requests=args.requests, seed=args.seed, now=now)
    results["load_average"] = {"before": load_before, "after": Path("/proc/loadavg").read_text().split()[:3]}
    print(f"\nThe month in figures: {meta['bookings'] + meta['cancelled']:,} bookings, {points} points x {days} days")
    print(f"{'measurement':<22}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name in ("figures_page", "figures_csv", "service_times_page"):
        r = results[name]
        print(f"{name:<22}{r['requests']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['max_ms']:>9}")
    print(f"recompute of every day: {results['recompute_all_days']['ms']:,} ms for "
          f"{results['recompute_all_days']['point_days']:,} point-days; hourly refresh (3 days a point): "
          f"{results['hourly_refresh']['ms']:,} ms")
    ok = results["figures_page"]["p95_ms"] <= GOAL_P95_MS
    print(f"goal: figures page p95 <= {GOAL_P95_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("insight_figures_small.json" if args.small else "insight_figures.json")
    out.write_text(json.dumps({
        "measured_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "note": "the client, PostgreSQL and Django share these cores; Django's test client, in process"},
        "dataset": meta, "goal_p95_ms": GOAL_P95_MS, "results": results}, indent=2, default=str) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
