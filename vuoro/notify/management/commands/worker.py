"""`vuoro worker`: the background worker, kept running whatever happens to one run."""
from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection
from django.utils import timezone

from vuoro.notify.periodic import periodic_ensure

log = logging.getLogger("vuoro.worker")


class Command(BaseCommand):
    help = ("Run the task worker (`db_worker`) as a child process and restart it whenever it dies; "
            "queue the periodic work (settings.PERIODIC_TASKS) when it is due; ride out a lost database.")

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks (default 5)")
        parser.add_argument("--worker-args", default="", help="extra arguments for db_worker, space separated")

    def handle(self, *args, tick: float, worker_args: str, **options):
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        command = [sys.executable, "-m", "vuoro.cli", "db_worker", "--queue-name", "*", "--no-reload",
                   *worker_args.split()]
        child, started, restarts, restart_at, db_failures = None, 0.0, 0, 0.0, 0
        try:
            while not self.stopping:
                moment = time.monotonic()
                if child is not None and child.poll() is not None:
                    # A child that dies young is restarted after a growing pause (1, 2, 4 ... 60 s).
                    restarts = restarts + 1 if moment - started < 60 else 0
                    restart_at = moment + min(60, 2 ** restarts) if restarts else moment
                    log.warning("db_worker %s ended (code %s); restarting in %.0f s", child.pid, child.returncode,
                                restart_at - moment)
                    self.stdout.write(f"worker {child.pid} ended with {child.returncode}; restarting")
                    child = None
                if child is None and moment >= restart_at:
                    child, started = subprocess.Popen(command), moment
                    self.stdout.write(f"worker {child.pid} started")
                try:
                    periodic_ensure(now=timezone.now(), tasks=settings.PERIODIC_TASKS)
                    db_failures = 0
                except DatabaseError as error:
                    # The database went away: drop the connection and try again later, never die of it.
                    db_failures += 1
                    log.warning("periodic check failed (%s in a row): %s", db_failures, error)
                    connection.close()
                time.sleep(min(tick * (2 ** min(db_failures, 4)), 60) if db_failures else tick)
        finally:
            if child is not None and child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _stop(self, signum, frame) -> None:
        self.stopping = True
