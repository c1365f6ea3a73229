"""The servers as deployed: `vuoro runserver --noreload` (what `make run` starts) and gunicorn with the
repository's gunicorn.conf.py in the production configuration (docs/deploy.md), each started as a
process on a loopback port over a database of its own (on whichever database the suite runs on).

- Under 24 parallel clients booking, no answer is a 5xx, no desk is booked twice, and on PostgreSQL
  the server holds no more connections than its pool allows (VUORO_DB_POOL_MAX).
- The pool recovers from connections the database server has ended.
- Display-board streams beyond the cap are turned away at once, so pages and the API still answer
  while more streams are open than the server has threads.
- The contract's basics hold in production (DEBUG off, static files by WhiteNoise after
  collectstatic, HTTPS behind a proxy), with the security headers and no debug page.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.booking.conftest import phone_of

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ZONE = ZoneInfo("Europe/Helsinki")
URL = os.environ.get("DATABASE_URL", "")
POSTGRES = URL.startswith(("postgres://", "postgresql://"))
POOL_MAX = 4
CLIENTS = 24
REQUESTS = 360
NETWORK = '''
timezone = "Europe/Helsinki"
horizon_days = 60
slot_minutes = 20

[[services]]
code = "residence-card"
name = { fi = "Oleskelukortti", sv = "Uppehållskort", en = "Residence card" }
duration_minutes = 40

[[services]]
code = "quick"
name = { fi = "Pika-asia", sv = "Snabbärende", en = "Quick matter" }
duration_minutes = 20

[[service_points]]
id = "smoke-point"
name = { fi = "Savupiste", sv = "Rökpunkt", en = "Smoke point" }
address = "Testikatu 1, 00100 Helsinki"
desks = 2
services = ["residence-card"]

[service_points.hours]
mon = "09:00-11:00"
tue = "09:00-11:00"
wed = "09:00-11:00"
thu = "09:00-11:00"
fri = "09:00-11:00"

[[service_points]]
id = "load-point"
name = { fi = "Kuormapiste", sv = "Lastpunkt", en = "Load point" }
address = "Testikatu 2, 00100 Helsinki"
desks = 6
services = ["quick"]

[service_points.hours]
mon = "08:00-16:00"
tue = "08:00-16:00"
wed = "08:00-16:00"
thu = "08:00-16:00"
fri = "08:00-16:00"
sat = "08:00-16:00"
sun = "08:00-16:00"
'''

pytestmark = pytest.mark.skipif(not URL, reason="needs DATABASE_URL (make test sets it)")


class Site:
    """A database of its own with the schema and the network loaded, and the environment for servers on it."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        if POSTGRES:
            self.name = f"vuoro_servers_{os.getpid()}_{secrets.token_hex(3)}"
            self.url = URL.rsplit("/", 1)[0] + "/" + self.name
            with self.admin() as conn:
                conn.execute(f"CREATE DATABASE {self.name}")
        else:
            self.url = f"sqlite:///{tmp / 'site.sqlite3'}"
        self.env = {**os.environ, "DATABASE_URL": self.url, "VUORO_RATE_LIMITS": "off", "VUORO_VAR_DIR": str(tmp),
                    "VUORO_DB_POOL_MAX": str(POOL_MAX), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        (tmp / "network.toml").write_text(NETWORK)
        self.vuoro("migrate", "--noinput", "-v0")
        self.vuoro("loadnetwork", str(tmp / "network.toml"))
        self.vuoro("collectstatic", "--noinput", "-v0", VUORO_DEBUG="off", VUORO_SECRET_KEY="collectstatic")

    def admin(self):
        return psycopg.connect(URL.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres",
                               autocommit=True)

    def vuoro(self, *args: str, **env: str) -> None:
        done = subprocess.run([str(BIN / "vuoro"), *args], env={**self.env, **env}, capture_output=True, text=True,
                              timeout=300, cwd=self.tmp)
        assert done.returncode == 0, done.stderr[-2000:]

    def backends(self, conn) -> int:
        """Connections to this database (`conn` is one to another)."""
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name]).fetchone()[0]

    def terminate_backends(self) -> int:
        with self.admin() as conn:
            return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                    [self.name]).fetchall())

    def double_bookings(self) -> int:
        sql = ("SELECT count(*) FROM booking_booking a JOIN booking_booking b ON a.desk_id = b.desk_id "
               "AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at "
               "WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'")
        if POSTGRES:
            with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1)) as conn:
                return conn.execute(sql).fetchone()[0]
        with contextlib.closing(sqlite3.connect(self.tmp / "site.sqlite3")) as conn:
            return conn.execute(sql).fetchone()[0]

    def drop(self) -> None:
        if POSTGRES:
            with self.admin() as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@pytest.fixture(scope="module")
def site():
    with tempfile.TemporaryDirectory(prefix="vuoro-servers-") as tmp:
        made = Site(Path(tmp))
        try:
            yield made
        finally:
            made.drop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], env: dict, port: int, cwd: Path):
    log = open(cwd / f"server-{port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(240):
            assert server.poll() is None, (cwd / f"server-{port}.log").read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.25)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def runserver(site: Site, **env: str):
    port = free_port()
    return serving([str(BIN / "vuoro"), "runserver", "--noreload", f"127.0.0.1:{port}"], {**site.env, **env},
                   port, site.tmp)


def production_env(site: Site, port: int, **env: str) -> dict:
    return {**site.env, "VUORO_DEBUG": "off", "VUORO_SECRET_KEY": secrets.token_urlsafe(50),
            "VUORO_BIND": f"127.0.0.1:{port}", **env}


def gunicorn(site: Site, **env: str):
    port = free_port()
    environment = production_env(site, port, **env)
    return serving([str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT)],
                   environment, port, site.tmp)


def call(base: str, method: str, path: str, body=None, headers=None, timeout: float = 60):
    """(status, JSON or text, headers), as through the TLS-ending proxy (X-Forwarded-Proto: https)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, method=method, data=data,
                                     headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status, raw, heads = answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        status, raw, heads = error.code, error.read(), error.headers
    try:
        return status, json.loads(raw or b"null"), heads
    except ValueError:
        return status, raw.decode(errors="replace"), heads


def person(n: str) -> dict:
    email = f"{n}@example.org"
    return {"name": "Test Person", "email": email, "phone": phone_of(email)}  # each client its own person


def book_in_parallel(site: Site, base: str) -> tuple[list[int], int]:
    """CLIENTS clients look for a free time and book it until REQUESTS requests have been made; returns
    every status and, on PostgreSQL, the most connections to the site's database seen meanwhile."""
    statuses: list[int] = []
    lock, done = threading.Lock(), threading.Event()
    days = [dt.date.today() + dt.timedelta(days=d) for d in range(2, 40)]
    most = [0]

    def client(n: int) -> None:
        rng = random.Random(n)
        k = 0
        while True:
            with lock:
                if len(statuses) >= REQUESTS:
                    return
            day = rng.choice(days)
            status, got, _ = call(base, "GET", f"/api/v1/availability?service=quick&service_point=load-point"
                                               f"&from={day}&to={day}")
            with lock:
                statuses.append(status)
            if status != 200 or not got["slots"]:
                continue
            k += 1
            slot = rng.choice(got["slots"][:6])  # clients crowd the same early times
            status, _, _ = call(base, "POST", "/api/v1/bookings", {
                "service": "quick", "service_point": "load-point", "start": slot["start"], "persons": 1,
                "language": "fi", "customer": person(f"c{n}-{k}-{secrets.token_hex(3)}")})
            with lock:
                statuses.append(status)

    def watch() -> None:
        with site.admin() as conn:
            while not done.is_set():
                most[0] = max(most[0], site.backends(conn))
                time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    if POSTGRES:
        watcher.start()
    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=600)
    done.set()
    if POSTGRES:
        watcher.join()
    return statuses, most[0]


def assert_load_held(site: Site, statuses: list[int], most: int, pool_limit: int) -> None:
    errors = [s for s in statuses if s >= 500]
    assert not errors, f"{len(errors)} of {len(statuses)} answers were 5xx"
    assert statuses.count(201) >= 20, f"too few bookings went through: {sorted(set(statuses))}"
    assert set(statuses) <= {200, 201, 409}, sorted(set(statuses))
    assert site.double_bookings() == 0
    if POSTGRES:
        assert 0 < most <= pool_limit, f"{most} connections to the database; the pool allows {pool_limit}"


def test_runserver_under_parallel_clients_keeps_to_its_pool(site):
    with runserver(site) as base:
        statuses, most = book_in_parallel(site, base)
    assert_load_held(site, statuses, most, POOL_MAX)


def test_gunicorn_under_parallel_clients_keeps_to_its_pool(site):
    # Two processes of 8 threads: each has a pool of its own.
    with gunicorn(site, VUORO_WEB_WORKERS="2", VUORO_WEB_THREADS="8") as base:
        statuses, most = book_in_parallel(site, base)
    assert_load_held(site, statuses, most, 2 * POOL_MAX)


@pytest.mark.skipif(not POSTGRES, reason="connections ended by the database server: PostgreSQL")
def test_pool_recovers_from_connections_ended_by_the_server(site):
    with gunicorn(site, VUORO_WEB_WORKERS="1", VUORO_WEB_THREADS="4") as base:
        for _ in range(8):
            assert call(base, "GET", "/api/v1/services")[0] == 200
        assert site.terminate_backends() > 0
        statuses = [call(base, "GET", "/api/v1/availability?service=quick")[0] for _ in range(12)]
        assert statuses == [200] * 12


def open_stream(base: str) -> socket.socket:
    """A display board's event stream, left open; its first bytes read (or none yet, if queued)."""
    port = int(base.rsplit(":", 1)[1])
    stream = socket.create_connection(("127.0.0.1", port), timeout=5)
    stream.sendall(b"GET /board/smoke-point/events/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                   b"Accept: text/event-stream\r\n\r\n")
    with contextlib.suppress(TimeoutError):
        stream.recv(4096)
    return stream


def test_board_streams_cannot_take_every_thread(site):
    threads = 4
    with gunicorn(site, VUORO_WEB_WORKERS="1", VUORO_WEB_THREADS=str(threads)) as base:
        streams = [open_stream(base) for _ in range(2 * threads + 1)]
        try:
            # Pages, the board itself and the API still answer (generously timed: no claim on speed).
            assert call(base, "GET", "/api/v1/services", timeout=60)[0] == 200
            assert call(base, "GET", "/board/smoke-point/", timeout=60)[0] == 200
            assert call(base, "GET", "/board/smoke-point/?partial=1", timeout=60)[0] == 200
            # One more stream is told at once to come back later, and closed.
            extra = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=60)
            extra.sendall(b"GET /board/smoke-point/events/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := extra.recv(4096):
                answer += chunk
            extra.close()
            assert answer.startswith(b"HTTP/1.1 200") and b"text/event-stream" in answer and b"retry: " in answer
        finally:
            for stream in streams:
                stream.close()


def test_production_server_keeps_the_contract(site):
    with gunicorn(site, VUORO_WEB_WORKERS="1", VUORO_WEB_THREADS="4") as base:
        smoke(base)


def smoke(base: str) -> None:
    # Plain HTTP is sent to HTTPS; behind the proxy (X-Forwarded-Proto: https) the site answers.
    plain = urllib.request.Request(base + "/api/v1/services")
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(plain, timeout=60)
    assert redirect.value.code == 301 and redirect.value.headers["Location"].startswith("https://")

    status, services, heads = call(base, "GET", "/api/v1/services")
    assert status == 200
    by_code = {s["code"]: s for s in services}
    assert by_code["residence-card"]["name"]["sv"] == "Uppehållskort"
    assert heads["Strict-Transport-Security"].startswith("max-age=31536000")
    assert heads["X-Content-Type-Options"] == "nosniff"
    assert heads["Referrer-Policy"] == "same-origin"

    status, page, heads = call(base, "GET", "/")
    assert status == 200 and heads["X-Frame-Options"] == "DENY"
    assert heads["X-Content-Type-Options"] == "nosniff" and "Strict-Transport-Security" in heads

    status, css, heads = call(base, "GET", "/static/vuoro/site.css")  # WhiteNoise, from collectstatic
    assert status == 200 and "text/css" in heads["Content-Type"] and len(css) > 100

    day = dt.date.today() + dt.timedelta(days=7)
    while day.weekday() != 2:  # a Wednesday
        day += dt.timedelta(days=1)
    status, got, _ = call(base, "GET", f"/api/v1/availability?service=residence-card&from={day}&to={day}")
    want = [dt.datetime.combine(day, dt.time(9, 0), ZONE) + dt.timedelta(minutes=20 * k) for k in range(5)]
    assert status == 200 and [dt.datetime.fromisoformat(s["start"]) for s in got["slots"]] == want
    assert all(s["free_desks"] == 2 for s in got["slots"])

    body = {"service": "residence-card", "service_point": "smoke-point", "start": want[1].isoformat(), "persons": 1,
            "language": "sv", "customer": person("smoke")}
    status, booking, _ = call(base, "POST", "/api/v1/bookings", body)
    assert status == 201 and len(booking["reservation_key"]) == 10 and len(booking["pin"]) == 6
    key, pin = booking["reservation_key"], booking["pin"]
    status, got, _ = call(base, "GET", f"/api/v1/availability?service=residence-card&from={day}&to={day}")
    free = {dt.datetime.fromisoformat(s["start"]): s["free_desks"] for s in got["slots"]}
    assert [free.get(t) for t in want[:4]] == [1, 1, 1, 2]

    status, got, _ = call(base, "GET", f"/api/v1/bookings/{key}", headers={"X-PIN": pin})
    assert status == 200 and got["status"] == "confirmed" and got["service_point"] == "smoke-point"
    assert call(base, "GET", f"/api/v1/bookings/{key}", headers={"X-PIN": "000000" if pin != "000000"
                                                                  else "111111"})[0] == 404
    assert call(base, "POST", f"/api/v1/bookings/{key}/cancel", headers={"X-PIN": "x"})[0] == 404
    status, got, _ = call(base, "POST", f"/api/v1/bookings/{key}/cancel", headers={"X-PIN": pin})
    assert status == 200 and got["status"] == "cancelled"
    status, got, _ = call(base, "POST", "/api/v1/bookings", {"service": "residence-card"})
    assert 400 <= status < 500 and "error" in got

    # Errors show no debug page.
    status, text, _ = call(base, "GET", "/no/such/page/")
    assert status == 404
    assert "Traceback" not in text and "URLconf" not in text and "DEBUG" not in text
    status, text, _ = call(base, "GET", "/api/v1/bookings/%00%ff")
    assert status < 500 and "Traceback" not in str(text)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def pool_setting(**env: str):
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "pool = settings.DATABASES['default']['OPTIONS'].get('pool'); "
            "print(json.dumps(pool and {**pool, 'check': pool['check'].__qualname__}))")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VUORO_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env={
        **environment, "DJANGO_SETTINGS_MODULE": "vuoro.settings", "DATABASE_URL": "postgres://u@db.invalid/v", **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_pool_size_comes_from_the_environment():
    assert pool_setting()["max_size"] == 20
    assert pool_setting(VUORO_SENDERS="12")["max_size"] == 26  # a worker's 2 × 12 senders and its own
    assert pool_setting(VUORO_DB_POOL_MAX="5", VUORO_DB_POOL_TIMEOUT="7") | {"min_size": 0} == {
        "min_size": 0, "max_size": 5, "timeout": 7.0, "max_idle": 300, "check": "check_pooled_connection"}
    assert pool_setting(VUORO_DB_POOL_MAX="0") is None  # no pool: behind PgBouncer
