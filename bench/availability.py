"""National-scale benchmark of availability and booking through HTTP on PostgreSQL (issue 3, Speed).

    make bench                      # or: .venv/bin/python bench/availability.py [--rebuild] [--seconds 10]

Builds (once) a database `vuoro_bench` with 100 service points x 10 desks, a 180-day horizon and
about 60% of desk time booked, starts gunicorn with 2 workers against it, measures availability,
"earliest anywhere", bookings under 32 concurrent clients and the stack's own floor (one
primary-key SELECT, one INSERT), prints a table and writes bench/results/availability.json.
Everything runs on loopback; the server is stopped at the end, also on error.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
DEFAULT_DB = "vuoro_bench"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
DATASET_VERSION = 1  # bump when the data set's shape changes: an older build is then rebuilt
SECRET_KEY = "bench-secret-key-not-for-production-0123456789"
RUN_DOMAIN = "run.bench.example"  # bookings made by a run, removed afterwards (an address the API accepts)
FILL_DOMAIN = "fill.bench.invalid"

POINTS = 100
DESKS = 10
NEAR_DAYS = 90  # the congested part of the horizon
NEAR_FREE_CHANCE = 0.09  # near days: single free 15-minute cells between bookings (~95% booked)
FAR_BOOK_CHANCE = 0.145  # later days: ~25% booked
CANCELLED_SHARE = 0.03  # some cancelled rows under live ones, as cancellations leave them
SERVICES = [  # code, minutes, weight in the fill
    ("extended-permit", 30, 35), ("first-permit", 45, 15), ("eu-registration", 30, 15),
    ("residence-card", 30, 10), ("citizenship", 45, 15), ("document-pickup", 15, 10),
]
GOALS = {"availability_p95_ms": 15.0, "earliest_p95_ms": 30.0, "bookings_per_s": 200.0,
         "availability_to_select_floor": 3.0, "bookings_to_insert_floor": 0.5}


def environment(db: str) -> dict[str, str]:
    return {"DATABASE_URL": f"{PG_BASE}/{db}", "DJANGO_SETTINGS_MODULE": "bench.settings", "VUORO_DEBUG": "off",
            "VUORO_SECRET_KEY": SECRET_KEY, "VUORO_RATE_LIMITS": "off", "VUORO_ALLOWED_HOSTS": "127.0.0.1",
            "VUORO_SSL_REDIRECT": "off", "VUORO_SMS_BACKEND": "vuoro.notify.sms.LocmemBackend",
            "VUORO_LOG_LEVEL": "ERROR"}


# ---------------------------------------------------------------- the data set

def network_toml() -> str:
    """100 points in Europe/Helsinki, weekdays 08:00-16:15, Finnish holidays, 6 services."""
    lines = ['timezone = "Europe/Helsinki"', 'holidays = "FI"', "horizon_days = 180", "slot_minutes = 15", ""]
    for code, minutes, _ in SERVICES:
        title = code.replace("-", " ").capitalize()
        lines += ["[[services]]", f'code = "{code}"',
                  f'name = {{ fi = "{title} (fi)", sv = "{title} (sv)", en = "{title}" }}',
                  f"duration_minutes = {minutes}", ""]
    codes = ", ".join(f'"{code}"' for code, _, _ in SERVICES)
    for n in range(1, POINTS + 1):
        lines += ["[[service_points]]", f'id = "point-{n:03d}"',
                  f'name = {{ fi = "Palvelupiste {n}", sv = "Servicepunkt {n}", en = "Service point {n}" }}',
                  f'address = "Katu {n}, {n:05d} Kaupunki"', f"desks = {DESKS}", f"services = [{codes}]"]
        if n % 5 == 0:  # a fifth of the points pilot 15-minute extended-permit visits
            lines.append("durations = { extended-permit = 15 }")
        lines += ["", "[service_points.hours]"] + [f'{day} = "08:00-16:15"' for day in ("mon", "tue", "wed", "thu",
                                                                                      "fri")] + [""]
    return "\n".join(lines)


def dataset_meta(db: str) -> dict | None:
    import psycopg

    try:
        with psycopg.connect(f"{PG_BASE}/{db}".replace("postgres://", "postgresql://"), connect_timeout=5) as conn:
            row = conn.execute("SELECT to_regclass('bench_meta') IS NOT NULL").fetchone()
            if not row[0]:
                return None
            found = conn.execute("SELECT info FROM bench_meta ORDER BY id DESC LIMIT 1").fetchone()
            return found[0] if found else None
    except psycopg.OperationalError:
        return None


def recreate_database(db: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres".replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')


def build(db: str) -> dict:
    """Create the database, load the network, fill ~60% of desk time; return the data set's description."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from vuoro.booking.guard_sql import ensure_no_overlap_guard
    from vuoro.network.state import network_state

    started = time.perf_counter()
    recreate_database(db)
    call_command("migrate", "--noinput", verbosity=0)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as handle:
        handle.write(network_toml())
    try:
        call_command("loadnetwork", handle.name, verbosity=0)
    finally:
        os.unlink(handle.name)
    now = timezone.now()
    state = network_state()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, note varchar(64) NOT NULL, "
                       "created_at timestamptz NOT NULL)")
        cursor.execute("CREATE TABLE bench_meta (id serial PRIMARY KEY, info jsonb NOT NULL)")
        # Bulk load without the exclusion index, then add it back: building it checks every row.
        cursor.execute("ALTER TABLE booking_booking DROP CONSTRAINT IF EXISTS booking_no_overlap_on_desk")
        stats = _fill(cursor, state, now)
    ensure_no_overlap_guard(connection)
    call_command("refreshdayloads", verbosity=0)  # the days' free-cell summaries, as bookings made one by one leave
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        info = {"dataset_version": DATASET_VERSION, "built_at": now.isoformat(), **stats,
                "build_seconds": round(time.perf_counter() - started, 1)}
        cursor.execute("INSERT INTO bench_meta (info) VALUES (%s)", [json.dumps(info)])
    return info


def _fill(cursor, state, now) -> dict:
    from vuoro.booking.keys import CROCKFORD, hash_pin
    from vuoro.scheduling.availability import cell_count

    rng = random.Random(20261127)
    step = dt.timedelta(minutes=state.slot_minutes)
    columns = ("reservation_key", "pin_hash", "service_point_id", "service_id", "desk_id", "start_at", "end_at",
               "local_date", "status", "persons", "language", "customer_name", "customer_email", "email_key",
               "customer_phone", "channel", "created_at", "cancelled_at", "rescheduled_count")
    loads: dict[tuple[str, dt.date], int] = {}
    desk_minutes = {"near": 0, "far": 0}
    booked_minutes = {"near": 0, "far": 0}
    n = 0
    weights = [w for _, _, w in SERVICES]

    def key_of(number: int) -> str:
        # A bijection of the counter onto 10 Crockford characters: unique, yet not sequential.
        value = (number * 0x5DEECE66D + 0xB) % (32 ** 10)
        return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in range(10))

    # Text columns without a database default (Django fills them) are written as empty strings.
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'booking_booking' "
                   "AND is_nullable = 'NO' AND column_default IS NULL AND data_type IN ('character varying', 'text')")
    defaulted = [column for (column,) in cursor.fetchall() if column not in columns]
    for column in defaulted:
        cursor.execute(f"ALTER TABLE booking_booking ALTER COLUMN {column} SET DEFAULT ''")
    with cursor.copy(f"COPY booking_booking ({', '.join(columns)}) FROM STDIN") as copy:
        for point in state.points.values():
            today = now.astimezone(point.zone).date()
            offered = [(code, state.service_ids[code], point.durations[code] // state.slot_minutes)
                       for code, _, _ in SERVICES]
            for opening in point.calendar.openings(today, today + dt.timedelta(days=state.horizon_days)):
                part = "near" if (opening.day - today).days < NEAR_DAYS else "far"
                cells = cell_count(opening, state.slot_minutes)
                origin = opening.interval.start
                for number in range(1, opening.desks + 1):
                    desk_id = point.desk_ids[number]
                    desk_minutes[part] += cells * state.slot_minutes
                    k, previous_free = 0, False
                    while k < cells:
                        start = origin + k * step
                        if part == "near":
                            free = not previous_free and rng.random() < NEAR_FREE_CHANCE
                        else:
                            free = rng.random() >= FAR_BOOK_CHANCE
                        if free or start <= now:
                            k, previous_free = k + 1, True
                            continue
                        code, service_id, length = rng.choices(offered, weights)[0]
                        if k + length > cells:
                            fitting = [o for o in offered if k + o[2] <= cells]
                            if not fitting:
                                k, previous_free = k + 1, True
                                continue
                            code, service_id, length = rng.choice(fitting)
                        end = start + length * step
                        minutes = length * state.slot_minutes
                        created = now - dt.timedelta(days=rng.uniform(1, 60))
                        if rng.random() < CANCELLED_SHARE:  # an earlier booking of this time, cancelled
                            n += 1
                            key, email = key_of(n), f"b{n}@{FILL_DOMAIN}"
                            copy.write_row((key, hash_pin(key, f"{rng.randrange(10**6):06d}"), point.id, service_id,
                                            desk_id, start, end, opening.day, "cancelled", 1, "fi",
                                            f"Bench Customer {n}", email, email, "", "online", created,
                                            created + dt.timedelta(days=1), 0))
                        n += 1
                        key, email = key_of(n), f"b{n}@{FILL_DOMAIN}"
                        copy.write_row((key, hash_pin(key, f"{rng.randrange(10**6):06d}"), point.id, service_id,
                                        desk_id, start, end, opening.day, "confirmed",
                                        1 if rng.random() < 0.85 else rng.randint(2, 6), rng.choice(("fi", "sv", "en")),
                                        f"Bench Customer {n}", email, email, "", "online", created, None, 0))
                        loads[(point.id, opening.day)] = loads.get((point.id, opening.day), 0) + minutes
                        booked_minutes[part] += minutes
                        k, previous_free = k + length, False
    for column in defaulted:
        cursor.execute(f"ALTER TABLE booking_booking ALTER COLUMN {column} DROP DEFAULT")
    # The summaries themselves are written by `vuoro refreshdayloads` after the fill.
    with cursor.copy("COPY booking_dayload (service_point_id, date, booked_minutes, calendar_key, free_cells) "
                     "FROM STDIN") as copy:
        for (point_id, day), minutes in loads.items():
            copy.write_row((point_id, day, minutes, "", ""))
    cursor.execute("SELECT count(*), count(*) FILTER (WHERE status <> 'cancelled') FROM booking_booking")
    rows, live = cursor.fetchone()
    total_desk = sum(desk_minutes.values())
    return {"points": POINTS, "desks_per_point": DESKS, "booking_rows": rows, "live_bookings": live,
            "booked_share": round(sum(booked_minutes.values()) / total_desk, 3),
            "booked_share_near_days": round(booked_minutes["near"] / max(1, desk_minutes["near"]), 3),
            "booked_share_far_days": round(booked_minutes["far"] / max(1, desk_minutes["far"]), 3),
            "near_days": NEAR_DAYS}


def stale_summaries() -> bool:
    """Whether some day's DayLoad summary is missing or was made under other calendars (older code)."""
    from vuoro.booking.models import DayLoad
    from vuoro.network.state import network_state

    keys = [p.calendar_key for p in network_state().points.values()]
    return DayLoad.objects.exclude(calendar_key__in=keys).exists()



def write_booking_bodies(workdir: Path, slots: list[dict]) -> Path:
    """One POST /api/v1/bookings body a line, one made-up person each (own e-mail and phone: the
    per-person caps would refuse runners sharing one)."""
    bodies = workdir / "bookings.jsonl"
    with bodies.open("w") as handle:
        for i, slot in enumerate(slots):
            handle.write(json.dumps({"service": "residence-card", "service_point": slot["service_point"],
                                     "start": slot["start"], "persons": 1, "language": "en",
                                     "customer": {"name": f"Bench Runner {i}", "email": f"Run{i}@{RUN_DOMAIN}",
                                                  "phone": f"+358 40 {1000000 + i:07d}"}}) + "\n")
    return bodies

def remove_run_rows() -> None:
    """Forget what a run booked, so the next run sees the same data set."""
    from django.db import connection

    from vuoro.booking.services import dayload_refresh
    from vuoro.network.state import network_state
    from vuoro.notify.models import Notice

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Notice._meta.db_table} WHERE booking_id IN "
                       f"(SELECT id FROM booking_booking WHERE email_key LIKE %s)", [f"%@{RUN_DOMAIN}"])
        cursor.execute("DELETE FROM booking_booking WHERE email_key LIKE %s RETURNING service_point_id, local_date",
                       [f"%@{RUN_DOMAIN}"])
        touched = set(cursor.fetchall())
        cursor.execute("TRUNCATE bench_floor")
        from django_tasks_db.models import DBTaskResult

        cursor.execute(f"DELETE FROM {DBTaskResult._meta.db_table}")  # the run's wake-ups of the message sender
    if touched:  # the product's own summary of those days, recomputed from what is left
        days = [day for _, day in touched]
        dayload_refresh(state=network_state(), first_day=min(days), last_day=max(days), only=touched)
    with connection.cursor() as cursor:
        # As autovacuum would in time: the run's deleted rows (same slots and addresses every run)
        # would otherwise pile up in the indexes that each booking checks, and slow the next run.
        cursor.execute(f"VACUUM (ANALYZE) booking_booking, booking_dayload, {Notice._meta.db_table}")


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the production WSGI app and bench settings, on a free loopback port."""

    def __init__(self, env: dict[str, str], workers: int = 2, worker_class: str = "gthread", threads: int = 4, *,
                 port: int | None = None, config: Path | None = None, app: str = "vuoro.wsgi:application"):
        """With `config` (a gunicorn.conf.py), its settings hold except the address; otherwise the
        bench's own. `port` serves a restart on the address of a server that died. `app`: the WSGI
        app (bench.cpuwsgi counts the worker's CPU by kind of request)."""
        self.port = port or free_port()
        self.log = tempfile.NamedTemporaryFile("w+", prefix="vuoro-bench-gunicorn-", suffix=".log", delete=False)
        command = [str(VENV_BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{self.port}",
                   "--chdir", str(ROOT)]
        if config is not None:
            command += ["--config", str(config)]
        else:
            command += ["--workers", str(workers), "--worker-class", worker_class, "--backlog", "2048",
                        "--log-level", "warning", "--graceful-timeout", "5"]
            if worker_class == "gthread":
                command += ["--threads", str(threads)]
        # Started in ROOT (the code served, bench/lean.py's --code): gunicorn puts the directory it
        # starts in first on sys.path, before --chdir and PYTHONPATH; started elsewhere, it would
        # serve that directory's vuoro (as every --code "before" did until 7 December 2026).
        self.process = subprocess.Popen(command, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True, cwd=str(ROOT))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start; see {self.log.name}")
            try:
                status, _ = request(self.port, "GET", "/api/v1/services")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 30 s; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_peak_memory_mb(self) -> list[float]:
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(round(int(line.split()[1]) / 1024, 1))
            except OSError:
                pass
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- measuring

def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each of these processes so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass
    return found


def server_pids(server: Server, db: str) -> list[int]:
    """The gunicorn workers and the PostgreSQL backends serving them (not this script's own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                       "AND backend_type = 'client backend'", [db])
        return server.worker_pids() + [row[0] for row in cursor.fetchall()]


def with_cpu(server: Server, db: str, work) -> dict:
    """Run one measurement and add the server's CPU milliseconds per request (Python and PostgreSQL):
    a figure that other work on the machine moves much less than latency does."""
    before = cpu_seconds(server_pids(server, db))
    result = work()
    after = cpu_seconds(server_pids(server, db))
    # A process gone meanwhile (a database connection closed after CONN_MAX_AGE) is left out: a floor.
    workers = set(server.worker_pids())
    python = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items() if pid in workers)
    postgres = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items() if pid not in workers)
    if result.get("requests"):
        result["server_cpu_ms_per_request"] = round((python + postgres) * 1000 / result["requests"], 2)
        result["python_cpu_ms_per_request"] = round(python * 1000 / result["requests"], 2)
        result["postgres_cpu_ms_per_request"] = round(postgres * 1000 / result["requests"], 2)
    return result

def sequential(port: int, paths: list[str], warmup: int = 20, budget_seconds: float = 60,
               headers: Callable[[], dict[str, str]] | None = None, bodies: list[bytes] | None = None) -> dict:
    """Latency of GETs one after another on one keep-alive client (reconnecting when the server closes),
    each with the headers `headers()` gives (none by default); with `bodies`, POSTs of JSON, the
    i-th path with the i-th body.

    Stops early after `budget_seconds`; a timeout or a broken connection counts as status "error"."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, statuses, sizes = [], {}, []
    deadline = time.monotonic() + budget_seconds
    sends = list(zip(paths, bodies or [None] * len(paths), strict=True))
    for i, (path, payload) in enumerate(sends[:warmup] + sends):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        try:
            extra = headers() if headers else {}
            if payload is None:
                conn.request("GET", path, headers=extra)
            else:
                conn.request("POST", path, body=payload, headers={"Content-Type": "application/json", **extra})
            response = conn.getresponse()
            body = response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            status, body = "error", b""
        elapsed = (time.perf_counter() - t0) * 1000
        if i < warmup:
            continue
        times.append(elapsed)
        statuses[status] = statuses.get(status, 0) + 1
        sizes.append(len(body))
    conn.close()
    times.sort()
    if not times:
        times, sizes = [float("nan")], [0]
    return {"requests": len(times), "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2), "max_ms": round(times[-1], 2),
            "mean_ms": round(statistics.fmean(times), 2), "statuses": statuses,
            "mean_bytes": round(statistics.fmean(sizes)), "stopped_early": len(times) < len(paths)}


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


WRK_LUA = r"""
-- vuoro bench: bodies (optional) from a file, one a line, shared out over threads; status counts.
local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  counts = {}
  bodies = {}
  nthreads = tonumber(args[3] or "1")
  if args[1] ~= nil and args[1] ~= "" then
    local i = 0
    for line in io.lines(args[1]) do
      if i % nthreads == tid then table.insert(bodies, line) end
      i = i + 1
    end
  end
  method = args[2] or "GET"
  nextbody = 1
  exhausted = 0
end
function request()
  if #bodies > 0 then
    if nextbody > #bodies then
      exhausted = 1
      wrk.thread:stop()
      nextbody = 1
    end
    local body = bodies[nextbody]
    nextbody = nextbody + 1
    return wrk.format(method, nil, {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format(method, nil, nil, nil)
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  local ran_out = 0
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do all[tostring(status)] = (all[tostring(status)] or 0) + n end
    ran_out = ran_out + thread:get("exhausted")
  end
  local parts = {}
  for status, n in pairs(all) do table.insert(parts, string.format('"%s": %d', status, n)) end
  io.write(string.format('WRK_JSON {"requests": %d, "duration_s": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, ' ..
    '"p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d, "threads_ran_out": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    ran_out, table.concat(parts, ", ")))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package) for the concurrent measurements")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or sys.exit("wrk is still missing after apt-get install")
    sys.exit("The concurrent measurements need wrk: run 'apt-get install wrk' as root (Debian package 'wrk').")


def run_wrk(wrk: str, lua: Path, url: str, *, connections: int, threads: int, seconds: float,
            bodies: Path | None = None, method: str = "GET") -> dict:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
               "-s", str(lua), url, "--", str(bodies or ""), method, str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            result = json.loads(line[len("WRK_JSON "):])
            ok = sum(n for status, n in result["statuses"].items() if status.startswith("2"))
            result["ok_per_s"] = round(ok / result["duration_s"], 1)
            result["requests_per_s"] = round(result["requests"] / result["duration_s"], 1)
            return result
    raise RuntimeError(f"wrk gave no result: {done.stdout[-2000:]} {done.stderr[-2000:]}")


def random_month(rng, state, today: dt.date, codes: list[str],
                 point_ids: list[str]) -> tuple[str, str, dt.date, dt.date]:
    """The benches' "month at one point": a service, a point and 31 days from a random day of the
    horizon (drawn from `rng` in this order, so a seed gives every bench the same months)."""
    start = today + dt.timedelta(days=rng.randrange(0, state.horizon_days - 30))
    return rng.choice(codes), rng.choice(point_ids), start, start + dt.timedelta(days=30)


def month_path(month: tuple[str, str, dt.date, dt.date]) -> str:
    code, point_id, first, last = month
    return f"/api/v1/availability?service={code}&service_point={point_id}&from={first}&to={last}"


def bookable_slots(state, now, count: int, service_code: str) -> list[dict]:
    """Distinct free starts in the lightly booked later days, never two overlapping at one point, so
    every one is bookable on its own: a refusal under load would then be a bug, not a lost race."""
    from vuoro.booking.selectors import availability_list

    rng = random.Random(7)
    points = list(state.points.values())
    rng.shuffle(points)
    first = (now + dt.timedelta(days=NEAR_DAYS + 7)).date()
    per_point = max(1, count // len(points) + 1)
    slots: list[dict] = []
    for point in points:
        found = availability_list(state=state, service_code=service_code, point_ids=[point.id], from_date=first,
                                  to_date=first + dt.timedelta(days=60), limit=None, now=now)
        taken_until = None
        chosen = 0
        for item in found:
            if taken_until is not None and item.slot.start < taken_until:
                continue
            slots.append({"service_point": point.id, "start": item.slot.start.astimezone(point.zone).isoformat()})
            taken_until = item.slot.end
            chosen += 1
            if chosen >= per_point:
                break
    rng.shuffle(slots)
    return slots[:count]


def overlap_count() -> int:
    """Live bookings overlapping another live booking on the same desk, over the whole table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM (
              SELECT start_at, max(end_at) OVER (PARTITION BY desk_id ORDER BY start_at, id
                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end
              FROM booking_booking WHERE status <> 'cancelled') t
            WHERE start_at < before_end""")
        return cursor.fetchone()[0]


def dayload_mismatches() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM (
              SELECT service_point_id, local_date AS date,
                     sum(extract(epoch FROM end_at - start_at)::int / 60) AS minutes
              FROM booking_booking WHERE status <> 'cancelled' GROUP BY 1, 2) b
            FULL JOIN booking_dayload d USING (service_point_id, date)
            WHERE coalesce(b.minutes, 0) <> coalesce(d.booked_minutes, 0)""")
        return cursor.fetchone()[0]


# ---------------------------------------------------------------- the run

def measure(args, env: dict[str, str], wrk: str) -> dict:
    from django.db import connection
    from django.utils import timezone

    from vuoro.network.state import network_state

    now = timezone.now()
    state = network_state()
    rng = random.Random(args.seed)
    point_ids = sorted(state.points)
    codes = [code for code, _, _ in SERVICES]
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM booking_booking")
        low_id, high_id = cursor.fetchone()
    slots = bookable_slots(state, now, int(args.seconds * 1500), "residence-card")
    results: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="vuoro-bench-"))
    lua = workdir / "report.lua"
    lua.write_text(WRK_LUA)
    bodies = write_booking_bodies(workdir, slots)
    server = Server(env, args.workers, args.worker_class, args.threads)
    try:
        base = f"http://127.0.0.1:{server.port}"
        today = now.astimezone(state.timezone).date()

        def select_path() -> str:
            return f"/bench/select?id={rng.randint(low_id, high_id)}"

        n = args.requests
        db = args.db
        month_paths = [month_path(random_month(rng, state, today, codes, point_ids)) for _ in range(n)]
        earliest_paths = [f"/api/v1/availability?service={rng.choice(codes)}&limit=10" for _ in range(n)]
        select_paths = [select_path() for _ in range(n)]
        sequential(server.port, select_paths[:40] + month_paths[:40] + earliest_paths[:40], warmup=0)  # warm both
        for key, paths in (("select_floor_sequential", select_paths), ("availability_point_31_days", month_paths),
                           ("earliest_10_all_points", earliest_paths)):
            results[key] = with_cpu(server, db, lambda paths=paths: sequential(server.port, paths, warmup=0))
        for key in ("select_floor_sequential", "availability_point_31_days", "earliest_10_all_points"):
            print(f"  {key}: p50 {results[key]['p50_ms']} ms, p95 {results[key]['p95_ms']} ms", flush=True)
        load = {"connections": args.connections, "threads": args.wrk_threads, "seconds": args.seconds}
        results["select_floor_concurrent"] = with_cpu(server, db, lambda: run_wrk(
            wrk, lua, f"{base}/bench/select?id={low_id}", **load))
        results["insert_floor_concurrent"] = with_cpu(server, db, lambda: run_wrk(
            wrk, lua, f"{base}/bench/insert", method="POST", bodies=None, **load))
        results["bookings_concurrent"] = with_cpu(server, db, lambda: run_wrk(
            wrk, lua, f"{base}/api/v1/bookings", method="POST", bodies=bodies, **load))
        results["bookings_concurrent"]["distinct_slots_offered"] = len(slots)
        results["worker_peak_memory_mb"] = server.worker_peak_memory_mb()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["double_bookings"] = overlap_count()
    results["dayload_mismatches"] = dayload_mismatches()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM booking_booking WHERE email_key LIKE %s AND status <> 'cancelled'",
                       [f"%@{RUN_DOMAIN}"])
        results["bookings_concurrent"]["rows_stored"] = cursor.fetchone()[0]
        # Every booking made must have queued exactly one confirmation per channel (the outbox,
        # vuoro.notify): an e-mail, and a text message when it has a phone number.
        cursor.execute("SELECT count(*) FROM booking_booking b WHERE b.email_key LIKE %s AND "
                       "((SELECT count(*) FROM notify_notice n WHERE n.booking_id = b.id AND n.event = 'confirmed' "
                       "AND n.channel = 'email') <> 1 OR (SELECT count(*) FROM notify_notice n WHERE "
                       "n.booking_id = b.id AND n.event = 'confirmed' AND n.channel = 'sms') "
                       "<> (CASE WHEN b.customer_phone = '' THEN 0 ELSE 1 END))",
                       [f"%@{RUN_DOMAIN}"])
        results["bookings_concurrent"]["without_one_confirmation"] = cursor.fetchone()[0]
    return results


def summarise(results: dict) -> dict:
    seq_avail = results["availability_point_31_days"]
    floor_select = results["select_floor_sequential"]
    bookings = results["bookings_concurrent"]
    insert = results["insert_floor_concurrent"]
    return {
        "availability_p95_ms": seq_avail["p95_ms"],
        "earliest_p95_ms": results["earliest_10_all_points"]["p95_ms"],
        "bookings_per_s": bookings["ok_per_s"],
        "availability_to_select_floor": round(seq_avail["p95_ms"] / floor_select["p95_ms"], 2),
        "bookings_to_insert_floor": round(bookings["ok_per_s"] / insert["ok_per_s"], 2),
        # Not a goal: the same ratio from CPU per request. The floor's rate is sometimes bound by
        # the disk's commit latency rather than by CPU, which moves the rate ratio between runs.
        "bookings_to_insert_floor_by_cpu": round(insert["server_cpu_ms_per_request"]
                                                 / bookings["server_cpu_ms_per_request"], 2),
    }


def print_table(results: dict, ratios: dict, meta: dict) -> None:
    print()
    print(f"data set: {meta['points']} points x {meta['desks_per_point']} desks, {meta['live_bookings']:,} live "
          f"bookings ({meta['booking_rows']:,} rows), {meta['booked_share']:.0%} of desk time booked "
          f"(next {meta['near_days']} days {meta['booked_share_near_days']:.0%}, later "
          f"{meta['booked_share_far_days']:.0%}); built {meta['built_at'][:16]}")
    print(f"server: gunicorn, {results['server']['workers']} {results['server']['worker_class']} workers; "
          f"{os.cpu_count()} cores shared by the server, PostgreSQL and the load generator (wrk / this script); "
          f"load average before {' '.join(results['load_average']['before'])}, "
          f"after {' '.join(results['load_average']['after'])}")
    print()
    row = "{:<44} {:>9} {:>9} {:>9} {:>13} {:>20}"
    print(row.format("measurement", "p50 ms", "p95 ms", "ok/s", "CPU ms py+pg", "statuses"))
    for label, key in (("SELECT floor, sequential", "select_floor_sequential"),
                       ("availability, 1 point, 31 days, sequential", "availability_point_31_days"),
                       ("earliest 10, all 100 points, sequential", "earliest_10_all_points"),
                       ("SELECT floor, 32 clients", "select_floor_concurrent"),
                       ("INSERT floor, 32 clients", "insert_floor_concurrent"),
                       ("bookings, 32 clients", "bookings_concurrent")):
        item = results[key]
        rate = item.get("ok_per_s", "")
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(item["statuses"].items(), key=lambda kv: str(kv[0])))
        cpu = (f"{item['python_cpu_ms_per_request']:.2f}+{item['postgres_cpu_ms_per_request']:.2f}"
               if "python_cpu_ms_per_request" in item else "")
        print(row.format(label, f"{item['p50_ms']:.2f}", f"{item['p95_ms']:.2f}", rate, cpu, statuses))
    print("CPU ms py+pg: CPU time per request of the gunicorn workers + of their PostgreSQL backends")
    print()
    for key, goal in GOALS.items():
        value = ratios[key]
        met = value <= goal if key in ("availability_p95_ms", "earliest_p95_ms", "availability_to_select_floor") \
            else value >= goal
        sign = "<=" if key in ("availability_p95_ms", "earliest_p95_ms", "availability_to_select_floor") else ">="
        print(f"  {key:<32} {value:>9}   goal {sign} {goal:<6} {'met' if met else 'MISSED'}")
    print(f"  {'double bookings (SQL check)':<32} {results['double_bookings']:>9}   goal == 0      "
          f"{'met' if results['double_bookings'] == 0 else 'MISSED'}")
    print(f"  {'bookings to INSERT floor by CPU':<32} {ratios['bookings_to_insert_floor_by_cpu']:>9}   "
          f"(floor's CPU per request / a booking's: the rate ratio were both bound by CPU)")
    print(f"  {'DayLoad rows off their bookings':<32} {results['dayload_mismatches']:>9}")
    print(f"  {'bookings without one confirmation':<32} "
          f"{results['bookings_concurrent']['without_one_confirmation']:>9}   (messages queued in the booking's "
          f"transaction; {results['bookings_concurrent']['rows_stored']:,} bookings stored)")
    print(f"  {'worker peak memory (VmHWM), MB':<32} {results['worker_peak_memory_mb']}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="database name (must start with vuoro_bench)")
    parser.add_argument("--rebuild", action="store_true", help="build the data set again even when present")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the data set, measure nothing")
    parser.add_argument("--requests", type=int, default=400, help="sequential requests per latency measurement")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each concurrent measurement")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    # gthread by default: each worker keeps connections alive and serves a few requests at once, so
    # one request's wait on PostgreSQL (a commit's flush) overlaps another's Python. Measured here
    # against sync workers: 2-3x the throughput of both vuoro and the floor (bench/README.md).
    parser.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with --worker-class gthread")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.db.startswith("vuoro_bench"):
        parser.error("--db must start with vuoro_bench")
    if args.requests < 20 or args.requests > 20000 or not 1 <= args.seconds <= 120 or args.connections > 256:
        parser.error("keep the run bounded: 20-20000 requests, 1-120 seconds, at most 256 connections")

    env = environment(args.db)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    wrk = None if args.build_only else ensure_wrk()
    meta = None if args.rebuild else dataset_meta(args.db)
    if meta is not None and meta.get("dataset_version") != DATASET_VERSION:
        meta = None
    import django

    django.setup()
    from django.core.management import call_command

    if meta is None:
        print(f"building the data set in database {args.db} (a few minutes, once) ...", flush=True)
        meta = build(args.db)
        print(f"built: {meta['live_bookings']:,} live bookings in {meta['build_seconds']} s", flush=True)
    else:
        call_command("migrate", "--noinput", verbosity=0)  # the product's newest schema on the old data
        if stale_summaries():
            print("summarising the days again (refreshdayloads) ...", flush=True)
            call_command("refreshdayloads", verbosity=0)
        print(f"reusing the data set in {args.db} built {meta['built_at'][:16]} (--rebuild to build it again)")
    if args.build_only:
        return 0
    remove_run_rows()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    try:
        results = measure(args, env, wrk)
    finally:
        remove_run_rows()
    results["load_average"] = {"before": load_before, "after": Path("/proc/loadavg").read_text().split()[:3]}
    results["server"] = {"software": "gunicorn", "workers": args.workers, "worker_class": args.worker_class,
                         "threads": args.threads if args.worker_class == "gthread" else 1}
    ratios = summarise(results)
    print_table(results, ratios, meta)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "availability.json"
    out.write_text(json.dumps({
        "measured_at": dt.datetime.now(dt.UTC).isoformat(), "machine": {
            "cores": os.cpu_count(), "python": platform.python_version(),
            "note": "the load generator, PostgreSQL and the server share these cores"},
        "dataset": meta, "goals": GOALS, "summary": ratios, "results": results}, indent=2, default=str) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
