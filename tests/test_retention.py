"""The daily purge (vuoro.retention) on hand-made old and recent rows, on the real database."""
import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from vuoro.booking.confirmed_emails import email_confirmed, email_digest, emails_confirmed_record
from vuoro.booking.models import Booking, ConfirmedEmail, IdempotentAnswer, PinGuard, RateCounter
from vuoro.network.models import Desk, Service
from vuoro.notify.models import Notice
from vuoro.retention import retention_purge, retention_purge_task
from vuoro.walkin.models import Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
CONTACT = ("customer_name", "customer_email", "email_key", "customer_phone")
KEPT_FOR_STATISTICS = ("service_id", "service_point_id", "desk_id", "start_at", "end_at", "local_date", "status",
                       "persons", "language", "outcome", "cancelled_at", "created_at", "channel")
_keys = iter(f"K{n:09d}" for n in range(10**6))


def booking(*, ended_days_ago: float, cancelled_days_ago: float | None = None, **fields) -> Booking:
    """A booking whose 40-minute visit ended that many days before NOW (each on its own hour)."""
    end_at = NOW - dt.timedelta(days=ended_days_ago)
    values = dict(
        reservation_key=next(_keys), pin_hash="x", service_point_id="smoke-point",
        service=Service.objects.get(code="residence-card"),
        desk=Desk.objects.filter(service_point_id="smoke-point", kind=Desk.Kind.APPOINTMENT).first(),
        start_at=end_at - dt.timedelta(minutes=40), end_at=end_at, local_date=end_at.date(), persons=3,
        language="sv", customer_name="Anna Asiakas", customer_email="Anna@example.org", email_key="anna@example.org",
        customer_phone="+358401234567", created_at=end_at - 20 * DAY, status=Booking.Status.DONE, outcome="decided")
    if cancelled_days_ago is not None:
        values.update(status=Booking.Status.CANCELLED, cancelled_at=NOW - dt.timedelta(days=cancelled_days_ago))
    return Booking.objects.create(**{**values, **fields})


def ticket(*, issued_days_ago: float, number: int) -> Ticket:
    issued_at = NOW - dt.timedelta(days=issued_days_ago)
    return Ticket.objects.create(service_point_id="smoke-point", local_date=issued_at.date(), number=number,
                                 language="en", phone="+358401234567", issued_at=issued_at,
                                 status=Ticket.Status.DONE, outcome="")


def task_result(*, status: str, finished_days_ago: float | None) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status, finished_at=None if finished_days_ago is None else NOW - dt.timedelta(days=finished_days_ago),
        args_kwargs={"args": [], "kwargs": {}}, task_path="vuoro.retention.retention_purge_task",
        backend_name="default", queue_name="default", run_after=NOW - 40 * DAY, exception_class_path="", traceback="")


def contact(row: Booking) -> tuple:
    row.refresh_from_db()
    return tuple(getattr(row, name) for name in CONTACT)


class TestBookingsAndTickets:
    def test_clears_contact_details_thirty_days_after_the_visit_and_keeps_the_statistics(self, smoke_network):
        old, recent = booking(ended_days_ago=31), booking(ended_days_ago=29)
        before = {name: getattr(old, name) for name in KEPT_FOR_STATISTICS}
        report = retention_purge(now=NOW)
        assert report.bookings_cleared == 1
        assert contact(old) == ("", "", "", "")
        assert {name: getattr(old, name) for name in KEPT_FOR_STATISTICS} == before
        assert contact(recent) == ("Anna Asiakas", "Anna@example.org", "anna@example.org", "+358401234567")

    def test_counts_from_the_visit_or_the_cancellation_whichever_is_later(self, smoke_network):
        both_old = booking(ended_days_ago=35, cancelled_days_ago=50)
        visit_recent = booking(ended_days_ago=20, cancelled_days_ago=60)
        future_visit = booking(ended_days_ago=-10, cancelled_days_ago=45)
        retention_purge(now=NOW)
        assert contact(both_old) == ("", "", "", "")
        assert contact(visit_recent)[0] == "Anna Asiakas"
        assert contact(future_visit)[0] == "Anna Asiakas"

    def test_follows_vuoro_retention_days(self, smoke_network, settings):
        settings.RETENTION_DAYS = 7
        week_old = booking(ended_days_ago=8)
        assert retention_purge(now=NOW).bookings_cleared == 1 and contact(week_old)[0] == ""

    def test_clears_the_phone_of_old_queue_numbers_only(self, smoke_network):
        old, today = ticket(issued_days_ago=31, number=1), ticket(issued_days_ago=0.1, number=2)
        assert retention_purge(now=NOW).tickets_cleared == 1
        old.refresh_from_db()
        today.refresh_from_db()
        assert (old.phone, old.language, old.status, old.local_date) == ("", "en", "done", (NOW - 31 * DAY).date())
        assert today.phone == "+358401234567"

    def test_a_second_run_touches_nothing(self, smoke_network):
        booking(ended_days_ago=31)
        ticket(issued_days_ago=40, number=1)
        retention_purge(now=NOW)
        again = retention_purge(now=NOW)
        assert (again.bookings_cleared, again.tickets_cleared, again.notices_deleted) == (0, 0, 0)


class TestConfirmedAddresses:
    """Addresses confirmed (README, "No hoarding") outlive the contact details as keyed digests only."""

    def test_a_confirmed_booking_s_address_stays_known_as_a_digest_only(self, smoke_network):
        old = booking(ended_days_ago=31)
        report = retention_purge(now=NOW)
        assert report.confirmed_emails_kept == 1 and contact(old) == ("", "", "", "")
        row = ConfirmedEmail.objects.get()
        assert (row.digest, row.seen_at) == (email_digest("anna@example.org"), NOW)
        assert "anna" not in row.digest and email_confirmed("anna@example.org")
        assert retention_purge(now=NOW).confirmed_emails_kept == 0  # nothing left to keep

    def test_a_hold_never_confirmed_leaves_nothing(self, smoke_network):
        booking(ended_days_ago=31, cancelled_days_ago=31, hold_reason="confirm_email",
                held_until=NOW - 31 * DAY, email_key="never@example.org")
        assert retention_purge(now=NOW).confirmed_emails_kept == 0 and not ConfirmedEmail.objects.exists()
        assert not email_confirmed("never@example.org")

    def test_a_digest_unused_for_the_period_is_deleted(self, smoke_network, settings):
        settings.CONFIRMED_EMAIL_DAYS = 365
        emails_confirmed_record(email_keys=["old@example.org"], now=NOW - 366 * DAY)
        emails_confirmed_record(email_keys=["kept@example.org"], now=NOW - 364 * DAY)
        assert retention_purge(now=NOW).confirmed_emails_deleted == 1
        assert not email_confirmed("old@example.org") and email_confirmed("kept@example.org")


class TestShortLivedRecords:
    def test_deletes_messages_finished_or_about_an_expired_booking_and_keeps_the_rest(self, smoke_network):
        old, recent = booking(ended_days_ago=31), booking(ended_days_ago=2)
        about_old = Notice.objects.create(booking=old, event="reminder", created_at=NOW - 33 * DAY)  # never sent
        sent_long_ago = Notice.objects.create(booking=recent, event="confirmed", created_at=NOW - 40 * DAY,
                                              sent_at=NOW - 40 * DAY)
        sent_lately = Notice.objects.create(booking=recent, event="rescheduled", created_at=NOW - DAY,
                                            sent_at=NOW - DAY)
        pending = Notice.objects.create(booking=recent, event="cancelled", created_at=NOW - DAY)
        assert retention_purge(now=NOW).notices_deleted == 2
        assert set(Notice.objects.values_list("pk", flat=True)) == {sent_lately.pk, pending.pk}
        assert not Notice.objects.filter(pk__in=[about_old.pk, sent_long_ago.pk]).exists()

    def test_deletes_expired_sessions_and_passed_guard_and_counter_windows(self, smoke_network):
        Session.objects.create(session_key="a" * 32, session_data="x", expire_date=NOW - dt.timedelta(seconds=1))
        Session.objects.create(session_key="b" * 32, session_data="x", expire_date=NOW + DAY)
        PinGuard.objects.create(reservation_key="OLDKEY0000", attempts=5, window_start_at=NOW - dt.timedelta(hours=1))
        PinGuard.objects.create(reservation_key="NEWKEY0000", attempts=5,
                                window_start_at=NOW - dt.timedelta(minutes=5))
        RateCounter.objects.create(key="booking/h:1.2.3.4", window_start_at=NOW - dt.timedelta(minutes=61), count=9)
        RateCounter.objects.create(key="booking:1.2.3.4", window_start_at=NOW.replace(second=0), count=9)
        # an hourly counter (vuoro.booking.guards.rate_limit_count) lives through its hour
        RateCounter.objects.create(key="ticket/h:1.2.3.4", window_start_at=NOW - dt.timedelta(minutes=30), count=9)
        report = retention_purge(now=NOW)
        assert (report.sessions_deleted, report.pin_guards_deleted, report.rate_counters_deleted) == (1, 1, 1)
        assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
        assert list(PinGuard.objects.values_list("reservation_key", flat=True)) == ["NEWKEY0000"]
        assert set(RateCounter.objects.values_list("window_start_at", flat=True)) == {
            NOW.replace(second=0), NOW - dt.timedelta(minutes=30)}

    def test_deletes_idempotency_answers_and_finished_task_results_past_retention(self, smoke_network):
        IdempotentAnswer.objects.create(key="old", request_hash="h", status=201, body={}, created_at=NOW - 31 * DAY)
        IdempotentAnswer.objects.create(key="new", request_hash="h", status=201, body={}, created_at=NOW - DAY)
        done_old = task_result(status=TaskResultStatus.SUCCESSFUL, finished_days_ago=31)
        failed_old = task_result(status=TaskResultStatus.FAILED, finished_days_ago=45)
        done_new = task_result(status=TaskResultStatus.SUCCESSFUL, finished_days_ago=1)
        waiting = task_result(status=TaskResultStatus.READY, finished_days_ago=None)
        report = retention_purge(now=NOW)
        assert (report.idempotent_answers_deleted, report.task_results_deleted) == (1, 2)
        assert list(IdempotentAnswer.objects.values_list("key", flat=True)) == ["new"]
        assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {done_new.pk, waiting.pk}
        assert not DBTaskResult.objects.filter(pk__in=[done_old.pk, failed_old.pk]).exists()


class TestTheTask:
    def test_is_a_daily_periodic_task_of_the_worker(self):
        assert settings.PERIODIC_TASKS["vuoro.retention.retention_purge_task"] == 86400
        assert import_string("vuoro.retention.retention_purge_task") is retention_purge_task

    def test_purges_at_the_current_time_and_queues_nothing_after_itself(self, smoke_network, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        end_at = timezone.now() - 31 * DAY
        past = booking(ended_days_ago=0, end_at=end_at, start_at=end_at - dt.timedelta(minutes=40),
                       local_date=end_at.date())
        retention_purge_task.enqueue()  # what the worker does once a day
        assert DBTaskResult.objects.count() == 1
        report = retention_purge_task.call()  # the worker running it
        assert report["bookings_cleared"] == 1 and contact(past)[0] == ""
        assert DBTaskResult.objects.count() == 1  # it queued no next run of its own
