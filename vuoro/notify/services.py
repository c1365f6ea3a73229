"""The outbox: queue a message about a booking in the change's transaction; send what is queued.

A change writes a `Notice` in its own transaction and wakes the sender (the worker's
`send_notices` task). Wake-ups are coalesced: a process tries at most once every
`NOTIFY_WAKE_EVERY_SECONDS`, and queues a sender only when none is waiting to start; the
sender, once it has found the outbox empty, keeps looking for `NOTIFY_LINGER_SECONDS` before it
stops, so a notice whose wake-up was coalesced away is still sent within about a second. A run
ends after `NOTIFY_RUN_SECONDS` at most, so the worker's other tasks get their turn under steady
load; the minutely sweep (`vuoro schedule`) sends anything left. Under load this costs a task or
two a second instead of one per booking.
"""
from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from vuoro.notify.models import Notice

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = dt.timedelta(minutes=10)  # a claim older than this was left by a sender that died
MAX_ATTEMPTS = 5

_last_wake = float("-inf")


def notice_queue(*, booking_id: int, event: str, now: dt.datetime) -> None:
    """Queue a message about a booking; call inside the change's transaction."""
    Notice.objects.create(booking_id=booking_id, event=event, created_at=now)
    sender_wake()


def sender_wake() -> None:
    """Make sure the sender runs soon after this transaction commits (at most one wake-up per
    process every NOTIFY_WAKE_EVERY_SECONDS). With tasks kept in this database the wake-up is
    queued in the transaction itself (it commits with the notice, or not at all); with any
    other task backend, after the commit."""
    global _last_wake
    from django_tasks_db import DatabaseBackend

    from vuoro.notify.tasks import send_notices

    moment = time.monotonic()
    if moment - _last_wake < settings.NOTIFY_WAKE_EVERY_SECONDS:
        return
    _last_wake = moment
    if not isinstance(send_notices.get_backend(), DatabaseBackend):
        transaction.on_commit(send_notices.enqueue)
        return
    from django_tasks_db.models import DBTaskResult

    # A sender that has not started yet will find this notice; one that starts before this
    # transaction commits lingers long enough to.
    if not DBTaskResult.objects.filter(task_path=send_notices.module_path, status="READY").exists():
        send_notices.enqueue()


def notices_send(*, now, send, linger_seconds: float = 0.0, max_seconds: float | None = None) -> int:
    """Send every pending notice, oldest first, each claimed so that two senders never send one
    twice; then keep looking for `linger_seconds`; stop after `max_seconds` (at least one notice
    is tried). `now()` gives the time, `send(notice)` sends. A notice whose sending fails is
    released for a later try (at most MAX_ATTEMPTS) and the run stops there. Returns how many
    were sent."""
    sent = 0
    quiet_until = None
    stop_at = None if max_seconds is None else time.monotonic() + max_seconds
    while True:
        if sent and stop_at is not None and time.monotonic() >= stop_at:
            return sent
        notice = _claim(now())
        if notice is None:
            if linger_seconds <= 0:
                return sent
            moment = time.monotonic()
            quiet_until = quiet_until or moment + linger_seconds
            if moment >= quiet_until:
                return sent
            time.sleep(min(0.1, quiet_until - moment))
            continue
        quiet_until = None
        try:
            send(notice)
        except Exception:
            Notice.objects.filter(pk=notice.pk).update(claimed_at=None)
            log.exception("sending notice %s failed (attempt %s)", notice.pk, notice.attempts)
            return sent
        Notice.objects.filter(pk=notice.pk).update(sent_at=now())
        sent += 1


def _claim(now: dt.datetime) -> Notice | None:
    """Take the oldest pending notice for this sender, or None when there is none."""
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    pending = Notice.objects.filter(free, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    while (candidate := pending.order_by("id").values_list("id", flat=True).first()) is not None:
        # A conditional update: of two senders after the same notice, one wins, the other looks again.
        if pending.filter(pk=candidate).update(claimed_at=now, attempts=F("attempts") + 1):
            return Notice.objects.select_related("booking").get(pk=candidate)
    return None
