"""The waitlist over a month of the demo: how much of the freed time goes to someone before its day,
and how many days the waitlisted customers gain. Prints a table and writes
bench/results/waitlist_refill.json.

    .venv/bin/python bench/waitlist_refill.py [--days 28] [--seed 7] [--database-url URL]

A fresh database (SQLite in a temporary directory unless --database-url names one) gets the demo
network (examples/network.toml) and the demo bookings (`vuoro demo`: the next four weeks nearly
full, thinning out towards thirteen weeks). Then a month is replayed on a simulated clock, the
real service functions doing the work:
- each day, customers join the waitlist (new bookings: a service by the demo's weights, one point
  or any, dates from tomorrow to 2-6 weeks ahead, half with "book it for me") and holders of
  bookings 5+ weeks ahead ask for an earlier time;
- through the day, customers cancel future bookings (most of them within the next weeks);
  each cancellation hands its time to the waitlist in its own transaction;
- an offered time is taken 10 minutes later by 3 customers in 4; the rest let it lapse, and the
  hourly sweep passes it on.
The customers' choices are drawn from one generator seeded with --seed, so a run replays the
same month (on the same start day: the next Monday after today) and two versions of the code can be
compared. Measured: the share of freed desk time (cancelled before its start) that a live booking covers
again by the end (only the waitlist books in this replay, so that is the waitlist's doing), also
for the times whose day fell within the month; and the days gained per entry that got a time.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--joins-per-day", type=int, default=60)
    parser.add_argument("--moves-per-day", type=int, default=20)
    parser.add_argument("--cancellations-per-day", type=int, default=60)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="vuoro-waitlist-")
    os.environ.update({"DATABASE_URL": args.database_url or f"sqlite:///{tmp}/waitlist.sqlite3",
                       "VUORO_DEBUG": "off", "VUORO_SECRET_KEY": "bench-" + "x" * 50, "VUORO_VAR_DIR": tmp,
                       "DJANGO_SETTINGS_MODULE": "vuoro.settings"})
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command

    from vuoro.booking.demo import SERVICE_WEIGHTS, demo_bookings_fill
    from vuoro.booking.models import Booking, WaitlistEntry
    from vuoro.booking.services import BookingError, Customer, booking_cancel
    from vuoro.booking.waitlist import waitlist_accept, waitlist_join, waitlist_join_move, waitlist_sweep
    from vuoro.network.state import network_state

    call_command("migrate", verbosity=0)
    call_command("loadnetwork", str(ROOT / "examples" / "network.toml"), verbosity=0)
    state = network_state()
    zone = state.timezone
    rng = random.Random(args.seed)
    today = dt.datetime.now(zone).date()
    start_day = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    start = dt.datetime.combine(start_day, dt.time(7, 0), tzinfo=zone)
    made = demo_bookings_fill(now=start, seed=args.seed)
    services = [code for code in state.service_ids if state.points_offering(code)]
    weights = [SERVICE_WEIGHTS.get(code, 5) for code in services]
    freed: list[tuple[int, dt.datetime, dt.datetime, dt.date, dt.datetime]] = []  # desk, start, end, day, when
    counts = {"joined": 0, "move_requests": 0, "cancelled": 0, "offers_taken": 0, "offers_left": 0,
              "refused": 0}
    began = time.perf_counter()
    n = 0

    def answer_offers(now: dt.datetime) -> None:
        for entry in WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED, offered_at__lte=now,
                                                  ended_at__isnull=True).order_by("id"):
            if entry.pk in answered:
                continue
            answered.add(entry.pk)
            if rng.random() < 0.75:
                try:
                    waitlist_accept(entry=entry, now=min(now, entry.hold.held_until - dt.timedelta(minutes=1)),
                                    state=state)
                    counts["offers_taken"] += 1
                except BookingError:
                    counts["refused"] += 1
            else:
                counts["offers_left"] += 1

    def pick(bookings):
        """One of the bookings, drawn with the seeded generator (not the database's random order):
        the same seed replays the same month, so two versions of the code can be compared."""
        ids = list(bookings.order_by("pk").values_list("pk", flat=True))
        return Booking.objects.select_related("service").get(pk=rng.choice(ids)) if ids else None

    answered: set[int] = set()
    for offset in range(args.days):
        day = start_day + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        morning = dt.datetime.combine(day, dt.time(8, 0), tzinfo=zone)
        events = []
        for _ in range(args.joins_per_day):
            events.append((morning + dt.timedelta(minutes=rng.uniform(0, 600)), "join"))
        for _ in range(args.moves_per_day):
            events.append((morning + dt.timedelta(minutes=rng.uniform(0, 600)), "move"))
        for _ in range(args.cancellations_per_day):
            events.append((morning + dt.timedelta(minutes=rng.uniform(0, 600)), "cancel"))
        events += [(morning + dt.timedelta(hours=h, minutes=59), "sweep") for h in range(11)]
        for now, kind in sorted(events):
            n += 1
            if kind == "join":
                code = rng.choices(services, weights)[0]
                points = [p.id for p in state.points_offering(code)]
                wanted = [] if rng.random() < 0.4 else [rng.choice(points)]
                first = day + dt.timedelta(days=1)
                try:
                    waitlist_join(state=state, service_code=code, point_ids=wanted, from_date=first,
                                  to_date=first + dt.timedelta(days=rng.randint(14, 42)), persons=1,
                                  language="en", auto_book=rng.random() < 0.5, now=now,
                                  customer=Customer(name="W", email=f"wait-{n}@bench.invalid"))
                    counts["joined"] += 1
                except BookingError:
                    counts["refused"] += 1
            elif kind == "move":
                later = pick(Booking.objects.filter(status=Booking.Status.CONFIRMED,
                                                    start_at__gt=now + dt.timedelta(days=35)))
                if later is None:
                    continue
                try:
                    waitlist_join_move(state=state, booking=later, point_ids=[later.service_point_id],
                                       from_date=day + dt.timedelta(days=1), to_date=None,
                                       auto_book=rng.random() < 0.5, now=now)
                    counts["move_requests"] += 1
                except BookingError:
                    counts["refused"] += 1
            elif kind == "cancel":
                # most cancellations are of visits in the next weeks
                horizon = now + dt.timedelta(days=rng.choice([3, 7, 14, 28, 28, 60]))
                booking = pick(Booking.objects.filter(status=Booking.Status.CONFIRMED, start_at__gt=now,
                                                      start_at__lte=horizon))
                if booking is None:
                    continue
                freed.append((booking.desk_id, booking.start_at, booking.end_at, booking.local_date, now))
                booking_cancel(booking=booking, now=now, state=state)
                counts["cancelled"] += 1
                answer_offers(now + dt.timedelta(minutes=10))
            else:
                waitlist_sweep(now=now, state=state)
                answer_offers(now + dt.timedelta(minutes=10))
    seconds = time.perf_counter() - began
    end = dt.datetime.combine(start_day + dt.timedelta(days=args.days), dt.time(0, 0), tzinfo=zone)

    def covered(desk_id: int, start_at: dt.datetime, end_at: dt.datetime) -> float:
        minutes = 0.0
        for other_start, other_end in (Booking.objects.filter(desk_id=desk_id, start_at__lt=end_at,
                                                              end_at__gt=start_at)
                                       .exclude(status=Booking.Status.CANCELLED).values_list("start_at", "end_at")):
            minutes += (min(other_end, end_at) - max(other_start, start_at)).total_seconds() / 60
        return minutes

    def share(rows) -> float | None:
        total = sum((b - a).total_seconds() / 60 for _, a, b, _, _ in rows)
        return None if not total else sum(covered(d, a, b) for d, a, b, _, _ in rows) / total

    within = [row for row in freed if row[1] < end]
    entries = list(WaitlistEntry.objects.all())
    booked = [e for e in entries if e.status == WaitlistEntry.Status.BOOKED]
    moved = [e.days_gained for e in booked if e.booking_id is not None]
    new = [e.days_gained for e in booked if e.booking_id is None]
    by_status = {status: sum(1 for e in entries if e.status == status) for status in WaitlistEntry.Status.values}
    result = {
        "days": args.days, "seed": args.seed, "demo_bookings": made, "start": start_day.isoformat(),
        "database": "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite",
        **counts, "entries_by_status": by_status,
        "freed_minutes": round(sum((b - a).total_seconds() / 60 for _, a, b, _, _ in freed)),
        "share_rebooked": share(freed), "share_rebooked_within_month": share(within),
        "mean_days_gained": statistics.fmean(new + moved) if new + moved else None,
        "mean_days_gained_new": statistics.fmean(new) if new else None,
        "mean_days_gained_moved": statistics.fmean(moved) if moved else None,
        "replay_seconds": round(seconds, 1),
    }
    rows = [("cancellations", counts["cancelled"]), ("freed desk minutes", result["freed_minutes"]),
            ("waitlist joins (new)", counts["joined"]), ("earlier-time requests", counts["move_requests"]),
            ("entries booked", by_status["booked"]), ("still waiting", by_status["waiting"]),
            ("offers taken / let lapse", f"{counts['offers_taken']} / {counts['offers_left']}"),
            ("share of freed time re-booked before its day", _pct(result["share_rebooked"])),
            ("  of it, days within the month", _pct(result["share_rebooked_within_month"])),
            ("mean days gained (all)", _num(result["mean_days_gained"])),
            ("  new bookings", _num(result["mean_days_gained_new"])),
            ("  moved earlier", _num(result["mean_days_gained_moved"])),
            ("replay time (s)", result["replay_seconds"])]
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    out = ROOT / "bench" / "results" / "waitlist_refill.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value) -> str:
    return "–" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    raise SystemExit(main())
