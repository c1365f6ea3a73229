"""PostgreSQL's work per booking, with the caps' check as it was and as it is (issue 15, lean requests).

    .venv/bin/python bench/caps_plan.py [--bookings 2000] [--rounds 3] [--db vuoro_bench]

On the data set of bench/availability.py (built there once; its bookings have no phone, as in a
network where few customers give one), one connection makes bookings with the statements
vuoro.booking.services sends, prepared as vuoro.prepared prepares them: the person's and the
day's locks, then the booking with its notices and the day's summary, in one transaction. Far
beyond the data set's dates (one after another at one desk), and removed afterwards. Alternately,
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

from bench.availability import RESULTS, environment  # noqa: E402

BEFORE_PHONE = "customer_phone = %s)"
AFTER_PHONE = "(customer_phone = %s AND customer_phone <> ''))"
DOMAIN = "capsplan.bench.example"


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
                    _remove(conn)  # each block from the same data
                rounds.append(found)
        finally:
            _remove(conn)
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
    """`n` bookings on a fresh connection (its own prepared statements), after 20 unmeasured."""
    import psycopg

    with psycopg.connect(dsn) as own:
        cursor = own.cursor()
        pid = own.info.backend_pid
        desk, point, service = cursor.execute(
            "SELECT d.id, d.service_point_id, s.id FROM network_desk d, network_service s "
            "ORDER BY d.id, s.id LIMIT 1").fetchone()
        own.commit()
        base = cursor.execute("SELECT coalesce(max(end_at), now()) + interval '5 years' FROM booking_booking "
                              "WHERE email_key NOT LIKE %s", [f"%@{DOMAIN}"]).fetchone()[0]
        own.commit()
        lock_sql = services._LOCK_BOTH_SQL
        now = dt.datetime.now(dt.UTC)
        start_at = base
        for i in range(20 + n):
            if i == 20:
                cpu, wall = _cpu(pid), time.perf_counter()
            start = start_at + dt.timedelta(minutes=15 * i)
            day = start.date()
            email, phone = f"p{name}{i}@{DOMAIN}", f"+35840{i:07d}"
            with own.transaction():
                cursor.execute(lock_sql, [2 * i + 1, 2 * i + 2, point, day], prepare=True)
                cursor.fetchall()
                values = [f"C{name[0]}{i:08d}", "-", point, service, desk, start, start + dt.timedelta(minutes=15),
                          day, "confirmed", 1, "en", "Bench Person", email, email, phone, "bench person", "x@x", "",
                          "online", now, None, "", 0, None, None, None, None, None, None, "", None, ""]
                cursor.execute(sql, [*values, service, email, phone, now, service, 1, 3, "confirmed", now, now,
                                     15, "k", "", 0, point, day], prepare=True)
                if not cursor.fetchall():
                    raise RuntimeError("a bench booking was refused: the data set is not as expected")
        spent, elapsed = _cpu(pid) - cpu, time.perf_counter() - wall
        generic, custom = cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH new AS%%'"
        ).fetchone()
        own.rollback()
    return {"backend_cpu_ms": round(spent * 1000 / n, 3), "wall_ms": round(elapsed * 1000 / n, 3),
            "generic_plans": generic, "custom_plans": custom}


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _remove(conn) -> None:
    conn.execute("DELETE FROM notify_notice WHERE booking_id IN "
                 "(SELECT id FROM booking_booking WHERE email_key LIKE %s)", [f"%@{DOMAIN}"])
    gone = conn.execute("DELETE FROM booking_booking WHERE email_key LIKE %s RETURNING service_point_id, local_date",
                        [f"%@{DOMAIN}"]).fetchall()
    conn.execute("DELETE FROM booking_dayload WHERE (service_point_id, date) IN "
                 "(SELECT * FROM unnest(%s::text[], %s::date[]))",
                 [[p for p, _ in set(gone)], [d for _, d in set(gone)]])


if __name__ == "__main__":
    sys.exit(main())
