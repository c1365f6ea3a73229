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
# A child that dies sooner than this after its start is failing to start (bad settings, no
# database): it is restarted after a growing pause, 1, 2, 4 ... 60 s. One killed later is
# restarted at once.
YOUNG_SECONDS = 5.0


class Supervisor:
    """Keeps one `db_worker` child running (restarted at once, or after a growing pause when it dies young)
    and the periodic work queued; a database error costs one check, never the supervisor."""

    def __init__(self, command: list[str], out=sys.stdout):
        self.command, self.out = command, out
        self.child: subprocess.Popen | None = None
        self.started = self.restart_at = 0.0
        self.restarts = self.db_failures = 0

    def step(self) -> None:
        moment = time.monotonic()
        if self.child is not None and self.child.poll() is not None:
            self.restarts = self.restarts + 1 if moment - self.started < YOUNG_SECONDS else 0
            self.restart_at = moment + (min(60, 2 ** (self.restarts - 1)) if self.restarts else 0)
            self._say(f"worker {self.child.pid} ended with {self.child.returncode}; restarting in "
                      f"{self.restart_at - moment:.0f} s")
            self.child = None
        if self.child is None and moment >= self.restart_at:
            self.child, self.started = subprocess.Popen(self.command), moment
            self._say(f"worker {self.child.pid} started")
        try:
            periodic_ensure(now=timezone.now(), tasks=settings.PERIODIC_TASKS)
            self.db_failures = 0
        except DatabaseError as error:
            # The database went away: drop the connection and try again next time.
            self.db_failures += 1
            self._say(f"periodic check failed ({self.db_failures} in a row): {error}")
            connection.close()

    def pause(self, tick: float) -> float:
        """How long to wait before the next step: longer while the database is away."""
        return min(tick * 2 ** min(self.db_failures, 4), 60)

    def stop(self) -> None:
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.child.kill()

    def _say(self, text: str) -> None:
        log.warning("%s", text)
        self.out.write(text + "\n")
        self.out.flush()


class Command(BaseCommand):
    help = ("Run the task worker (`db_worker`) as a child process and restart it whenever it dies; "
            "queue the periodic work (settings.PERIODIC_TASKS) when it is due; ride out a lost database.")

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks (default 5)")
        parser.add_argument("--worker-args", default="", help="extra arguments for db_worker, space separated")

    def handle(self, *args, tick: float, worker_args: str, **options):
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
        supervisor = Supervisor([sys.executable, "-m", "vuoro.cli", "db_worker", "--queue-name", "*",
                                 "--no-reload", *worker_args.split()], out=self.stdout)
        try:
            while not stopping:
                supervisor.step()
                deadline = time.monotonic() + supervisor.pause(tick)
                while not stopping and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            supervisor.stop()
