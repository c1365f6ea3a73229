"""Messages under faults: 2,000 e-mails through a local SMTP server while the worker is killed
(issue 10, "Done when").

    .venv/bin/python bench/message_faults.py [--messages 2000] [--kills 8] [--seed 10]

Uses the database and helpers of bench/messages.py (PostgreSQL `vuoro_bench_messages`, aiosmtpd
on loopback in this process, one `vuoro worker` with 8 sender threads (--senders), SMTP timeout 2 s, a
killed sender's claim taken over after 10 s). Three runs over the same queue of one confirmation
per booking:

1. baseline: every address deliverable, nothing killed: each message's arrival time (run twice,
   before and after run 2; the later arrival counts, and their difference shows the noise);
2. undeliverable: 25 addresses refused (550) and 25 stalled (the server waits 4 s at RCPT, past
   the timeout, every time): every other message arrives, and is delayed against the baseline by
   no more than one timeout;
3. kills: the same 50 undeliverable, and the db_worker child killed with SIGKILL at random moments
   (at most --kills, each 6-10 s after the child started; `vuoro worker` restarts it): every
   deliverable message arrives; duplicates are counted (at most one per kill is the goal).

Prints a table and writes bench/results/message_faults.json. Bounded: each run gives up after
--deadline seconds; the worker is stopped at the end, also on error.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.messages import (  # noqa: E402
    DEFAULT_DB,
    RESULTS,
    ROOT,
    Recorder,
    Worker,
    database_setup,
    load_average,
    notices_reset,
    smtp_start,
)

SMTP_TIMEOUT = 2.0
STALL_SECONDS = 4.0
CLAIM_SECONDS = 10.0


def run(*, db: str, senders: int, addresses: list[str], refuse: set[str], stall: set[str], kills: int,
        rng: random.Random,
        deadline: float, name: str) -> dict:
    recorder = Recorder()
    recorder.refuse, recorder.stall, recorder.stall_seconds = refuse, stall, STALL_SECONDS
    controller = smtp_start(recorder)
    deliverable = set(addresses) - refuse - stall
    worker = Worker(db=db, smtp_port=controller.port, senders=senders, smtp_timeout=SMTP_TIMEOUT,
                    claim_seconds=CLAIM_SECONDS, log=RESULTS / f"message_faults-{name}.log")
    killed = []
    try:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()
        worker.wait_ready()
        t0 = notices_reset()
        give_up = time.monotonic() + deadline
        next_kill = None
        while time.monotonic() < give_up:
            with recorder.lock:
                got = {rcpt for rcpt, _ in recorder.arrivals}
            if deliverable <= got:
                break
            children = worker.child_pids()
            if len(killed) < kills and children and children[-1] not in killed:
                child = children[-1]
                if next_kill is None:
                    next_kill = (child, time.monotonic() + rng.uniform(6, 10))  # counted from its start, roughly
                elif next_kill[0] == child and time.monotonic() >= next_kill[1]:
                    try:
                        os.kill(child, signal.SIGKILL)
                        killed.append(child)
                    except ProcessLookupError:
                        pass
                    next_kill = None
            time.sleep(0.05)
        arrived_all = deliverable <= {rcpt for rcpt, _ in recorder.arrivals}
    finally:
        worker.stop()
        controller.stop()
    first: dict[str, float] = {}
    for rcpt, moment in recorder.arrivals:
        first.setdefault(rcpt, moment - t0)
    counts = Counter(rcpt for rcpt, _ in recorder.arrivals)
    from vuoro.notify.models import Notice

    outcome = Notice.objects.filter(booking__customer_email__in=refuse | stall)
    return {
        "name": name, "arrived_all": arrived_all, "deliverable": len(deliverable),
        "arrived": len(set(first) & deliverable), "kills": len(killed),
        "duplicates": sum(n - 1 for rcpt, n in counts.items() if n > 1),
        "undeliverable_arrived": len(set(first) & (refuse | stall)),
        "refused_failed": outcome.filter(booking__customer_email__in=refuse, failed_at__isnull=False).count(),
        "stalled_waiting_retry": outcome.filter(booking__customer_email__in=stall, failed_at__isnull=True,
                                                sent_at__isnull=True).count(),
        "seconds": round(max(first.values()), 2) if first else None,
        # The longest the stream of deliveries stood still while messages were still waiting.
        "max_gap_s": max_gap(sorted(first.values())),
        "latency": first,
    }


def max_gap(times: list[float]) -> float | None:
    return round(max(b - a for a, b in zip(times, times[1:], strict=False)), 2) if len(times) > 1 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--senders", type=int, default=8, help="sender threads in the worker (VUORO_SENDERS)")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--deadline", type=float, default=300.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"building {args.messages} bookings in database {args.db} ...", flush=True)
    addresses = database_setup(args.db, args.messages)
    bad = rng.sample(addresses, 50)
    refuse, stall = set(bad[:25]), set(bad[25:])
    load_before = load_average()
    runs = {}
    # Two baselines around the run with undeliverable addresses: the machine is shared, and its
    # speed drifts; a message's delay is counted against the later of its two baseline arrivals.
    for name, faults, kills in (("baseline", False, 0), ("undeliverable", True, 0), ("baseline_again", False, 0),
                                ("kills", True, args.kills)):
        print(f"run: {name} ...", flush=True)
        runs[name] = run(db=args.db, senders=args.senders, addresses=addresses, refuse=refuse if faults else set(),
                         stall=stall if faults else set(), kills=kills, rng=rng, deadline=args.deadline, name=name)
    first_base, second_base = runs["baseline"]["latency"], runs["baseline_again"]["latency"]
    base = {a: max(first_base[a], second_base.get(a, first_base[a])) for a in first_base}
    drift = sorted(abs(first_base[a] - second_base[a]) for a in set(first_base) & set(second_base))
    runs["baseline_again"]["max_extra_delay_s"] = round(drift[-1], 2) if drift else None  # the noise floor
    for name in ("undeliverable", "kills"):
        lat = runs[name]["latency"]
        extra = sorted(lat[a] - base[a] for a in set(lat) & set(base) - refuse - stall)
        runs[name]["max_extra_delay_s"] = round(extra[-1], 2) if extra else None
        runs[name]["p99_extra_delay_s"] = round(extra[int(len(extra) * 0.99)], 2) if extra else None
    print()
    print(f"{'run':<15}{'arrived':>14}{'kills':>7}{'dupl.':>7}{'refused':>9}{'stalled':>9}{'secs':>8}"
          f"{'max +delay':>12}{'p99 +delay':>12}{'max gap':>9}")
    for name, r in runs.items():
        print(f"{name:<15}{str(r['arrived']) + '/' + str(r['deliverable']):>14}{r['kills']:>7}{r['duplicates']:>7}"
              f"{r['refused_failed']:>9}{r['stalled_waiting_retry']:>9}{r['seconds']:>8}"
              f"{str(r.get('max_extra_delay_s', '-')):>12}{str(r.get('p99_extra_delay_s', '-')):>12}"
              f"{r['max_gap_s']:>9}")
    print(f"refused: marked failed without retries; stalled: timed out ({SMTP_TIMEOUT} s), waiting for their retry")
    print(f"goals: every deliverable message arrives; duplicates <= kills; undeliverable addresses delay no "
          f"other message by more than one timeout ({SMTP_TIMEOUT} s) (run 'undeliverable', max +delay)")
    print(f"load average before / after: {load_before} / {load_average()} ({os.cpu_count()} cores)")
    checks = {"every_deliverable_arrived": all(r["arrived_all"] for r in runs.values()),
              "duplicates_at_most_one_per_kill": runs["kills"]["duplicates"] <= runs["kills"]["kills"],
              "no_undeliverable_arrived": all(r["undeliverable_arrived"] == 0 for r in runs.values()),
              "undeliverable_delay_within_one_timeout": (runs["undeliverable"]["max_extra_delay_s"] or 0)
              <= SMTP_TIMEOUT}
    for check, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {check}")
    out = RESULTS / "message_faults.json"
    out.write_text(json.dumps({
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "database": "postgresql",
        "messages": args.messages, "senders": args.senders, "smtp_timeout_s": SMTP_TIMEOUT,
        "claim_seconds": CLAIM_SECONDS, "seed": args.seed, "checks": checks,
        "runs": {name: {k: v for k, v in r.items() if k != "latency"} for name, r in runs.items()},
    }, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
