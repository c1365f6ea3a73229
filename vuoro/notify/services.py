"""The outbox: queue a message about a booking (or another app's subject) in the change's
transaction; send what is due.

A change writes one `Notice` per channel (e-mail, and a text when the booking has a phone) in
its own transaction and wakes the sender (the worker's `send_notices` task). Wake-ups are
coalesced: a process tries at most once every `NOTIFY_WAKE_EVERY_SECONDS`, and queues a sender
only when none is waiting to start; the sender, once it has found the outbox empty, keeps looking
for `NOTIFY_LINGER_SECONDS` before it stops. A run ends after `NOTIFY_RUN_SECONDS` at most, so
the worker's other tasks get their turn; the periodic sweep sends anything left.

A failed try is tried again after `NOTIFY_RETRY_MINUTES` (1, 5, 15, 60) and the sender moves on
to the next message at once; after the last try the message is marked failed for staff to see.
A refused address fails at once. A message about a state the booking has left (a reminder of a
cancelled or moved booking), or one past its `expires_at`, is skipped; one that failed and would
be retried only after its `expires_at` is failed at once. Delivery is at least once: see docs/messages.md.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F, Q

from vuoro import prepared
from vuoro.booking.models import Booking
from vuoro.notify.models import Notice
from vuoro.notify.renderers import renderer_get

log = logging.getLogger(__name__)

# Messages about the booking's current time: pointless (or wrong) once the booking has moved on.
ABOUT_THE_VISIT = {Notice.Event.CONFIRMED, Notice.Event.RESCHEDULED, Notice.Event.REMINDER,
                   Notice.Event.AGENCY_MOVED}

_last_wake = float("-inf")


class NoticeSkipped(Exception):
    """The message is no longer true (the booking was cancelled or moved): not sent, not retried."""


class PermanentFailure(Exception):
    """The receiving end refused the message for good (a bad address, a 5xx answer): not retried."""


def retry_delays() -> list[dt.timedelta]:
    return [dt.timedelta(minutes=m) for m in settings.NOTIFY_RETRY_MINUTES]


def max_attempts() -> int:
    return len(settings.NOTIFY_RETRY_MINUTES) + 1


def claim_timeout() -> dt.timedelta:
    """A claim older than this was left by a sender that died: longer than any one send can take."""
    return dt.timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)


def notice_queue(*, booking_id: int, event: str, now: dt.datetime,
                 channels: tuple[str, ...] = (Notice.Channel.EMAIL, Notice.Channel.SMS)) -> None:
    """Queue a message about a booking on each of `channels` (a text only when the booking has a
    phone, and not while it awaits the confirmation of a new e-mail address: that phone is
    unconfirmed too); call inside the change's transaction."""
    booking = Booking.objects.filter(pk=booking_id).only("customer_phone", "start_at", "status", "hold_reason").first()
    if booking is None:
        return
    phone = "" if booking.awaits_email_confirmation else booking.customer_phone
    Notice.objects.bulk_create(notice_rows(booking_id=booking_id, event=event, now=now, start_at=booking.start_at,
                                           phone=phone, channels=channels))
    sender_wake()


def notice_rows(*, booking_id: int, event: str, now: dt.datetime, start_at: dt.datetime, phone: str,
                channels: tuple[str, ...] = (Notice.Channel.EMAIL, Notice.Channel.SMS)) -> list[Notice]:
    """The unsaved notices of one message: one per channel, a text only with a phone number."""
    return [Notice(booking_id=booking_id, event=event, channel=channel, about_start=start_at, created_at=now,
                   next_attempt_at=now)
            for channel in channels if channel != Notice.Channel.SMS or phone]


def notice_subject_queue(*, kind: str, subject_id: int, point_id: str, label: str, event: str,
                         channels: tuple[str, ...], now: dt.datetime, expires_at: dt.datetime | None = None) -> None:
    """Queue a message about another app's subject (its `kind` has a renderer registered,
    vuoro.notify.renderers) on each of `channels`; call inside the change's transaction. `label`
    names the subject for staff; after `expires_at` the message is of no use and is not sent."""
    renderer_get(kind)  # a kind nobody renders would fail every try: refuse it now
    rows = [Notice(subject_kind=kind, subject_id=subject_id, subject_label=label[:64], service_point_id=point_id,
                   event=event, channel=channel, created_at=now, next_attempt_at=now, expires_at=expires_at)
            for channel in channels]
    Notice.objects.bulk_create(rows)
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


def notice_outdated(*, notice: Notice, status: str | None, start_at: dt.datetime | None,
                    now: dt.datetime) -> str | None:
    """Why a message should no longer be sent (the booking left the state it tells of), or None."""
    if status is None:
        return "the booking is gone"
    if notice.event == Notice.Event.WAITLIST_OFFERED:
        return None if status == Booking.Status.HELD else "the offer has ended"
    if notice.event == Notice.Event.CONFIRM_EMAIL:
        return None if status == Booking.Status.HELD else "the hold has ended"
    if notice.event not in ABOUT_THE_VISIT:
        return None
    if status == Booking.Status.CANCELLED or (notice.event == Notice.Event.REMINDER
                                              and status != Booking.Status.CONFIRMED):
        return f"the booking is {status}"
    if notice.about_start is not None and start_at != notice.about_start:
        return "the booking was moved"
    if notice.event == Notice.Event.REMINDER and start_at <= now:
        return "the visit has begun"
    return None


def notices_send(*, now: Callable[[], dt.datetime], send: Callable[[Notice], None], linger_seconds: float = 0.0,
                 max_seconds: float | None = None, senders: int = 1, finish: Callable[[], None] | None = None) -> int:
    """Send every due notice, oldest first, each claimed so that two senders never send one at
    once; then keep looking for `linger_seconds`; stop after `max_seconds` (at least one notice
    is tried). `now()` gives the time, `send(notice)` sends (raising NoticeSkipped or
    PermanentFailure, or anything else for a failure worth another try). With `senders` > 1,
    that many threads send side by side, so a stalled server holds up one message, not the
    queue. `finish()` runs in each sender when it stops (to close what it kept open). Returns how
    many were sent."""
    run = _Run(max_seconds)
    _database_lost.clear()
    try:
        return _senders_run(now=now, send=send, linger_seconds=linger_seconds, run=run, senders=senders,
                            finish=finish)
    finally:
        run.release()


def _senders_run(*, now, send, linger_seconds: float, run: _Run, senders: int, finish) -> int:

    def one_sender(*, own_connection: bool) -> int:
        try:
            _fast_commits(True)
            return _send_loop(now=now, send=send, linger_seconds=linger_seconds, run=run)
        finally:
            if finish is not None:
                finish()
            _fast_commits_end()
            if own_connection:
                connection.close()  # back to the pool, as any request's

    # Threads have connections of their own: they cannot see rows this transaction has not committed.
    if senders <= 1 or connection.in_atomic_block:
        return one_sender(own_connection=False)

    # A sender stuck on a stalled server is stood in for by one more (up to twice as many), so
    # `senders` keep moving the queue whatever a few slow servers do.
    with ThreadPoolExecutor(max_workers=2 * senders, thread_name_prefix="notice-sender") as pool:
        futures = [pool.submit(one_sender, own_connection=True) for _ in range(senders)]
        while not all(future.done() for future in futures):
            running, stuck = sum(not future.done() for future in futures), run.stuck()
            if stuck and running - stuck < senders and len(futures) < 2 * senders and not run.over():
                futures.append(pool.submit(one_sender, own_connection=True))
            time.sleep(0.05)
        return sum(future.result() for future in futures)


class _Run:
    """What the sender threads of one run know of each other."""

    STUCK_SECONDS = 0.5

    def __init__(self, max_seconds: float | None):
        self.stop_at = None if max_seconds is None else time.monotonic() + max_seconds
        self.sending: dict[int, float] = {}  # thread -> when its current send began
        # Notices claimed together and not yet taken by a sender: shared, so a stalled send holds
        # up only its own message, never the rest of a batch.
        self.claimed: list[Notice] = []
        self.claiming = threading.Lock()

    def next(self, now: dt.datetime) -> Notice | None:
        """The oldest claimed notice not yet taken; claims the next few when none is left."""
        with self.claiming:
            if not self.claimed:
                self.claimed = _claim(now, CLAIM_BATCH)
            return self.claimed.pop(0) if self.claimed else None

    def release(self) -> None:
        """Give back what this run claimed and did not try, for the next run (not a try)."""
        with self.claiming:
            left, self.claimed = self.claimed, []
        if left:
            _unclaim(left)

    def stuck(self) -> int:
        """How many senders have been in their current send for long."""
        moment = time.monotonic()
        return sum(moment - since > self.STUCK_SECONDS for since in list(self.sending.values()))

    def over(self) -> bool:
        """Past its time a sender stops, unless another is stuck in a slow send (a stalled
        server): then it keeps the queue moving until that one is done, so that the end of a run
        never leaves the rest idle behind a stall."""
        moment = time.monotonic()
        if self.stop_at is None or moment < self.stop_at:
            return False
        me = threading.get_ident()
        return not any(moment - since > self.STUCK_SECONDS for thread, since in list(self.sending.items())
                       if thread != me)


def _send_loop(*, now, send, linger_seconds: float, run: _Run) -> int:
    sent = tried = 0
    quiet_until = None
    me = threading.get_ident()
    while True:
        if tried and run.over():
            return sent
        notice = run.next(now())
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
        tried += 1
        run.sending[me] = time.monotonic()
        try:
            sent += _attempt(notice, send=send, now=now)
        finally:
            run.sending.pop(me, None)


def sender_continue(*, now: dt.datetime) -> None:
    """After a run that stopped at its time limit: queue the next one at once if anything is
    due (the worker's other tasks queued meanwhile go first). Losing this costs a wait for the
    periodic sweep, never a message."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from vuoro.notify.tasks import send_notices

    if not isinstance(send_notices.get_backend(), DatabaseBackend):
        return
    if Notice.objects.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout()),
                             next_attempt_at__lte=now).exists() and \
            not DBTaskResult.objects.filter(task_path=send_notices.module_path, status="READY").exists():
        send_notices.enqueue()


_accepting = threading.Lock()
_sender = threading.local()
# Set when a sender of this process met a database error: the database (or the connections to
# it) may be gone, and a message delivered now could not be marked sent.
_database_lost = threading.Event()


def point_of_no_return() -> None:
    """A sender calls this just before the step after which its message counts as delivered (an
    SMTP server's answer to the end of DATA). Until that message's outcome is recorded, no other
    sender thread of this process passes the same point: a process killed at any moment leaves
    at most one message delivered but not marked sent, to be sent again (docs/messages.md)."""
    if not getattr(_sender, "holding", False):
        _accepting.acquire()
        _sender.holding = True
        # Another sender lost its stamp with the database: deliver only over a connection that still
        # works, or every waiting sender would send a message it cannot mark sent (a duplicate each).
        if _database_lost.is_set() and (connection.connection is None or not connection.is_usable()):
            raise OperationalError("the database connection is lost: not sending what could not be marked sent")


def _let_go() -> None:
    if getattr(_sender, "holding", False):
        _sender.holding = False
        _accepting.release()


def _attempt(notice: Notice, *, send, now) -> int:
    """Try one claimed notice and record the outcome; 1 when it was sent."""
    try:
        return _try(notice, send=send, now=now)
    except DatabaseError:
        _database_lost.set()
        raise
    finally:
        _let_go()


def _try(notice: Notice, *, send, now) -> int:
    if notice.attempts > max_attempts():  # its senders kept dying on it
        _record(notice, failed_at=now(), last_error=notice.last_error or "its sender stopped during every try")
        return 0
    if notice.expires_at is not None and now() >= notice.expires_at:
        if notice.last_error:  # it failed while it was of use: staff should know
            _record(notice, failed_at=now(), last_error=f"{notice.last_error} (too late for another try)"[:1000])
        else:
            _record(notice, skipped_at=now(), last_error="too late to be of use")
        return 0
    try:
        send(notice)
    except NoticeSkipped as why:
        _record(notice, skipped_at=now(), last_error=str(why)[:1000])
        return 0
    except Exception as error:  # noqa: BLE001 - any failure of one message must not stop the others
        permanent = isinstance(error, PermanentFailure)
        retry_at = None if permanent or notice.attempts >= max_attempts() else \
            now() + retry_delays()[notice.attempts - 1]
        # A message of no use by its next try has had its last one.
        last = retry_at is None or (notice.expires_at is not None and retry_at >= notice.expires_at)
        log.warning("sending %s %s about %s failed (try %s%s): %s", notice.event, notice.channel,
                    notice.booking_id or f"{notice.subject_kind} {notice.subject_id}", notice.attempts,
                    ", giving up" if last else "", error)
        text = (f"{type(error).__name__}: {error}" if not permanent else str(error))[:1000]
        if last:
            _record(notice, failed_at=now(), last_error=text)
        else:
            _record(notice, next_attempt_at=retry_at, last_error=text)
        return 0
    _record(notice, sent_at=now(), last_error="")
    return 1


def _record(notice: Notice, *, last_error: str, next_attempt_at: dt.datetime | None = None,
            sent_at: dt.datetime | None = None, failed_at: dt.datetime | None = None,
            skipped_at: dt.datetime | None = None) -> None:
    """Release the claim with the try's outcome (nothing left to do unless it says when to try
    again); unless another sender has taken the notice over meanwhile. One statement, prepared
    on PostgreSQL (it runs once per message)."""
    if connection.vendor == "postgresql":
        prepared.rows(_RECORD_SQL, [next_attempt_at, sent_at, failed_at, skipped_at, last_error, notice.pk,
                                    notice.claimed_at])
        return
    stamps = {"sent_at": sent_at, "failed_at": failed_at, "skipped_at": skipped_at}
    Notice.objects.filter(pk=notice.pk, claimed_at=notice.claimed_at).update(
        claimed_at=None, next_attempt_at=next_attempt_at, last_error=last_error,
        **{name: value for name, value in stamps.items() if value is not None})


def _unclaim(notices: list[Notice]) -> None:
    """Give claimed notices back untried (their claim did not count as a try); unless another
    sender has taken one over meanwhile."""
    for claimed_at in {notice.claimed_at for notice in notices}:
        Notice.objects.filter(pk__in=[n.pk for n in notices if n.claimed_at == claimed_at],
                              claimed_at=claimed_at).update(claimed_at=None, attempts=F("attempts") - 1)


def _fast_commits(on: bool) -> None:
    """PostgreSQL: while a sender runs, its commits do not wait for the disk. The outbox's own
    bookkeeping (a claim, a sent stamp) may then be lost to a crash of the database server itself,
    never of a worker; a message is then sent again, as at-least-once allows (docs/messages.md).
    Waiting for the disk twice per message would cap a worker at a few dozen messages a second."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off" if on else "RESET synchronous_commit")


def _fast_commits_end() -> None:
    """Undo `_fast_commits(True)` before the connection serves anything else (from the pool, a web
    request's transaction): a connection whose setting cannot be reset is closed, never reused."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    try:
        _fast_commits(False)
    except DatabaseError:
        connection.connection.close()  # the pool discards a closed connection


def _claim(now: dt.datetime, limit: int) -> list[Notice]:
    """Take up to `limit` of the oldest due notices (one on SQLite), oldest first; none when none is due."""
    if connection.vendor == "postgresql":
        # One prepared statement; senders skip each other's rows instead of all racing for the first ones.
        found = [_notice(row) for row in prepared.rows(_CLAIM_SQL, [now, now, now - claim_timeout(), limit])]
        return sorted(found, key=lambda notice: (notice.next_attempt_at, notice.pk))
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout())
    due = Notice.objects.filter(free, next_attempt_at__lte=now)
    while (candidate := due.order_by("next_attempt_at", "id").values_list("id", flat=True).first()) is not None:
        # A conditional update: of two senders after the same notice, one wins, the other looks again.
        if due.filter(pk=candidate).update(claimed_at=now, attempts=F("attempts") + 1):
            return [Notice.objects.get(pk=candidate)]
    return []


def _notice(row: tuple) -> Notice:
    notice = Notice.from_db(connection.alias, _FIELDS, row[:len(_FIELDS)])
    notice.booking_status, notice.booking_start_at = row[len(_FIELDS):]
    return notice


# How many notices one claim takes: fewer statements per message, while a killed worker leaves
# only a few claimed (each counts as a try, taken over after the claim timeout).
CLAIM_BATCH = 4

_NOTICE = Notice._meta.db_table
_BOOKING = Booking._meta.db_table
_FIELDS = [field.attname for field in Notice._meta.concrete_fields]
_COLUMNS = ", ".join(f"{_NOTICE}.{field.column}" for field in Notice._meta.concrete_fields)
# The booking's status and start come along, for notice_outdated() without another query.
_CLAIM_SQL = (f"UPDATE {_NOTICE} SET claimed_at = %s, attempts = attempts + 1 WHERE id IN ("
              f"SELECT id FROM {_NOTICE} WHERE next_attempt_at <= %s AND (claimed_at IS NULL OR claimed_at < %s) "
              f"ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING {_COLUMNS}, "
              f"(SELECT status FROM {_BOOKING} b WHERE b.id = booking_id) AS booking_status, "
              f"(SELECT start_at FROM {_BOOKING} b WHERE b.id = booking_id) AS booking_start_at")
# A stamp given as NULL leaves the column as it was.
_RECORD_SQL = (f"UPDATE {_NOTICE} SET claimed_at = NULL, next_attempt_at = %s, sent_at = COALESCE(%s, sent_at), "
               f"failed_at = COALESCE(%s, failed_at), skipped_at = COALESCE(%s, skipped_at), last_error = %s "
               f"WHERE id = %s AND claimed_at = %s")
