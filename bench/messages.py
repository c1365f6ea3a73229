"""Message throughput of one worker to a local SMTP server (issue 10, "Done when").

    .venv/bin/python bench/messages.py [--messages 2000] [--senders 8]

Builds a fresh PostgreSQL database `vuoro_bench_messages` (one point, 40 desks, one booking per
message), starts an aiosmtpd server on a free loopback port in this process and one `vuoro
worker` (the supervisor and its db_worker, as `make run` starts it) pointed at both, queues one
confirmation e-mail per booking (each with its .ics and the check-in QR, rendered by
vuoro.booking.messages) and wakes the sender; measures from the commit of the queue to the last
message accepted by the SMTP server. Prints a table and writes bench/results/messages.json.
Loopback only; the worker is stopped at the end, also on error; bounded by --deadline seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
DEFAULT_DB = "vuoro_bench_messages"
DESKS = 40
GOAL_PER_S = 100.0


# ---------------------------------------------------------------- the SMTP server

class Recorder:
    """Records each accepted message (recipient, arrival time); refuses (550) the addresses in
    `refuse` and stalls those in `stall` for `stall_seconds` at RCPT, every time."""

    def __init__(self):
        self.arrivals: list[tuple[str, float]] = []
        self.refuse: set[str] = set()
        self.stall: set[str] = set()
        self.stall_seconds = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        if address in self.stall:
            await asyncio.sleep(self.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        moment = time.time()
        # Cheap on purpose: the server shares the machine with the worker it measures.
        assert b"text/calendar" in envelope.content, "no .ics"
        with self.lock:
            self.arrivals.extend((rcpt, moment) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def smtp_start(recorder: Recorder):
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


# ---------------------------------------------------------------- the database

def database_setup(db: str, messages: int) -> list[str]:
    """A fresh database with one booking per message; returns the bookings' addresses in order."""
    import psycopg

    with psycopg.connect(f"{PG_BASE.replace('postgres://', 'postgresql://')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    os.environ["DATABASE_URL"] = f"{PG_BASE}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vuoro.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.factories import load_network
    from vuoro.booking.keys import hash_pin, new_reservation_key
    from vuoro.booking.models import Booking
    from vuoro.network.models import Desk, Service, ServicePoint

    load_network(slot_minutes=10, horizon_days=60, holidays=None, services=[("residence-card", 10)],
                 points=[dict(id="bench-point", desks=DESKS, services=["residence-card"], address="Benchgatan 1")])
    point = ServicePoint.objects.get(pk="bench-point")
    desks = list(Desk.objects.filter(service_point=point, kind=Desk.Kind.APPOINTMENT).order_by("pk")
                 .values_list("pk", flat=True))
    service = Service.objects.get(code="residence-card")
    day = dt.date.today() + dt.timedelta(days=14)
    first = dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    addresses, rows = [], []
    for n in range(messages):
        start = first + dt.timedelta(minutes=10 * (n // len(desks)))
        key = new_reservation_key()
        address = f"customer{n:05d}@bench.invalid"
        addresses.append(address)
        rows.append(Booking(reservation_key=key, pin_hash=hash_pin(key, "123456"), service_point=point,
                            service=service, desk_id=desks[n % len(desks)], start_at=start,
                            end_at=start + dt.timedelta(minutes=10), local_date=day, persons=1,
                            language=("fi", "sv", "en")[n % 3], customer_name=f"Customer {n}",
                            customer_email=address, email_key=address, created_at=now))
    Booking.objects.bulk_create(rows, batch_size=500)
    return addresses


def notices_reset() -> float:
    """Queue one confirmation e-mail per booking, all in one commit; wake the sender. Returns the commit time."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from vuoro.booking.models import Booking
    from vuoro.notify.models import Notice
    from vuoro.notify.tasks import send_notices

    Notice.objects.all().delete()
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        Notice.objects.bulk_create([
            Notice(booking_id=pk, event="confirmed", channel="email", about_start=start, created_at=now,
                   next_attempt_at=now)
            for pk, start in Booking.objects.order_by("pk").values_list("pk", "start_at")], batch_size=1000)
        DBTaskResult.objects.filter(task_path=send_notices.module_path, status="READY").delete()
        send_notices.enqueue()
    return time.time()


# ---------------------------------------------------------------- the worker

class Worker:
    """One `vuoro worker` (supervisor + db_worker child) with its output in a log file."""

    def __init__(self, *, db: str = DEFAULT_DB, smtp_port: int, senders: int, smtp_timeout: float,
                 claim_seconds: float, log: Path, database_url: str | None = None, sweep_seconds: float = 1,
                 start_new_session: bool = False):
        self.log = log
        env = {**os.environ, "DATABASE_URL": database_url or f"{PG_BASE}/{db}",
               "DJANGO_SETTINGS_MODULE": "vuoro.settings",
               "VUORO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
               "VUORO_SMTP_HOST": "127.0.0.1", "VUORO_SMTP_PORT": str(smtp_port), "VUORO_SMTP_TLS": "off",
               "VUORO_SMTP_TIMEOUT": str(smtp_timeout), "VUORO_CLAIM_SECONDS": str(claim_seconds),
               "VUORO_SENDERS": str(senders), "VUORO_SWEEP_SECONDS": str(sweep_seconds), "VUORO_LOG_LEVEL": "ERROR",
               "VUORO_SMS_BACKEND": "vuoro.notify.sms.LocmemBackend", "VUORO_FROM_EMAIL": "bench@bench.invalid"}
        with open(log, "w") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "vuoro.cli", "worker", "--tick", "0.2"],
                                            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                            start_new_session=start_new_session)

    def child_pids(self) -> list[int]:
        import re

        return [int(pid) for pid in re.findall(r"worker (\d+) started", self.log.read_text())]

    def wait_ready(self, seconds: float = 60) -> None:
        """Until the db_worker has run a task (the first sweep): Django is loaded and polling."""
        from django_tasks_db.models import DBTaskResult

        deadline = time.monotonic() + seconds
        while not DBTaskResult.objects.filter(status="SUCCESSFUL").exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"the worker did not start: see {self.log}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for pid in self.child_pids():  # a child orphaned by a kill of the supervisor
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_arrived(recorder: Recorder, wanted: set[str], deadline: float) -> bool:
    while time.monotonic() < deadline:
        with recorder.lock:
            got = {rcpt for rcpt, _ in recorder.arrivals}
        if wanted <= got:
            return True
        time.sleep(0.05)
    return False


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=8, help="sender threads in the worker (VUORO_SENDERS)")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--deadline", type=float, default=300.0, help="give up after this many seconds")
    args = parser.parse_args()

    print(f"building {args.messages} bookings in database {args.db} ...", flush=True)
    addresses = database_setup(args.db, args.messages)
    recorder = Recorder()
    controller = smtp_start(recorder)
    RESULTS.mkdir(parents=True, exist_ok=True)
    worker = Worker(db=args.db, smtp_port=controller.port, senders=args.senders, smtp_timeout=10, claim_seconds=60,
                    log=RESULTS / "messages-worker.log")
    load_before = load_average()
    try:
        worker.wait_ready()
        child = worker.child_pids()[-1]
        cpu_before = cpu_seconds(child)
        t0 = notices_reset()
        arrived = wait_arrived(recorder, set(addresses), time.monotonic() + args.deadline)
        cpu = cpu_seconds(child) - cpu_before
    finally:
        worker.stop()
        controller.stop()
    if not arrived:
        raise SystemExit(f"not every message arrived within {args.deadline} s ({len(recorder.arrivals)} did)")
    last = max(moment for _, moment in recorder.arrivals)
    seconds = last - t0
    latencies = sorted(moment - t0 for _, moment in recorder.arrivals)
    result = {
        "messages": args.messages, "senders": args.senders, "seconds": round(seconds, 2),
        "messages_per_s": round(args.messages / seconds, 1), "goal_messages_per_s": GOAL_PER_S,
        "first_arrival_s": round(latencies[0], 3), "median_arrival_s": round(latencies[len(latencies) // 2], 2),
        "duplicates": len(recorder.arrivals) - len(set(r for r, _ in recorder.arrivals)),
        "release_50000_minutes": round(50000 / (args.messages / seconds) / 60, 1),
        "worker_cpu_ms_per_message": round(cpu / args.messages * 1000, 2),
        "messages_per_worker_cpu_second": round(args.messages / cpu, 1),
    }
    print()
    print(f"{'measure':<36}{'value':>12}{'goal':>12}")
    print(f"{'messages (e-mail with .ics and QR)':<36}{result['messages']:>12}")
    print(f"{'sender threads in the one worker':<36}{result['senders']:>12}")
    print(f"{'seconds, queued to last accepted':<36}{result['seconds']:>12}")
    print(f"{'messages per second':<36}{result['messages_per_s']:>12}{'>= ' + str(GOAL_PER_S):>12}")
    print(f"{'50,000 confirmations take (min)':<36}{result['release_50000_minutes']:>12}{'<= 10':>12}")
    print(f"{'duplicates':<36}{result['duplicates']:>12}{'0':>12}")
    print(f"{'worker CPU ms per message':<36}{result['worker_cpu_ms_per_message']:>12}")
    print(f"{'messages per worker CPU-second':<36}{result['messages_per_worker_cpu_second']:>12}{'>= 100':>12}")
    print(f"load average before / after: {load_before} / {load_average()} ({os.cpu_count()} cores)")
    out = RESULTS / "messages.json"
    out.write_text(json.dumps({"measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                               "database": "postgresql", **result}, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")
    if result["messages_per_s"] < GOAL_PER_S:
        print(f"BELOW GOAL: {result['messages_per_s']} < {GOAL_PER_S} messages/s")


if __name__ == "__main__":
    main()
