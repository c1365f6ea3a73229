import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def pytest_configure(config):
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer

    # Staff passwords are hashed with PBKDF2's million rounds in production; in tests, where every
    # sign-in and every staff member made would pay for them, with a fast hasher (Django's advice).
    # Servers started as processes (tests/test_servers.py) keep the production hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Django's test server (live_server) listens with a backlog of 10 connections: 24 clients
    # connecting at once on a loaded machine overflowed it and one was reset. Production (gunicorn)
    # listens with 2048.
    WSGIServer.request_queue_size = 128


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(autouse=True)
def _not_in_the_last_minutes_of_a_helsinki_day():
    """The test networks open "around the clock" as 00:00-23:59, Helsinki time (opening hours end
    before midnight): closed in a day's last minute, where a test of the walk-in queue on the real
    clock would be told so. A test that would start in the last two minutes waits for the new day
    (once a run at most)."""
    now = dt.datetime.now(ZoneInfo("Europe/Helsinki"))
    if (now.hour, now.minute) >= (23, 58):
        next_day = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 0, 1), tzinfo=now.tzinfo)
        time.sleep((next_day - now).total_seconds())


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Tests run without per-client limits (one test client is one address), with tasks run at
    once after commit, messages sent on every change and text messages kept in memory; the
    tests of those mechanisms turn them back."""
    settings.RATE_LIMITS = False
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.SMS_BACKEND = "vuoro.notify.sms.LocmemBackend"
    settings.NOTIFY_WAKE_EVERY_SECONDS = 0  # every change wakes the sender, which never lingers
    settings.NOTIFY_LINGER_SECONDS = 0
    from vuoro.notify import sms

    sms.outbox.clear()
    if "limits" in settings.CACHES:  # VUORO_REDIS_URL: each test counts under keys of its own
        import uuid

        from vuoro.booking.counters import redis_retry_now

        limits = dict(settings.CACHES["limits"], KEY_PREFIX=f"vuoro-test-{uuid.uuid4().hex}")
        settings.CACHES = {**settings.CACHES, "limits": limits}
        redis_retry_now()
    yield


# Shared fixtures: a small network and a bookable weekday, for every app's tests.
from tests.booking.conftest import smoke_network, wednesday  # noqa: E402, F401
