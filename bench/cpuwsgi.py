"""The production WSGI app, with the app worker's CPU counted by kind of request (benches only).

    gunicorn bench.cpuwsgi:application   # with VUORO_BENCH_CPU_DIR=/some/dir

Each request's kind is its `X-Bench-Kind` header (the load generator names it: join, poll,
availability, book, bot_book...), or "other". Per kind the worker adds up the requests and the CPU
time of the thread that served them (time.thread_time: the Python of the request, the driver's
work included, not PostgreSQL's own process), and writes its totals to
`$VUORO_BENCH_CPU_DIR/cpu-<pid>.json` at most every second and at exit. Nothing of
this is in vuoro.wsgi: production code carries no bench hook.
"""
from __future__ import annotations

import atexit
import json
import os
import threading
import time
from pathlib import Path

from vuoro.wsgi import application as _application

_DIR = Path(os.environ.get("VUORO_BENCH_CPU_DIR", "/tmp"))
_lock = threading.Lock()
_totals: dict[str, list[float]] = {}  # kind: [requests, CPU seconds, wall seconds]
_written = [0.0]


def _write() -> None:
    path = _DIR / f"cpu-{os.getpid()}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(_totals), encoding="utf-8")
    temporary.replace(path)


def application(environ, start_response):
    kind = environ.get("HTTP_X_BENCH_KIND", "other")
    cpu, wall = time.thread_time(), time.monotonic()
    try:
        response = _application(environ, start_response)
        if getattr(response, "streaming", False):
            return response
        # Read and closed here (close() ends the request: request_finished, the connection back to
        # the pool), so that all of it is counted.
        try:
            return list(response)
        finally:
            response.close()
    finally:
        used, took = time.thread_time() - cpu, time.monotonic() - wall
        with _lock:
            entry = _totals.setdefault(kind, [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += used
            entry[2] += took
            if wall - _written[0] > 1:
                _written[0] = wall
                _write()


def flush() -> None:
    with _lock:
        _write()


atexit.register(flush)
