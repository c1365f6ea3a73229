"""Instructions per request in one gunicorn gthread worker, under callgrind (issue 15, lean requests).

    .venv/bin/python bench/instructions.py [--requests 100] [--code DIR ...] [--kinds empty,services,...]

The HTTP figures of bench/lean.py (latency, CPU ms per request from /proc) move by a third with
the other work on a shared machine. The number of instructions a request makes the worker
execute does not: this runs the same requests as bench/lean.py (production settings, limits ON,
counted in Redis, each request from another client address) against one gunicorn gthread worker
(4 threads) under valgrind's callgrind, zeroes the counts just before each kind's N requests and
reads them just after (a gunicorn `pre_request` hook on two marker requests calls callgrind's
client requests, through a small C helper compiled here with gcc against valgrind's header), and
prints millions of instructions per request (a booking: POST /api/v1/bookings of a free start
by a made-up person, removed again afterwards). What it counts: the worker's user-space
instructions, all its threads (the event loop, the request threads, the pool's), not the
kernel's work for it nor PostgreSQL's or Redis's. `--code` several checkouts (e.g. main's
worktree, then this one) for a before/after on the same data set; valgrind, gcc and
/usr/include/valgrind/callgrind.h are Debian's valgrind and gcc packages.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.availability import (  # noqa: E402
    SERVICES,
    VENV_BIN,
    bookable_slots,
    dataset_meta,
    environment,
    free_port,
    month_path,
    random_month,
    remove_run_rows,
    request,
    write_booking_bodies,
)
from bench.availability import sequential as availability_sequential  # noqa: E402
from bench.lean import CLIENTS, REDIS_URL  # noqa: E402

KINDS = ("empty", "services", "select", "month", "earliest", "insert", "booking")
POSTED = ("insert", "booking")  # kinds whose plan makes (path, body): POSTs
_HELPER_C = """#include <valgrind/callgrind.h>
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""
_HOOKS = """import ctypes
_helper = ctypes.CDLL({helper!r})


def pre_request(worker, req):
    if req.path == "/__callgrind/zero":
        _helper.cg_zero()
    elif req.path.startswith("/__callgrind/dump/"):
        _helper.cg_dump(req.path.rsplit("/", 1)[1].encode())
"""


def plans(seed: int, n: int, workdir: Path) -> dict:
    """Each kind of request of bench/lean.py: a function making the next path (a booking's: the
    path and its body)."""
    from django.db import connection
    from django.utils import timezone

    from vuoro.network.state import network_state

    state, now, rng = network_state(), timezone.now(), random.Random(seed)
    points, codes = sorted(state.points), [code for code, _, _ in SERVICES]
    today = now.astimezone(state.timezone).date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM booking_booking")
        low, high = cursor.fetchone()

    def month():
        return month_path(random_month(rng, state, today, codes, points))

    booking_bodies = iter(())

    def booking():  # POST /api/v1/bookings: a free start and a made-up person each, never the same twice
        nonlocal booking_bodies
        body = next(booking_bodies, None)
        if body is None:
            bodies = write_booking_bodies(workdir, bookable_slots(state, now, 2 * n + 100, "residence-card"))
            booking_bodies = iter(bodies.read_bytes().splitlines())
            body = next(booking_bodies)
        return "/api/v1/bookings", body

    return {
        "booking": booking,
        "insert": lambda: ("/bench/insert", b"{}"),  # the INSERT floor of bench/lean.py
        "empty": lambda: (f"/api/v1/availability?service={rng.choice(codes)}&service_point={rng.choice(points)}"
                          f"&from={saturday}&to={saturday}"),
        "services": lambda: "/api/v1/services",
        "select": lambda: f"/bench/select?id={rng.randint(low, high)}",
        "month": month,
        "earliest": lambda: f"/api/v1/availability?service={rng.choice(codes)}&limit=10",
    }


def measure(code: Path, env: dict[str, str], kinds: list[str], n: int, seed: int, workdir: Path) -> dict[str, float]:
    helper = workdir / "cghelper.so"
    if not helper.exists():
        (workdir / "cghelper.c").write_text(_HELPER_C)
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(helper), str(workdir / "cghelper.c")], check=True)
        (workdir / "hooks.py").write_text(_HOOKS.format(helper=str(helper)))
    out = workdir / f"out-{len(list(workdir.glob('out-*')))}"
    out.mkdir()
    port = free_port()
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p", str(VENV_BIN / "gunicorn"),
               "vuoro.wsgi:application", "--bind", f"127.0.0.1:{port}", "--chdir", str(code), "--workers", "1",
               "--worker-class", "gthread", "--threads", "4", "--timeout", "900", "--log-level", "warning",
               "--config", str(workdir / "hooks.py")]
    log = (out / "gunicorn.log").open("w")
    # Started in the code's directory: gunicorn puts the directory it starts in first on sys.path
    # (before --chdir and PYTHONPATH), so started elsewhere it would import that checkout's vuoro.
    server = subprocess.Popen(command, env={**os.environ, **env, "PYTHONPATH": str(code)}, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True, cwd=str(code))
    remove_run_rows()  # an earlier checkout's bookings: each books the same free starts
    rng = random.Random(seed)
    plan = plans(seed, n, workdir)
    headers = lambda: {"X-Forwarded-For": rng.choice(CLIENTS)}  # noqa: E731
    results = {}
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if request(port, "GET", "/api/v1/services")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn under callgrind did not start; see {out / 'gunicorn.log'}")
            time.sleep(2)
        worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])

        def send(kind: str, count: int, budget: float) -> dict:
            made = [plan[kind]() for _ in range(count)]
            if kind in POSTED:
                return availability_sequential(port, [path for path, _ in made], warmup=0, headers=headers,
                                               budget_seconds=budget, bodies=[body for _, body in made])
            return availability_sequential(port, made, warmup=0, headers=headers, budget_seconds=budget)

        for kind in kinds:  # every kind warmed before any is counted
            send(kind, 20, 900)
        # A first zero and dump, not counted: callgrind's first zero request has been seen to
        # leave the counts from the process's start in place.
        request(port, "GET", "/__callgrind/zero")
        request(port, "GET", "/__callgrind/dump/start")
        for kind in kinds:
            request(port, "GET", "/__callgrind/zero")
            answered = send(kind, n, 1800)
            request(port, "GET", f"/__callgrind/dump/{kind}")
            dump = max(out.glob(f"cg.{worker}.*"), key=lambda p: p.stat().st_mtime)
            text = dump.read_text(errors="replace")
            if "Timerange: Basic block 0 " in text:
                raise RuntimeError(f"callgrind counted {kind} from the process's start: the zero request failed")
            total = next(int(line.split()[1]) for line in text.splitlines() if line.startswith(("summary:", "totals:")))
            results[kind] = round(total / answered["requests"] / 1e6, 3)
            print(f"  {code}: {kind:<9} {results[kind]:>8.3f} M instructions/request "
                  f"({answered['requests']} requests, statuses {answered['statuses']})", flush=True)
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        if "booking" in kinds:
            remove_run_rows()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="vuoro_bench", help="database name (must start with vuoro_bench)")
    parser.add_argument("--requests", type=int, default=100, help="requests of each kind counted")
    parser.add_argument("--code", action="append", help="a checkout whose code gunicorn serves (repeatable)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    if not args.db.startswith("vuoro_bench") or not set(kinds) <= set(KINDS) or not 10 <= args.requests <= 2000:
        parser.error("--db must start with vuoro_bench; --kinds from " + ",".join(KINDS) + "; 10-2000 requests")
    header = Path("/usr/include/valgrind/callgrind.h")
    if not shutil.which("valgrind") or not shutil.which("gcc") or not header.exists():
        sys.exit("needs valgrind and gcc (Debian packages valgrind, gcc)")
    env = {**environment(args.db), "VUORO_RATE_LIMITS": "on", "VUORO_TRUSTED_PROXIES": "127.0.0.1",
           "VUORO_REDIS_URL": REDIS_URL, "VUORO_REDIS_PREFIX": f"vuoro-bench-cg-{os.getpid()}"}
    os.environ.update(env)
    if dataset_meta(args.db) is None:
        sys.exit(f"no data set in {args.db}: build it first with bench/availability.py --build-only --db {args.db}")
    import django

    django.setup()
    codes = [Path(c).resolve() for c in (args.code or [str(ROOT)])]
    workdir = Path(tempfile.mkdtemp(prefix="vuoro-bench-callgrind-"))
    try:
        table = {str(code): measure(code, env, kinds, args.requests, args.seed, workdir) for code in codes}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"{'M instructions per request':<28}" + "".join(f"{k:>10}" for k in kinds) + "   code")
    for code, row in table.items():
        print(f"{'':<28}" + "".join(f"{row.get(k, float('nan')):>10.3f}" for k in kinds) + f"   {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
