"""Faults, measured: bookings through two app servers and one worker while processes and the
database are killed (issue 11).

    .venv/bin/python bench/faults.py [--quick] [--rate 20] [--clients 8] [--phase-seconds 22]

Everything runs on loopback, in about 4 minutes (--quick: about 70 s):

- its own PostgreSQL cluster, made with `initdb` in a temporary directory on a free port (trust,
  127.0.0.1 only, its socket in that directory; as the `postgres` OS user when run as root), and
  removed at the end, also on Ctrl-C or an error. The machine's own PostgreSQL is never touched;
- two gunicorn app servers (production settings: VUORO_DEBUG=off, rate limits off; the repository's
  gunicorn.conf.py when there is one, otherwise 2 gthread workers of 4 threads), sharing it;
- `vuoro worker` (the supervisor and its db_worker child) sending e-mail to an aiosmtpd sink in
  this process (bench/messages.py);
- `--clients` threads booking at `--rate` bookings a second in all, each booking with its own
  e-mail address and an `Idempotency-Key` (docs/api.md). A client whose request fails (no answer,
  a dropped connection or a 5xx) tries the other server with the same key and body, up to 5 tries
  over about 4 s, as the agency's website would; only then does a customer see an error.

Phases, one after another, each --phase-seconds long with its fault 2 s in: baseline (none),
app_kill (one app server and its workers SIGKILLed, restarted on its address 1 s later, as a
supervisor would), worker_kill (db_worker SIGKILLed; `vuoro worker` restarts it), supervisor_kill
(`vuoro worker` SIGKILLed and the rest of its process group with it, as systemd's KillMode=mixed
does; started again 1 s later as Restart=always would), db_terminate (pg_terminate_backend of every
other connection to the database), db_restart (`pg_ctl stop -m fast`, 2 s down, start) and
db_crash (`pg_ctl stop -m immediate`, a crash: recovery from the WAL at start, 2 s down).

After the load, the script waits (at most --drain seconds) for the confirmations, then checks by
SQL and prints one row per phase: see docs/faults.md for what each number means. Writes
bench/results/faults.json; exits 1 when a goal (no double booking, no booking made twice, no lost
confirmation, no customer error) is missed.
"""
from __future__ import annotations

import argparse
import atexit
import datetime as dt
import glob
import http.client
import json
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.availability import Server, free_port  # noqa: E402
from bench.messages import RESULTS, ROOT, Recorder, Worker, load_average, smtp_start  # noqa: E402

SECRET_KEY = "faults-bench-secret-key-not-for-production-0123456789"
DB = "vuoro_faults"
DOMAIN = "faults.bench.example"
ZONE = ZoneInfo("Europe/Helsinki")
POINTS, DESKS = 3, 6
SERVICES = {"visit-15": 15, "visit-30": 30}
OPEN, CLOSE = 8, 16  # every day, local time
RETRY_PAUSES = (0.25, 0.5, 1.0, 2.0)  # after the 1st, 2nd ... failed try: 5 tries over ~4 s
SMTP_TIMEOUT, CLAIM_SECONDS, SWEEP_SECONDS = 2.0, 10.0, 2.0
RESTART_DELAY = 1.0  # a supervisor's pause before it starts a dead process again
FAULT_AT = 2.0  # seconds into a phase
GOOD = {200, 201, 409}  # a try that got an answer the customer can act on


# ---------------------------------------------------------------- the database cluster

class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory, on a free loopback port."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not found:
            raise SystemExit("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="vuoro-faults-pg-"))
        self.port = free_port()
        self.prefix: list[str] = []
        atexit.register(self.remove)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.dir.chmod(0o700)
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync", "--locale", "C")

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.prefix, str(self.bin / program), *args], capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c shared_buffers=64MB")
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, db: str = DB) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def connect(self, db: str = DB):
        import psycopg

        return psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/{db}", autocommit=True,
                               connect_timeout=5)

    def remove(self) -> None:
        if not self.dir.exists():
            return
        if (self.dir / "data" / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                print(f"could not stop the cluster in {self.dir}: {error}", file=sys.stderr)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- set-up

def network_toml() -> str:
    lines = ['timezone = "Europe/Helsinki"', "horizon_days = 60", "slot_minutes = 15", ""]
    for code, minutes in SERVICES.items():
        lines += ["[[services]]", f'code = "{code}"', f'name = {{ fi = "{code} fi", sv = "{code} sv", en = "{code}" }}',
                  f"duration_minutes = {minutes}", ""]
    for n in range(1, POINTS + 1):
        lines += ["[[service_points]]", f'id = "point-{n}"',
                  f'name = {{ fi = "Piste {n}", sv = "Punkt {n}", en = "Point {n}" }}',
                  f'address = "Katu {n}, 00100 Helsinki"', f"desks = {DESKS}",
                  f"services = [{', '.join(repr(c).replace(chr(39), chr(34)) for c in SERVICES)}]", "",
                  "[service_points.hours]"] + [f'{day} = "{OPEN:02d}:00-{CLOSE:02d}:00"' for day in
                                               ("mon", "tue", "wed", "thu", "fri", "sat", "sun")] + [""]
    return "\n".join(lines)


def database_setup(cluster: Cluster) -> None:
    with cluster.connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{DB}"')
    os.environ.update(environment(cluster))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", "--noinput", verbosity=0)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as handle:
        handle.write(network_toml())
    try:
        call_command("loadnetwork", handle.name, verbosity=0)
    finally:
        os.unlink(handle.name)
    connections.close_all()  # this process keeps no connection through the faults


def environment(cluster: Cluster) -> dict[str, str]:
    return {"DATABASE_URL": cluster.url(), "DJANGO_SETTINGS_MODULE": "vuoro.settings", "VUORO_DEBUG": "off",
            "VUORO_SECRET_KEY": SECRET_KEY, "VUORO_RATE_LIMITS": "off", "VUORO_SSL_REDIRECT": "off",
            "VUORO_ALLOWED_HOSTS": "127.0.0.1", "VUORO_SMS_BACKEND": "vuoro.notify.sms.LocmemBackend",
            "VUORO_LOG_LEVEL": "ERROR"}


def slot_pool(days: int) -> list[tuple[str, str, str]]:
    """(service, point, local start) of every offered start over `days` days from the day after tomorrow."""
    today = dt.datetime.now(ZONE).date()
    pool = []
    for offset in range(2, 2 + days):
        day = today + dt.timedelta(days=offset)
        for code, minutes in SERVICES.items():
            for minute in range(OPEN * 60, CLOSE * 60 - minutes + 1, 15):
                start = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=ZONE).isoformat()
                pool += [(code, f"point-{n}", start) for n in range(1, POINTS + 1)]
    return pool


# ---------------------------------------------------------------- the load

@dataclass
class Try:
    port: int
    started: float
    ended: float
    status: int | None  # None: no answer (refused, reset, timed out)


@dataclass
class Attempt:
    """One customer's booking, with every try the client made for it."""
    email: str
    phase: str
    tries: list[Try] = field(default_factory=list)
    status: int | None = None  # the answer the customer saw; None: an error after every try
    reservation_key: str | None = None


def post(port: int, body: bytes, key: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/api/v1/bookings", body=body,
                     headers={"Content-Type": "application/json", "Idempotency-Key": key})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Load:
    """`clients` threads booking at `rate` a second in all, through two servers with fail-over."""

    def __init__(self, ports: list[int], pool: list, rate: float, clients: int, seed: int):
        self.ports, self.pool, self.rate, self.clients = ports, pool, rate, clients
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.phase = "setup"
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(clients)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _client(self, n: int) -> None:
        period = self.clients / self.rate
        next_at = time.monotonic() + period * n / self.clients
        while not self.stopping.is_set():
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_at = max(next_at + period, time.monotonic())
            with self.lock:
                number = len(self.attempts)
                service, point, start = self.rng.choice(self.pool)
                attempt = Attempt(email=f"c{number:06d}@{DOMAIN}", phase=self.phase)
                self.attempts.append(attempt)
            body = json.dumps({"service": service, "service_point": point, "start": start, "persons": 1,
                               "language": ("fi", "sv", "en")[number % 3],
                               "customer": {"name": f"Customer {number}", "email": attempt.email}}).encode()
            self._book(attempt, body, str(uuid.uuid4()), first=number % 2)

    def _book(self, attempt: Attempt, body: bytes, key: str, first: int) -> None:
        for turn in range(len(RETRY_PAUSES) + 1):
            port = self.ports[(first + turn) % 2]
            began = time.time()
            try:
                status, answer = post(port, body, key)
            except (OSError, http.client.HTTPException):
                status, answer = None, b""
            attempt.tries.append(Try(port=port, started=began, ended=time.time(), status=status))
            if status is not None and status < 500:
                attempt.status = status
                if status == 201:
                    attempt.reservation_key = json.loads(answer)["reservation_key"]
                return
            if turn < len(RETRY_PAUSES):
                time.sleep(RETRY_PAUSES[turn])


# ---------------------------------------------------------------- the faults

class Rig:
    """The processes under test, and the faults done to them."""

    def __init__(self, cluster: Cluster, recorder_port: int, senders: int):
        self.cluster, self.smtp_port, self.senders = cluster, recorder_port, senders
        self.env = environment(cluster)
        config = ROOT / "gunicorn.conf.py"
        self.config = config if config.exists() else None
        self.servers = [Server(self.env, config=self.config) for _ in range(2)]
        self.workers: list[Worker] = []
        self.worker_start()
        self.workers[-1].wait_ready()
        from django.db import connections

        connections.close_all()

    def worker_start(self) -> None:
        log = RESULTS / f"faults-worker-{len(self.workers)}.log"
        self.workers.append(Worker(database_url=self.cluster.url(), smtp_port=self.smtp_port, senders=self.senders,
                                   smtp_timeout=SMTP_TIMEOUT, claim_seconds=CLAIM_SECONDS, log=log,
                                   sweep_seconds=SWEEP_SECONDS, start_new_session=True))

    def app_kill(self) -> dict:
        """SIGKILL one app server with all its workers; start it again on its address after a pause."""
        dead = self.servers[0]
        os.killpg(dead.process.pid, signal.SIGKILL)
        dead.process.wait()
        time.sleep(RESTART_DELAY)
        self.servers[0] = Server(self.env, port=dead.port, config=self.config)  # returns once it answers
        return {"killed_port": dead.port}

    def worker_kill(self) -> dict:
        """SIGKILL the db_worker child; `vuoro worker` restarts it."""
        worker = self.workers[-1]
        child = worker.child_pids()[-1]
        os.kill(child, signal.SIGKILL)
        return {"killed_pid": child}

    def supervisor_kill(self) -> dict:
        """SIGKILL `vuoro worker` and the rest of its process group (as systemd, KillMode=mixed, does to
        what is left once the main process died), and start it again after a pause (Restart=always)."""
        worker = self.workers[-1]
        os.killpg(worker.process.pid, signal.SIGKILL)  # its own process group: the supervisor and its child
        worker.process.wait()
        time.sleep(RESTART_DELAY)
        self.worker_start()
        return {"killed_pid": worker.process.pid}

    def db_terminate(self) -> dict:
        with self.cluster.connect() as conn:
            rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = %s AND pid <> pg_backend_pid()", [DB]).fetchall()
        return {"terminated": len(rows)}

    def db_restart(self, mode: str = "fast") -> dict:
        began = time.time()
        self.cluster.stop(mode)
        stopped = time.time()
        time.sleep(2.0)
        self.cluster.start()
        return {"mode": mode, "stop_s": round(stopped - began, 2), "down_s": round(time.time() - stopped, 2)}

    def db_crash(self) -> dict:
        return self.db_restart("immediate")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        for worker in self.workers:
            worker.stop()
            try:
                os.killpg(worker.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# ---------------------------------------------------------------- the checks

def database_facts(cluster: Cluster) -> dict:
    """Bookings by e-mail address, and the overlapping live pairs on one desk, from SQL."""
    with cluster.connect() as conn:
        rows = conn.execute("SELECT lower(customer_email), count(*) FROM booking_booking "
                            "WHERE status <> 'cancelled' GROUP BY 1").fetchall()
        overlaps = conn.execute("""
            SELECT lower(b.customer_email) FROM booking_booking a JOIN booking_booking b
              ON a.desk_id = b.desk_id AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at
            WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'""").fetchall()
        notices = conn.execute("SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL "
                               "AND skipped_at IS NULL), count(*) FILTER (WHERE failed_at IS NOT NULL) "
                               "FROM notify_notice").fetchone()
    return {"rows": dict(rows), "overlaps": [r[0] for r in overlaps], "notices_unsent": notices[0],
            "notices_failed": notices[1]}


def first_after(moments, since: float) -> float | None:
    later = [m for m in moments if m >= since]
    return round(min(later) - since, 2) if later else None


def summarise(phases: list[dict], attempts: list[Attempt], arrivals: list[tuple[str, float]], facts: dict) -> list:
    arrived = Counter(rcpt for rcpt, _ in arrivals)
    rows = []
    for phase in phases + [{"name": "total"}]:
        mine = [a for a in attempts if phase["name"] == "total" or a.phase == phase["name"]]
        emails = {a.email for a in mine}
        booked = {a.email for a in mine if a.status == 201}
        row = {
            "fault": phase["name"], "requests": len(mine),
            "tries": sum(len(a.tries) for a in mine),
            "created_201": len(booked), "refused_409": sum(a.status == 409 for a in mine),
            "booking_rows": sum(n for e, n in facts["rows"].items() if e in emails),
            "booked_twice": sum(n - 1 for e, n in facts["rows"].items() if e in emails and n > 1),
            "rows_without_201": sum(1 for e in facts["rows"] if e in emails and e not in booked),
            "double_bookings": sum(1 for e in facts["overlaps"] if e in emails),
            "lost_confirmations": len(booked - set(arrived)),
            "duplicate_emails": sum(arrived[e] - 1 for e in emails if arrived[e] > 1),
            "http_5xx": sum(1 for a in mine for t in a.tries if t.status is not None and t.status >= 500),
            "no_answer": sum(1 for a in mine for t in a.tries if t.status is None),
            "retried": sum(len(a.tries) > 1 for a in mine),
            "customer_errors": sum(a.status is None or a.status >= 500 for a in mine),
            "other_4xx": sum(a.status is not None and a.status not in GOOD and a.status < 500 for a in mine),
            "slowest_booking_s": round(max((a.tries[-1].ended - a.tries[0].started for a in mine if a.tries),
                                           default=0), 2),
        }
        if "fault_at" in phase and phase["name"] != "baseline":
            at = phase["fault_at"]
            good = [t.ended for a in attempts for t in a.tries if t.status in GOOD and t.started >= at]
            failing = [t.ended for a in attempts for t in a.tries if (t.status is None or t.status >= 500)
                       and t.ended >= at]
            row["api_back_s"] = first_after(good, at)
            # Until the last failed try the fault caused (0 when no try failed): how long it was felt.
            last_bad = [m for m in failing if m <= phase["ended"]]
            row["api_failing_s"] = round(max(last_bad) - at, 2) if last_bad else 0.0
            row["mail_back_s"] = first_after([m for _, m in arrivals], at)
            if phase["name"] == "app_kill":
                port = phase["detail"]["killed_port"]
                row["server_back_s"] = first_after([t.ended for a in attempts for t in a.tries
                                                    if t.port == port and t.status in GOOD], at)
        row["detail"] = phase.get("detail", {})
        rows.append(row)
    return rows


COLUMNS = [("fault", "fault", 16), ("requests", "requests", 9), ("created_201", "201", 6),
           ("refused_409", "409", 6), ("booking_rows", "rows", 6), ("double_bookings", "double", 7),
           ("booked_twice", "twice", 6), ("lost_confirmations", "lost", 5), ("duplicate_emails", "dupl", 5),
           ("http_5xx", "5xx", 5), ("no_answer", "noans", 6), ("customer_errors", "cust.err", 9),
           ("api_failing_s", "fail s", 7), ("api_back_s", "api s", 6), ("mail_back_s", "mail s", 7)]


def print_table(rows: list[dict]) -> None:
    print("".join(f"{title:>{width}}" if key != "fault" else f"{title:<{width}}" for key, title, width in COLUMNS))
    for row in rows:
        cells = []
        for key, _, width in COLUMNS:
            value = row.get(key, "")
            value = "-" if value is None else value
            cells.append(f"{value:<{width}}" if key == "fault" else f"{value!s:>{width}}")
        print("".join(cells))


# ---------------------------------------------------------------- the run

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases, no baseline, no crash: about 70 s")
    parser.add_argument("--rate", type=float, default=20.0, help="bookings a second, all clients together")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--phase-seconds", type=float, default=None, help="default 22 (quick: 8)")
    parser.add_argument("--drain", type=float, default=None, help="most seconds to wait for the confirmations "
                                                                  "after the load (default 60, quick: 25)")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=RESULTS / "faults.json")
    args = parser.parse_args(argv)
    phase_seconds = args.phase_seconds or (8.0 if args.quick else 22.0)
    drain = args.drain or (25.0 if args.quick else 60.0)
    names = ["app_kill", "worker_kill", "supervisor_kill", "db_terminate", "db_restart"]
    if not args.quick:
        names = ["baseline", *names, "db_crash"]
    # Ctrl-C and SIGTERM end the run through the finally blocks (the cluster is removed, the servers stopped).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    load_before = load_average()
    cluster = Cluster()
    rig = controller = load = None
    try:
        cluster.start()
        print(f"own PostgreSQL cluster on 127.0.0.1:{cluster.port} in {cluster.dir}", flush=True)
        database_setup(cluster)
        recorder = Recorder()
        controller = smtp_start(recorder)
        rig = Rig(cluster, controller.port, args.senders)
        print(f"ready in {time.monotonic() - began:.0f} s: app servers on ports "
              f"{[s.port for s in rig.servers]} ({'gunicorn.conf.py' if rig.config else 'bench gunicorn settings'})"
              f", worker, SMTP sink on {controller.port}", flush=True)
        capacity_days = max(3, int(args.rate * phase_seconds * len(names) * 1.3 / (POINTS * DESKS * 32 * 0.75)))
        load = Load([s.port for s in rig.servers], slot_pool(capacity_days), args.rate, args.clients, args.seed)
        phases = []
        load.phase = names[0]
        load.start()
        for name in names:
            phase = {"name": name, "started": time.time()}
            load.phase = name
            phases.append(phase)
            time.sleep(FAULT_AT)
            phase["fault_at"] = time.time()
            print(f"{name} ...", flush=True)
            phase["detail"] = {} if name == "baseline" else getattr(rig, name)()
            rest = phase["started"] + phase_seconds - time.time()
            if rest > 0:
                time.sleep(rest)
            phase["ended"] = time.time()
        load.stop()
        booked = {a.email for a in load.attempts if a.status == 201}
        give_up = time.monotonic() + drain
        while time.monotonic() < give_up:
            with recorder.lock:
                if booked <= {rcpt for rcpt, _ in recorder.arrivals}:
                    break
            time.sleep(0.2)
        drained_s = round(time.monotonic() - give_up + drain, 1)
        facts = database_facts(cluster)
        with recorder.lock:
            arrivals = list(recorder.arrivals)
        rows = summarise(phases, load.attempts, arrivals, facts)
    finally:
        if load is not None:
            load.stopping.set()
        if rig is not None:
            rig.stop()
        if controller is not None:
            controller.stop()
        cluster.remove()
    print()
    print_table(rows)
    total = rows[-1]
    print(f"{args.clients} clients, {args.rate:g} bookings/s, phases of {phase_seconds:g} s (fault {FAULT_AT:g} s in); "
          f"confirmations drained {drained_s} s after the load; notices unsent / failed at the end: "
          f"{facts['notices_unsent']} / {facts['notices_failed']}")
    for row in rows:
        if row.get("server_back_s") is not None:
            print(f"app_kill: the killed server answered again after {row['server_back_s']} s "
                  f"(restart delay {RESTART_DELAY:g} s included)")
    print(f"load average before / after: {load_before} / {load_average()} ({os.cpu_count()} cores); "
          f"run took {time.monotonic() - began:.0f} s")
    checks = {"no_double_booking": total["double_bookings"] == 0, "no_booking_made_twice": total["booked_twice"] == 0,
              "no_lost_confirmation": total["lost_confirmations"] == 0,
              "no_customer_error": total["customer_errors"] == 0}
    for check, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {check}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "quick": args.quick,
        "machine": {"cpus": os.cpu_count(), "load_before": load_before, "load_after": load_average()},
        "settings": {"clients": args.clients, "rate_per_s": args.rate, "phase_seconds": phase_seconds,
                     "fault_at_s": FAULT_AT, "retry_pauses_s": RETRY_PAUSES, "restart_delay_s": RESTART_DELAY,
                     "smtp_timeout_s": SMTP_TIMEOUT, "claim_seconds": CLAIM_SECONDS, "sweep_seconds": SWEEP_SECONDS,
                     "senders": args.senders, "gunicorn_config": str(rig.config.name) if rig.config else None},
        "drained_s": drained_s, "notices_unsent": facts["notices_unsent"], "notices_failed": facts["notices_failed"],
        "checks": checks, "phases": rows,
    }, indent=2) + "\n")
    print(f"written {args.out}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
