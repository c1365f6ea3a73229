"""PostgreSQL's work per booking, with the caps' check as it was and as it is (issue 15, lean requests).

    .venv/bin/python bench/caps_plan.py [--bookings 2000] [--rounds 3] [--db vuoro_bench]

On the data set of bench/availability.py (built there once; its bookings have no phone, as in a
network where few customers give one), one connection makes bookings with the statements
vuoro.booking.services sends, prepared as vuoro.prepared prepares them: the person's and the
day's locks, then the booking with its notices and the day's summary, in one transaction. Far
beyond the data set's dates (one after another at one desk), and removed afterwards as every
bench's run rows are (bench.availability.remove_run_rows). Alternately,
in blocks:

  - before: the caps' check matching `customer_phone = %s` over an index of every phone
    (migration booking/0020 replaced it; made again for the run, dropped after);
  - after: `customer_phone = %s AND customer_phone <> ''` over the index of phones only
    (booking_phone_set), as the code has it now.

Prints, per round, the CPU of the PostgreSQL backend per booking (from /proc), the wall time,
and how many times PostgreSQL planned the booking's statement anew (custom plans) or used its
generic plan; writes bench/results/caps_plan.json. One client: the backend's own work, which the
rest of the machine moves much less than a concurrent run's.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.availability import RESULTS, RUN_DOMAIN, cpu_seconds, environment, remove_run_rows  # noqa: E402

BEFORE_PHONE = "customer_phone = %s)"
AFTER_PHONE = "(customer_phone = %s AND customer_phone <> ''))"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=2000, help="bookings a block")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="vuoro_bench")
    args = parser.parse_args(argv)
    if not 100 <= args.bookings <= 20000 or not 1 <= args.rounds <= 10:
        parser.error("keep the run bounded: 100-20000 bookings a block, 1-10 rounds")
    os.environ.update(environment(args.db))
    import django

    django.setup()
    import psycopg

    from vuoro.booking import services

    after_sql = _booking_sql(services)
    if AFTER_PHONE not in after_sql:
        sys.exit("the caps' check is not the one this bench knows: update bench/caps_plan.py")
    before_sql = after_sql.replace(AFTER_PHONE, BEFORE_PHONE)
    dsn = environment(args.db)["DATABASE_URL"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE INDEX IF NOT EXISTS bench_booking_phone_plain ON booking_booking (customer_phone)")
        conn.execute("ANALYZE booking_booking")
        try:
            rounds = []
            for _ in range(args.rounds):
                found = {}
                for name, sql in (("before", before_sql), ("after", after_sql)):
                    found[name] = _block(dsn, sql, services, args.bookings, name)
                    remove_run_rows()  # each block from the same data
                rounds.append(found)
        finally:
            remove_run_rows()
            conn.execute("DROP INDEX IF EXISTS bench_booking_phone_plain")
    summary = {name: {"backend_cpu_ms": round(statistics.median(r[name]["backend_cpu_ms"] for r in rounds), 3),
                      "wall_ms": round(statistics.median(r[name]["wall_ms"] for r in rounds), 3)}
               for name in ("before", "after")}
    row = "{:<7} {:<7} {:>22} {:>16} {:>14} {:>14}"
    print(row.format("round", "code", "backend CPU ms/booking", "wall ms/booking", "custom plans", "generic plans"))
    for n, found in enumerate(rounds, 1):
        for name in ("before", "after"):
            item = found[name]
            print(row.format(n, name, f"{item['backend_cpu_ms']:.3f}", f"{item['wall_ms']:.3f}", item["custom_plans"],
                             item["generic_plans"]))
    before, after = (summary[name]["backend_cpu_ms"] for name in ("before", "after"))
    print(f"median: before {before:.3f} ms, after {after:.3f} ms of PostgreSQL's CPU a booking")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "caps_plan.json"
    out.write_text(json.dumps({"rounds": rounds, "median": summary, "bookings_a_block": args.bookings,
                               "load_average": Path("/proc/loadavg").read_text().split()[:3]}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


def _booking_sql(services) -> str:
    """The booking's statement as `_insert_with_day` sends it for a booking checked against the caps."""
    from vuoro.booking.models import Booking
    from vuoro.prepared import insert

    sql, _ = insert(Booking(created_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    return services.booking_statement(sql, caps=True, email_only=False)


def _block(dsn: str, sql: str, services, n: int, name: str) -> dict:
    """`n` bookings on a fresh connection (its own prepared statements), after 20 unmeasured: the
    parameters made as `booking_create` makes them (vuoro.prepared.insert, services._person_params)."""
    import psycopg

    from vuoro.booking.models import Booking
    from vuoro.network.state import network_state
    from vuoro.prepared import insert

    with psycopg.connect(dsn) as own:
        cursor = own.cursor()
        pid = own.info.backend_pid
        desk, point, service = cursor.execute(
            "SELECT d.id, d.service_point_id, s.id FROM network_desk d, network_service s "
            "ORDER BY d.id, s.id LIMIT 1").fetchone()
        base = cursor.execute("SELECT coalesce(max(end_at), now()) + interval '5 years' FROM booking_booking "
                              "WHERE email_key NOT LIKE %s", [f"%@{RUN_DOMAIN}"]).fetchone()[0]
        own.commit()
        calendar_key = network_state().points[point].calendar_key
        now = dt.datetime.now(dt.UTC)
        for i in range(20 + n):
            if i == 20:
                cpu, wall = cpu_seconds([pid])[pid], time.perf_counter()
            start = base + dt.timedelta(minutes=15 * i)
            email, phone = f"p{name}{i}@{RUN_DOMAIN}", f"+35840{i:07d}"
            booking = Booking(reservation_key=f"C{name[0]}{i:08d}", pin_hash="-", service_point_id=point,
                              service_id=service, desk_id=desk, start_at=start, end_at=start + dt.timedelta(minutes=15),
                              local_date=start.date(), persons=1, language="en", customer_name="Bench Person",
                              customer_email=email, email_key=email, customer_phone=phone, created_at=now)
            with own.transaction():
                cursor.execute(services._LOCK_BOTH_SQL, [2 * i + 1, 2 * i + 2, point, start.date()], prepare=True)
                cursor.fetchall()
                cursor.execute(sql, [*insert(booking)[1], *services._person_params(email, phone, service, now, (1, 3)),
                                     "confirmed", now, now, 15, calendar_key, "", 0, point, start.date()],
                               prepare=True)
                if not cursor.fetchall():
                    raise RuntimeError("a bench booking was refused: the data set is not as expected")
        spent, elapsed = cpu_seconds([pid])[pid] - cpu, time.perf_counter() - wall
        generic, custom = cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH new AS%%'"
        ).fetchone()
        own.rollback()
    return {"backend_cpu_ms": round(spent * 1000 / n, 3), "wall_ms": round(elapsed * 1000 / n, 3),
            "generic_plans": generic, "custom_plans": custom}


if __name__ == "__main__":
    sys.exit(main())
