"""Periodic work that cannot stop for good: `vuoro worker` restarts a killed worker, queues the
periodic tasks itself (no task reschedules itself), and rides out a lost database connection."""
import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.notify.test_delivery import make_booking
from vuoro.notify.management.commands.worker import Supervisor
from vuoro.notify.models import Notice
from vuoro.notify.periodic import periodic_ensure

SWEEP = "vuoro.notify.tasks.notices_sweep_task"
NOSHOW = "vuoro.walkin.tasks.noshow_sweep_task"


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def ready(path: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=path, status="READY"))


@pytest.mark.django_db
class TestPeriodicTasksAreKeptQueued:
    def test_each_is_queued_once_however_often_the_check_runs(self, db_tasks):
        now = timezone.now()
        assert periodic_ensure(now=now, tasks={SWEEP: 60, NOSHOW: 60}) == [SWEEP, NOSHOW]
        assert periodic_ensure(now=now, tasks={SWEEP: 60, NOSHOW: 60}) == []
        assert [r.run_after for r in ready(SWEEP)] == [now]

    def test_a_run_left_running_by_a_killed_worker_does_not_stop_the_next(self, db_tasks):
        now = timezone.now()
        periodic_ensure(now=now, tasks={SWEEP: 60})
        DBTaskResult.objects.filter(task_path=SWEEP).update(status="RUNNING", started_at=now)  # then SIGKILL
        assert periodic_ensure(now=now + dt.timedelta(seconds=5), tasks={SWEEP: 60}) == [SWEEP]
        assert [r.run_after for r in ready(SWEEP)] == [now + dt.timedelta(seconds=60)]
        DBTaskResult.objects.filter(task_path=SWEEP, status="READY").update(status="RUNNING")
        later = now + dt.timedelta(hours=3)  # the worker was down for hours: run at once
        periodic_ensure(now=later, tasks={SWEEP: 60})
        assert [r.run_after for r in ready(SWEEP)] == [later]

    def test_no_periodic_task_reschedules_itself(self, db_tasks, settings):
        from django.utils.module_loading import import_string

        for path in settings.PERIODIC_TASKS:
            import_string(path).call()
        assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_supervisor_rides_out_a_lost_database_connection(db_tasks):
    supervisor = Supervisor(["true"], out=io.StringIO())
    supervisor.restart_at = float("inf")  # no child in this test
    supervisor.step()
    DBTaskResult.objects.all().delete()
    connection.ensure_connection()
    connection.connection.close()  # the connection is gone under it (a restarted server, a network cut)
    supervisor.step()
    assert supervisor.db_failures == 1 and "periodic check failed" in supervisor.out.getvalue()
    supervisor.step()
    assert supervisor.db_failures == 0 and len(ready(SWEEP)) == 1


def database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return (f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")


def wait_for(condition, *, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def queue_plain_notices(bookings) -> None:
    """Notices without a wake-up: only the periodic sweep of the worker under test sends them."""
    now = timezone.now()
    Notice.objects.bulk_create([Notice(booking=b, event="confirmed", channel="email", about_start=b.start_at,
                                       created_at=now, next_attempt_at=now) for b in bookings])


@pytest.mark.django_db(transaction=True)
def test_the_sweep_goes_on_after_the_worker_is_killed_mid_run_and_its_database_dropped(
        smoke_network, wednesday, smtp_server, tmp_path):
    first = make_booking(wednesday, 0, email="stall@example.org")
    second = make_booking(wednesday, 1, email="second@example.org")
    third = make_booking(wednesday, 2, email="third@example.org")
    Notice.objects.all().delete()
    smtp_server.stall.add("stall@example.org")
    smtp_server.stall_seconds = 8
    env = {**os.environ, "DATABASE_URL": database_url(),
           "VUORO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "VUORO_SMTP_HOST": "127.0.0.1",
           "VUORO_SMTP_PORT": str(smtp_server.port), "VUORO_SMTP_TLS": "off", "VUORO_SMTP_TIMEOUT": "20",
           "VUORO_CLAIM_SECONDS": "3", "VUORO_SWEEP_SECONDS": "1", "VUORO_SENDERS": "1",
           "VUORO_SMS_BACKEND": "vuoro.notify.sms.LocmemBackend"}
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "vuoro.cli", "worker", "--tick", "0.5"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        queue_plain_notices([first])
        # The sweep is now stuck on the stalled recipient, its notice claimed: kill the worker there.
        assert wait_for(lambda: Notice.objects.filter(claimed_at__isnull=False).exists())
        child = int(re.findall(r"worker (\d+) started", log.read_text())[-1])
        os.kill(child, signal.SIGKILL)
        queue_plain_notices([second])
        assert wait_for(lambda: "second@example.org" in smtp_server.recipients()), log.read_text()
        assert len(re.findall(r"worker (\d+) started", log.read_text())) >= 2  # restarted
        # The killed run's message is taken over once its claim times out, and sent.
        assert wait_for(lambda: "stall@example.org" in smtp_server.recipients()), log.read_text()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # every other connection to this database is cut
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        queue_plain_notices([third])
        assert wait_for(lambda: "third@example.org" in smtp_server.recipients()), log.read_text()
        assert worker.poll() is None  # the supervisor itself never died
    finally:
        worker.terminate()
        worker.wait(timeout=60)
