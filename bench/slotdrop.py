"""A slot drop, measured: a release's times go to a crowd through the fair rush (issue 12).

    .venv/bin/python bench/slotdrop.py [--people 80000 --times 20000 --bots 100] [--admit-per-minute N]

On loopback only, bounded in time (the window, one minute per 5,000 people, then at most `--limit`
seconds; about 19 minutes at full size):

- a throwaway database on the machine's PostgreSQL (127.0.0.1:5432, user postgres; `--db`,
  dropped at the end) with a network whose release holds exactly `--times` bookable times of the
  15-minute service `permit` over two days at several points, and a rush
  `{admit_per_minute, before_minutes, after_minutes = 0, pass_minutes = 10, admit_every_seconds}`
  opening on the next whole minute after the set-up;
- gunicorn with the repository's gunicorn.conf.py (production settings, per-client limits on,
  `VUORO_TRUSTED_PROXIES=127.0.0.1`, so that each simulated person's own `X-Forwarded-For`
  address is the client the limits count, as behind the agency's proxy);
- an asyncio load generator in this process over a pool of keep-alive connections: `--people`
  people (among them `--bots` bots) who join the queue at a moment spread evenly over the
  window, come back when the answer's Retry-After says (once an answer names their place, it
  carries the pass for later, `pass_from_admission`: they come back at their admission with it
  and book, without polling again), and once admitted read one point's availability for the
  release's dates and book a time with their pass (on 409 another time, then another point);
  and `--outsiders` clients reading availability of another service for the days after the
  release all through the drop. A bot has one identity and sends 50 times
  a person's requests: it joins again and again, polls every few seconds, and tries to book
  without a pass and with a pass copied from another bot; admitted, it books like a person.

It prints one table (seconds from the release moment until every time is booked, 5xx,
double bookings by SQL, the bots' share of bookings against their share of people, availability
p95 for outsiders during the drop, requests by kind, CPU of the generator and the servers, load
average) and writes bench/results/slotdrop.json. Exits 1 when a correctness goal (no 5xx, no
double booking, every time booked, bots no more than their share within noise) is missed.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.availability import Server  # noqa: E402
from bench.messages import RESULTS, ROOT, load_average  # noqa: E402

SECRET_KEY = "slotdrop-bench-secret-key-not-for-production-0123456789"
ZONE = ZoneInfo("Europe/Helsinki")
OPEN, CLOSE = 8, 18  # every day, local: 40 quarter hours a desk a day
DAYS = 2  # the release's dates
SLOTS_PER_DESK = (CLOSE - OPEN) * 4 * DAYS
BOT_FACTOR = 50
PERSON_REQUESTS = 5  # a person's usual requests: join, poll, availability, book, one retry


def plan(times: int) -> list[int]:
    """Desks of each point so that the release holds exactly `times` times (10 desks a point)."""
    if times % SLOTS_PER_DESK:
        raise SystemExit(f"--times must be a multiple of {SLOTS_PER_DESK}")
    desks = times // SLOTS_PER_DESK
    return [10] * (desks // 10) + ([desks % 10] if desks % 10 else [])


def network_toml(desks: list[int], first: dt.date, opens_at: dt.datetime, rush: dict) -> str:
    lines = ['timezone = "Europe/Helsinki"', "horizon_days = 30", "slot_minutes = 15", ""]
    for code, minutes in (("permit", 15), ("other", 30)):
        lines += ["[[services]]", f'code = "{code}"', f'name = {{ fi = "{code} fi", sv = "{code} sv", en = "{code}" }}',
                  f"duration_minutes = {minutes}", ""]
    for n, count in enumerate(desks, 1):
        lines += ["[[service_points]]", f'id = "point-{n}"',
                  f'name = {{ fi = "Piste {n}", sv = "Punkt {n}", en = "Point {n}" }}',
                  f'address = "Katu {n}, 00100 Helsinki"', f"desks = {count}", 'services = ["permit", "other"]', "",
                  "[service_points.hours]"] + [f'{day} = "{OPEN:02d}:00-{CLOSE:02d}:00"' for day in
                                               ("mon", "tue", "wed", "thu", "fri", "sat", "sun")] + [""]
    last = first + dt.timedelta(days=DAYS - 1)
    lines += ["[[releases]]", f'from = "{first}"', f'to = "{last}"',
              f'opens_at = "{opens_at.astimezone(ZONE):%Y-%m-%dT%H:%M}"',
              "rush = { " + ", ".join(f"{k} = {v}" for k, v in rush.items()) + " }", ""]
    return "\n".join(lines)


def admin_connect(db: str = "postgres"):
    import psycopg

    return psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}", autocommit=True, connect_timeout=5)


REDIS_URL = "redis://127.0.0.1:6379/0"
RUN = os.urandom(4).hex()


def redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - no Redis here: the limits count in PostgreSQL
        return False


def environment(db: str, limits: str = "database") -> dict[str, str]:
    # Redis: this run's own key prefix, so that no earlier run's counters (kept an hour) count.
    extra = {"VUORO_REDIS_URL": REDIS_URL, "VUORO_REDIS_PREFIX": f"slotdrop-{RUN}"} if limits == "redis" else {}
    return {**extra, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
            "DJANGO_SETTINGS_MODULE": "vuoro.settings",
            "VUORO_DEBUG": "off", "VUORO_SECRET_KEY": SECRET_KEY, "VUORO_RATE_LIMITS": "on",
            "VUORO_TRUSTED_PROXIES": "127.0.0.1", "VUORO_SSL_REDIRECT": "off", "VUORO_ALLOWED_HOSTS": "127.0.0.1",
            "VUORO_SMS_BACKEND": "vuoro.notify.sms.LocmemBackend", "VUORO_LOG_LEVEL": "ERROR"}


def database_setup(db: str, toml: str) -> None:
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    os.environ.update(environment(db))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", "--noinput", verbosity=0)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as handle:
        handle.write(toml)
    try:
        call_command("loadnetwork", handle.name, verbosity=0)
    finally:
        os.unlink(handle.name)
    connections.close_all()


def database_drop(db: str) -> None:
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


# ---------------------------------------------------------------- HTTP over keep-alive connections

class Http:
    """A minimal HTTP/1.1 client over a bounded pool of keep-alive connections to one port."""

    def __init__(self, port: int, connections: int):
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(connections)
        self.closed = asyncio.Event()  # set: requests still waiting for a connection are not sent

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b""):
        """(status, headers, body); status None when there was no answer."""
        async with self.slots:
            if self.closed.is_set():
                return 0, {}, b""
            for attempt in (0, 1):
                fresh = not self.idle
                if fresh:
                    try:
                        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    except OSError:
                        return None, {}, b""
                else:
                    reader, writer = self.idle.pop()
                head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
                if body:
                    head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
                try:
                    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                    status, answer_headers, data = await self._read(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    writer.close()
                    if fresh or attempt:
                        return None, {}, b""
                    continue  # an idle connection the server had closed: once more on a new one
                if answer_headers.get("connection", "").lower() == "close":
                    writer.close()
                else:
                    self.idle.append((reader, writer))
                return status, answer_headers, data
        return None, {}, b""

    @staticmethod
    async def _read(reader: asyncio.StreamReader):
        status_line, *lines = (await reader.readuntil(b"\r\n\r\n"))[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while (size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            data = b"".join(parts)
        else:
            data = b""
        return status, headers, data


# ---------------------------------------------------------------- the crowd

class Drop:
    def __init__(self, args, http: Http, release_id: int, desks: list[int], first: dt.date,
                 opens_at: float, window_start: float, outsiders_http: Http | None = None):
        self.args, self.http, self.release_id = args, http, release_id
        # Outsiders are other people, on their own connections: they do not queue behind the crowd
        # in this generator, only at the servers.
        self.outsiders_http = outsiders_http or http
        self.points = [f"point-{n}" for n in range(1, len(desks) + 1)]
        self.first, self.last = first, first + dt.timedelta(days=DAYS - 1)
        self.opens_at, self.window_start = opens_at, window_start
        self.statuses: Counter = Counter()  # (kind, status)
        self.per_second: Counter = Counter()  # (kind, whole seconds from the moment): requests answered
        self.no_answer = 0
        self.booked = 0
        self.booked_by = Counter()  # "person" / "bot"
        self.all_booked_at: float | None = None
        self.booked_times: list[float] = []  # seconds from the moment
        self.done = asyncio.Event()
        self.tasks: list[asyncio.Task] = []  # everyone's, cancelled when the run stops
        self.outsider_latency: list[float] = []
        self.bot_passes: list[str] = []
        self.rng = random.Random(args.seed)

    async def call(self, kind: str, method: str, path: str, ip: str, body=None, headers=None, http=None):
        if self.done.is_set():  # the run is over: what still waits for a connection is not sent
            return 0, {}, {}
        head = {"X-Forwarded-For": ip, "X-Bench-Kind": kind, **(headers or {})}
        status, answer_headers, data = await (http or self.http).request(
            method, path, head, json.dumps(body).encode() if body is not None else b"")
        if status == 0:  # not sent: the run ended while it waited for a connection
            return 0, {}, {}
        self.per_second[(kind, math.floor(time.monotonic() - self.opens_at))] += 1
        if status is None:
            self.no_answer += 1
        self.statuses[(kind, status)] += 1
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {}
        return status, answer_headers, parsed

    def stop(self) -> None:
        self.done.set()
        self.http.closed.set()
        self.outsiders_http.closed.set()
        for task in self.tasks:  # a sleeper ends now rather than at its time
            if task is not asyncio.current_task():
                task.cancel()

    async def sleep_until(self, moment: float) -> None:
        # A plain sleep (stop() cancels the sleepers): waiting on the end event with a time-out
        # made a task and a timer per sleep, a good part of the generator's own CPU.
        delay = moment - time.monotonic()
        if delay > 0 and not self.done.is_set():
            await asyncio.sleep(delay)

    def _booked(self, who: str) -> None:
        self.booked += 1
        self.booked_by[who] += 1
        self.booked_times.append(time.monotonic() - self.opens_at)
        if self.booked >= self.args.times and self.all_booked_at is None:
            self.all_booked_at = time.monotonic()
            self.stop()

    async def _admission(self, n: int, who: str, ip: str, email: str, join_at: float) -> str | None:
        """Join at `join_at`, then poll as told; the pass once admitted (None: gave up or the end)."""
        await self.sleep_until(join_at)
        queue = f"/api/v1/releases/{self.release_id}/queue"
        while not self.done.is_set():
            status, headers, body = await self.call("join", "POST", queue, ip, {"email": email})
            if status == 200:
                break
            await self.sleep_until(time.monotonic() + float(headers.get("retry-after", 2)))
        else:
            return None
        while not self.done.is_set():
            if body.get("status") == "admitted":
                return body["pass"]
            if body.get("status") in ("over", "open"):
                return None
            wait = float(headers.get("retry-after") or body.get("retry_after_seconds") or 5)
            await self.sleep_until(time.monotonic() + wait)
            if self.done.is_set():
                return None
            if body.get("pass_from_admission"):  # the place is known: its pass serves from the admission on
                return body["pass_from_admission"]
            key = body.get("queue_key")
            status, headers, body = await self.call("poll", "GET", f"{queue}/{key}", ip)
            if status != 200:  # no answer or a 5xx: the same key again after a pause
                body, headers = {"queue_key": key}, {"retry-after": "2"}
        return None

    async def _book(self, who: str, ip: str, email: str, rush_pass: str | None) -> bool:
        rng = random.Random(email)
        points = rng.sample(self.points, len(self.points))
        for point in points:
            if self.done.is_set():
                return False
            status, _, body = await self.call(
                "availability", "GET", f"/api/v1/availability?service=permit&service_point={point}"
                f"&from={self.first}&to={self.last}", ip)
            if status == 429:
                await self.sleep_until(time.monotonic() + 5)
                continue
            slots = body.get("slots", []) if status == 200 else []
            rng.shuffle(slots)
            for slot in slots[:4]:
                status, _, answer = await self.call("book", "POST", "/api/v1/bookings", ip, {
                    "service": "permit", "service_point": point, "start": slot["start"], "persons": 1,
                    "language": "en", "customer": {"name": f"Person {email}", "email": email, "phone": ""}},
                    {"X-Rush-Pass": rush_pass} if rush_pass else {})
                if status == 201:
                    self._booked(who)
                    return True
                if status == 409 and answer.get("error") == "slot_unavailable":
                    continue
                if status == 409 and answer.get("error") == "active_booking_exists":
                    return True
                break  # a pass refused, limited or an error: leave this point
        return False

    async def person(self, n: int, join_at: float) -> None:
        ip, email = address(n), f"person-{n}@slotdrop.example"
        rush_pass = await self._admission(n, "person", ip, email, join_at)
        if rush_pass:
            await self._book("person", ip, email, rush_pass)

    async def bot(self, n: int, join_at: float, interval: float) -> None:
        """One identity, 50 times a person's requests: rejoin, poll hard, book without a pass or
        with another bot's; admitted, book with its own pass as a person would."""
        ip, email = address(n), f"bot-{n}@slotdrop.example"
        queue = f"/api/v1/releases/{self.release_id}/queue"
        budget = BOT_FACTOR * PERSON_REQUESTS
        key = None
        moment = join_at
        await self.sleep_until(join_at)
        for step in range(budget):
            if self.done.is_set():
                return
            action = step % 5
            if action in (0, 3) or key is None:
                status, _, body = await self.call("bot_join", "POST", queue, ip, {"email": email})
            elif action in (1, 4):
                status, _, body = await self.call("bot_poll", "GET", f"{queue}/{key}", ip)
            else:
                copied = self.rng.choice(self.bot_passes) if self.bot_passes else None
                point = self.rng.choice(self.points)
                start = dt.datetime.combine(self.first, dt.time(OPEN + self.rng.randrange(CLOSE - OPEN)), ZONE)
                status, _, body = await self.call("bot_book", "POST", "/api/v1/bookings", ip, {
                    "service": "permit", "service_point": point, "start": start.isoformat(), "persons": 1,
                    "language": "en", "customer": {"name": f"Bot {n}", "email": email, "phone": ""}},
                    {"X-Rush-Pass": copied} if copied else {})
                if status == 201:  # must not happen: counted as a bot booking all the same
                    self._booked("bot")
                    return
                body = {}
            if status == 200 and body.get("queue_key"):
                key = body["queue_key"]
                if body.get("status") == "admitted":
                    self.bot_passes.append(body["pass"])
                    await self._book("bot", ip, email, body["pass"])
                    return
            moment += interval
            await self.sleep_until(moment)

    async def outsider(self, n: int, until: float) -> None:
        rng = random.Random(n)
        ip = f"10.250.{n // 250}.{n % 250 + 1}"
        while time.monotonic() < until and not self.done.is_set():
            day = self.last + dt.timedelta(days=rng.randrange(1, 20))
            started = time.monotonic()
            status, _, _ = await self.call("outsider", "GET", f"/api/v1/availability?service=other&service_point="
                                           f"{rng.choice(self.points)}&from={day}&to={day + dt.timedelta(days=6)}", ip,
                                           http=self.outsiders_http)
            if status == 200 and time.monotonic() >= self.opens_at:
                self.outsider_latency.append(time.monotonic() - started)
            await asyncio.sleep(rng.uniform(0.2, 0.6))


def address(n: int) -> str:
    """A distinct client address for simulated person `n` (10.0.0.1 ...)."""
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]


# ---------------------------------------------------------------- the run

def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def postgres_cpu(db: str) -> float:
    with admin_connect() as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [db]).fetchall()]
    return cpu_seconds(pids)


def checks(db: str) -> dict:
    with admin_connect(db) as conn:
        booked = conn.execute("SELECT count(*) FROM booking_booking WHERE status <> 'cancelled'").fetchone()[0]
        overlapping = conn.execute("""
            SELECT count(*) FROM (
              SELECT start_at, max(end_at) OVER (PARTITION BY desk_id ORDER BY start_at, id
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end
              FROM booking_booking WHERE status <> 'cancelled') t
            WHERE start_at < before_end""").fetchone()[0]
        twice = conn.execute("SELECT count(*) FROM (SELECT lower(customer_email) FROM booking_booking "
                             "WHERE status <> 'cancelled' GROUP BY 1 HAVING count(*) > 1) t").fetchone()[0]
        bots = conn.execute("SELECT count(*) FROM booking_booking WHERE status <> 'cancelled' "
                            "AND customer_email LIKE 'bot-%%'").fetchone()[0]
        places, numbered, distinct, highest = conn.execute(
            "SELECT count(*), count(place), count(DISTINCT place), coalesce(max(place), 0) "
            "FROM booking_rushplace").fetchone()
        drawn, late, drawn_at = conn.execute("SELECT drawn, late, drawn_at FROM booking_rushdraw").fetchone() or (
            None, None, None)
    return {"booked": booked, "double_bookings": overlapping, "people_with_two": twice, "bot_bookings_sql": bots,
            "queue_places": places, "places_drawn": drawn, "places_late": late,
            "places_numbered_1_to_n": places == numbered == distinct == highest == (drawn or 0) + (late or 0),
            "drawn_at": drawn_at.isoformat() if drawn_at else None}


async def crowd(args, server: Server, release_id: int, desks, first, opens_wall: dt.datetime, window_start_wall,
                db: str) -> dict:
    now_wall, now = dt.datetime.now(dt.UTC), time.monotonic()
    opens_at = now + (opens_wall - now_wall).total_seconds()
    window_start = now + (window_start_wall - now_wall).total_seconds()
    http = Http(server.port, args.connections)
    drop = Drop(args, http, release_id, desks, first, opens_at, window_start,
                Http(server.port, max(1, args.outsiders)))
    rng = random.Random(args.seed)
    # Everyone joins at a moment spread evenly over the window (from 2 s after it opens to the
    # moment); the bots are people 1..bots, at random moments like everyone else.
    span = opens_at - window_start - 2
    bots = set(rng.sample(range(1, args.people + 1), args.bots))
    end = opens_at + args.limit
    bot_interval = (opens_at + 120 - window_start) / (BOT_FACTOR * PERSON_REQUESTS)
    tasks = []
    for n in range(1, args.people + 1):
        join_at = window_start + 2 + rng.random() * span
        tasks.append(drop.bot(n, join_at, bot_interval) if n in bots else drop.person(n, join_at))
    tasks += [drop.outsider(n, end) for n in range(args.outsiders)]
    cpu0 = time.process_time()
    workers0 = cpu_seconds(server.worker_pids())
    pg0 = postgres_cpu(db)
    load_before = load_average()

    async def stopper():
        await drop.sleep_until(end)
        drop.stop()

    async def progress():
        """A line a minute on standard error, so that a long run shows where it is."""
        while not drop.done.is_set():
            await drop.sleep_until(time.monotonic() + 60)
            fivexx = sum(count for (_, status), count in drop.statuses.items() if status and status >= 500)
            print(f"[{time.monotonic() - opens_at:+.0f} s from the moment] booked {drop.booked}, "
                  f"requests {sum(drop.statuses.values())}, 5xx {fivexx}, load {load_average()}",
                  file=sys.stderr, flush=True)

    drop.tasks = [asyncio.create_task(coroutine) for coroutine in (stopper(), progress(), *tasks)]
    for outcome in await asyncio.gather(*drop.tasks, return_exceptions=True):
        if isinstance(outcome, Exception):  # a fault of the generator itself, never hidden
            raise outcome
    generator_cpu = time.process_time() - cpu0
    workers_cpu = cpu_seconds(server.worker_pids()) - workers0
    elapsed = time.monotonic() - window_start
    return {"drop": drop, "generator_cpu": generator_cpu, "workers_cpu": workers_cpu,
            "postgres_cpu_open_connections": postgres_cpu(db) - pg0, "elapsed": elapsed,
            "load_before": load_before, "load_after": load_average(), "bots_ids": bots}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=80000)
    parser.add_argument("--times", type=int, default=20000, help=f"a multiple of {SLOTS_PER_DESK}")
    parser.add_argument("--bots", type=int, default=100)
    parser.add_argument("--outsiders", type=int, default=4)
    parser.add_argument("--admit-per-minute", type=int, default=None,
                        help="the rush's rate (default: --times x 0.55, so that everyone who can get a time is "
                             "admitted in 109 s, leaving the goal's last seconds for their reads and bookings)")
    parser.add_argument("--admit-every-seconds", type=int, default=1,
                        help="the rush's admission step, 1..60 (60: a minute's people at once, as before issue 12's "
                             "pacing; 1: the same number a minute, evenly)")
    parser.add_argument("--before-minutes", type=int, default=None,
                        help="the window before the moment, when everyone joins (default: 1 per 5,000 people, >= 1:"
                             " ~83 joins a second, what 2 shared cores absorb beside the rest)")
    parser.add_argument("--limit", type=float, default=600, help="seconds after the moment when the run stops")
    parser.add_argument("--connections", type=int, default=48, help="keep-alive connections of the generator")
    parser.add_argument("--db", default="vuoro_slotdrop")
    parser.add_argument("--limits", choices=("redis", "database"), default=None,
                        help="where the per-client counters live (default: redis when 127.0.0.1:6379 answers)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep-db", action="store_true", help="leave the database for a look afterwards")
    parser.add_argument("--json", default=str(RESULTS / "slotdrop.json"))
    args = parser.parse_args(argv)
    # A `timeout` or kill(1) ends the run through the `finally` below, which stops gunicorn (it
    # runs in its own session, so it would otherwise outlive the bench).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    desks = plan(args.times)
    args.limits = args.limits or ("redis" if redis_up() else "database")
    rate = args.admit_per_minute or max(1, args.times * 11 // 20)
    before = args.before_minutes or max(1, math.ceil(args.people / 5000))
    rush = {"admit_per_minute": rate, "before_minutes": before, "after_minutes": 0, "pass_minutes": 10}
    if args.admit_every_seconds != 60:
        rush["admit_every_seconds"] = args.admit_every_seconds
    today = dt.datetime.now(ZONE).date()
    first = today + dt.timedelta(days=2)
    # The moment: the first whole minute that leaves ~40 s for the set-up before the window opens.
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=40 + before * 60)
    opens_wall = soon.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    window_start_wall = opens_wall - dt.timedelta(minutes=before)
    setup_started = time.monotonic()
    cpu_dir = tempfile.mkdtemp(prefix="vuoro-slotdrop-cpu-")
    database_setup(args.db, network_toml(desks, first, opens_wall, rush))
    server = None
    try:
        server = Server({**environment(args.db, args.limits), "VUORO_BENCH_CPU_DIR": cpu_dir},
                        config=ROOT / "gunicorn.conf.py", app="bench.cpuwsgi:application")
        with admin_connect(args.db) as conn:
            release_id = conn.execute("SELECT id FROM network_release").fetchone()[0]
        setup_seconds = time.monotonic() - setup_started
        if dt.datetime.now(dt.UTC) > window_start_wall:
            raise SystemExit("the set-up took longer than planned; run again")
        result = asyncio.run(crowd(args, server, release_id, desks, first, opens_wall, window_start_wall, args.db))
    finally:
        if server is not None:
            server.stop()
    drop: Drop = result["drop"]
    found = checks(args.db)
    cpu_by_kind = worker_cpu_by_kind(cpu_dir)
    if not args.keep_db:
        database_drop(args.db)
    fivexx = sum(count for (kind, status), count in drop.statuses.items() if status and status >= 500)
    by_kind: dict[str, dict[str, int]] = {}
    for (kind, status), count in sorted(drop.statuses.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        by_kind.setdefault(kind, {})[str(status)] = count
    requests = sum(drop.statuses.values())
    seconds_to_all = None if drop.all_booked_at is None else drop.all_booked_at - drop.opens_at
    bots_share = args.bots / args.people
    expected = found["booked"] * bots_share
    # Binomial noise: bots are `bots` of the people, each booking with chance times / people.
    p = min(1.0, args.times / args.people)
    bound = args.bots * p + 3 * math.sqrt(max(args.bots * p * (1 - p), 1))
    latencies = drop.outsider_latency
    summary = {
        "people": args.people, "times": args.times, "bots": args.bots, "points": len(desks),
        "desks": sum(desks), "rush": rush, "limits": args.limits, "setup_seconds": round(setup_seconds, 1),
        "seconds_until_all_booked": None if seconds_to_all is None else round(seconds_to_all, 1),
        "booked_201": drop.booked,
        "seconds_until_first_booking": round(drop.booked_times[0], 1) if drop.booked_times else None,
        "booked_by_seconds": {str(t): sum(1 for x in drop.booked_times if x <= t) for t in (60, 120, 180, 300, 600)},
        **found, "fivexx": fivexx, "no_answer": drop.no_answer,
        "bot_bookings": drop.booked_by["bot"], "bot_share_of_people": round(bots_share, 5),
        "bot_share_of_bookings": round(found["bot_bookings_sql"] / found["booked"], 5) if found["booked"] else None,
        "bot_bookings_expected": round(expected, 1), "bot_bookings_bound_3sd": round(bound, 1),
        "outsider_availability_p50_ms": round(1000 * percentile(latencies, 0.5), 1) if latencies else None,
        "outsider_availability_p95_ms": round(1000 * percentile(latencies, 0.95), 1) if latencies else None,
        "outsider_requests": len(latencies), "requests": requests,
        "requests_per_second": round(requests / result["elapsed"], 1), "by_kind": by_kind,
        "generator_cpu_seconds": round(result["generator_cpu"], 1),
        "app_workers_cpu_seconds": round(result["workers_cpu"], 1),
        "postgres_cpu_seconds_open_backends": round(result["postgres_cpu_open_connections"], 1),
        "rates": rates(drop), "app_cpu_by_kind": cpu_by_kind,
        "run_seconds": round(result["elapsed"], 1), "load_before": result["load_before"],
        "load_after": result["load_after"], "cores": os.cpu_count(),
    }
    goals = {"every time booked": found["booked"] == args.times, "no 5xx": fivexx == 0,
             "no double booking": found["double_bookings"] == 0 and found["people_with_two"] == 0,
             "bots within their share": found["bot_bookings_sql"] <= bound,
             "places numbered once, 1..n": found["places_numbered_1_to_n"]}
    summary["correctness_goals"] = goals
    print_table(summary)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if all(goals.values()) else 1


def worker_cpu_by_kind(directory: str) -> dict[str, dict]:
    """The app workers' requests and CPU by kind (bench.cpuwsgi's files), the files then removed."""
    totals: dict[str, list[float]] = {}
    for path in Path(directory).glob("cpu-*.json"):
        for kind, (count, cpu, wall) in json.loads(path.read_text(encoding="utf-8")).items():
            entry = totals.setdefault(kind, [0, 0.0, 0.0])
            entry[0] += count
            entry[1] += cpu
            entry[2] += wall
        path.unlink()
    Path(directory).rmdir()
    return {kind: {"requests": int(count), "cpu_seconds": round(cpu, 2),
                   "cpu_ms_per_request": round(1000 * cpu / count, 2) if count else None,
                   "wall_ms_per_request": round(1000 * wall / count, 1) if count else None}
            for kind, (count, cpu, wall) in sorted(totals.items())}


def rates(drop: Drop) -> dict[str, dict]:
    """Requests answered a second by kind: mean and peak over the window (before the moment) and
    over the drop (from the moment to its last answer)."""
    seconds = [second for _, second in drop.per_second]
    if not seconds:
        return {}
    first, last = min(seconds), max(seconds)
    phases = {"window": (first, -1), "drop": (0, last)}
    found: dict[str, dict] = {}
    for kind in sorted({kind for kind, _ in drop.per_second}):
        entry = {}
        for phase, (start, end) in phases.items():
            counts = [drop.per_second.get((kind, second), 0) for second in range(start, end + 1)]
            if counts:
                entry[phase] = {"mean": round(sum(counts) / len(counts), 1), "peak": max(counts)}
        # What the goal's 120 s must carry: the requests of this kind answered in them.
        entry["first_120_s"] = sum(drop.per_second.get((kind, second), 0) for second in range(0, 120))
        found[kind] = entry
    return found


def print_table(s: dict) -> None:
    rows = [
        ("people / bots / outsiders' clients", f"{s['people']} / {s['bots']}"),
        ("times released (points, desks)", f"{s['times']} ({s['points']}, {s['desks']})"),
        ("rush; per-client counters in", ", ".join(f"{k}={v}" for k, v in s["rush"].items()) + f"; {s['limits']}"),
        ("seconds from the moment until all booked (goal <= 120)", s["seconds_until_all_booked"]),
        ("booked (SQL) / answered 201", f"{s['booked']} / {s['booked_201']}"),
        ("first booking at s; booked by 60/120/180/300/600 s", f"{s['seconds_until_first_booking']}; "
         + "/".join(str(v) for v in s["booked_by_seconds"].values())),
        ("5xx (goal 0) / no answer", f"{s['fivexx']} / {s['no_answer']}"),
        ("double bookings: overlapping on a desk / person with two",
         f"{s['double_bookings']} / {s['people_with_two']}"),
        ("bots' bookings (expected at their share, 3-sd bound)",
         f"{s['bot_bookings_sql']} ({s['bot_bookings_expected']}, {s['bot_bookings_bound_3sd']})"),
        ("queue places: drawn + late (numbered 1..n)", f"{s['places_drawn']} + {s['places_late']} "
         f"({'yes' if s['places_numbered_1_to_n'] else 'NO'})"),
        ("bots' share of people / of bookings", f"{s['bot_share_of_people']:.3%} / "
         + (f"{s['bot_share_of_bookings']:.3%}" if s["bot_share_of_bookings"] is not None else "-")),
        ("outsiders' availability p50 / p95 ms (goal p95 <= 100)",
         f"{s['outsider_availability_p50_ms']} / {s['outsider_availability_p95_ms']} ({s['outsider_requests']} reads)"),
        ("requests (per second over the run)", f"{s['requests']} ({s['requests_per_second']})"),
        ("CPU s: generator / app workers / postgres", f"{s['generator_cpu_seconds']} / {s['app_workers_cpu_seconds']}"
         f" / {s['postgres_cpu_seconds_open_backends']}"),
        ("run seconds (from the window's start); set-up", f"{s['run_seconds']}; {s['setup_seconds']}"),
        ("load average before / after", f"{s['load_before']} / {s['load_after']} ({s['cores']} cores)"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    for kind, statuses in s["by_kind"].items():
        print(f"  {kind:<14} " + "  ".join(f"{status}: {count}" for status, count in statuses.items()))
    print("requests a second by kind, mean / peak: window (before the moment) | drop (after it);"
          " answered in the drop's first 120 s; app worker CPU ms a request (thread CPU), wall ms")
    for kind, phases in s["rates"].items():
        cpu = s["app_cpu_by_kind"].get(kind, {})
        print(f"  {kind:<14} " + " | ".join(f"{p['mean']} / {p['peak']}" if (p := phases.get(phase)) else "-"
                                           for phase in ("window", "drop"))
              + f" | {phases.get('first_120_s', 0)} in 120 s"
              + f"   cpu {cpu.get('cpu_ms_per_request')} ms, wall {cpu.get('wall_ms_per_request')} ms")
    for goal, met in s["correctness_goals"].items():
        print(f"{'ok  ' if met else 'MISS'} {goal}")


if __name__ == "__main__":
    sys.exit(main())
