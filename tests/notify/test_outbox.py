"""The outbox: a message is queued with its change, sent once, and never lost to a coalesced wake-up."""
import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.booking.conftest import at, booking_body
from vuoro.booking.models import Booking
from vuoro.notify import services
from vuoro.notify.models import Notice
from vuoro.notify.services import claim_timeout, max_attempts, notices_send
from vuoro.notify.tasks import notices_sweep_task


def book(client, start, email="person@example.org"):
    answer = client.post("/api/v1/bookings", booking_body(start, email=email), content_type="application/json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def ready_senders():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY", task_path="vuoro.notify.tasks.send_notices").count()


@pytest.fixture
def worker_tasks(settings, monkeypatch):
    """Tasks kept in the database and run by `db_worker`, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(services, "_last_wake", float("-inf"))


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_wake_ups_are_coalesced_and_one_run_sends_every_queued_message(client, smoke_network, wednesday,
                                                                      worker_tasks, settings):
    settings.NOTIFY_WAKE_EVERY_SECONDS = 60
    book(client, at(wednesday, 9), email="a@example.org")
    book(client, at(wednesday, 9), email="b@example.org")
    assert Notice.objects.filter(sent_at=None).count() == 4  # an e-mail and a text for each
    assert ready_senders() == 1  # the second booking's wake-up was coalesced into the first
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert Notice.objects.filter(sent_at=None).count() == 0


@pytest.mark.django_db(transaction=True)
def test_no_second_sender_is_queued_while_one_waits_to_start(client, smoke_network, wednesday, worker_tasks):
    for n, (hour, minute) in enumerate([(9, 0), (9, 40), (10, 20)]):
        book(client, at(wednesday, hour, minute), email=f"w{n}@example.org")
    assert ready_senders() == 1
    run_worker()
    assert len(mail.outbox) == 3 and ready_senders() == 0
    book(client, at(wednesday, 9), email="late@example.org")
    assert ready_senders() == 1


@pytest.mark.django_db
def test_a_run_stops_after_its_time_and_leaves_the_rest_for_the_next(smoke_network, wednesday):
    _notices(_booking(wednesday), 3)
    assert notices_send(now=timezone.now, send=lambda n: None, max_seconds=0) == 1
    assert notices_send(now=timezone.now, send=lambda n: None) == 2


@pytest.mark.django_db
def test_what_a_run_claimed_but_did_not_try_is_given_back_without_counting_a_try(smoke_network, wednesday):
    first, *rest = _notices(_booking(wednesday), 5)
    assert notices_send(now=timezone.now, send=lambda n: None, max_seconds=0) == 1
    assert list(Notice.objects.filter(pk__in=[n.pk for n in rest]).values_list("claimed_at", "attempts")) == \
        [(None, 0)] * 4
    assert Notice.objects.get(pk=first.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_whose_wake_up_was_coalesced_after_the_run_is_sent_by_the_sweep(client, smoke_network, wednesday,
                                                                                 worker_tasks, settings):
    settings.NOTIFY_WAKE_EVERY_SECONDS = 60
    book(client, at(wednesday, 9), email="a@example.org")
    run_worker()
    book(client, at(wednesday, 10), email="b@example.org")  # no wake-up: the last one was a moment ago
    assert ready_senders() == 0 and len(mail.outbox) == 1
    notices_sweep_task.call()
    assert [m.to[0] for m in mail.outbox] == ["a@example.org", "b@example.org"]


@pytest.mark.django_db(transaction=True)
def test_a_lingering_sender_sends_a_message_committed_after_it_found_the_outbox_empty(client, smoke_network,
                                                                                      wednesday, worker_tasks):
    result = {}

    def sender():
        try:
            result["sent"] = notices_send(now=timezone.now, send=lambda notice: mail.outbox.append(notice),
                                          linger_seconds=3)
        finally:
            connection.close()

    thread = threading.Thread(target=sender)
    thread.start()
    time.sleep(0.5)
    book(client, at(wednesday, 9))
    thread.join(timeout=30)
    assert result["sent"] == 2 and [(n.event, n.channel) for n in mail.outbox] == [("confirmed", "email"),
                                                                                   ("confirmed", "sms")]


@pytest.mark.django_db(transaction=True)
def test_two_senders_never_send_one_message_twice(smoke_network, wednesday):
    _notices(_booking(wednesday), 40)
    sent, barrier = [], threading.Barrier(4)

    def sender():
        try:
            barrier.wait()
            notices_send(now=timezone.now, send=lambda notice: sent.append(notice.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(sent) == sorted(Notice.objects.values_list("pk", flat=True))
    assert Notice.objects.filter(sent_at=None).count() == 0


@pytest.mark.django_db
def test_a_failed_send_backs_off_and_after_its_last_try_is_marked_failed(smoke_network, wednesday, settings):
    settings.NOTIFY_RETRY_MINUTES = [1, 5, 15, 60]
    start = timezone.now()
    notice = _notices(_booking(wednesday), 1, now=start)[0]

    def broken(_):
        raise OSError("mail server unreachable")

    assert notices_send(now=lambda: start, send=broken) == 0
    notice.refresh_from_db()
    assert (notice.attempts, notice.claimed_at, notice.sent_at, notice.failed_at) == (1, None, None, None)
    assert notice.next_attempt_at == start + dt.timedelta(minutes=1) and "unreachable" in notice.last_error
    assert notices_send(now=lambda: start + dt.timedelta(seconds=59), send=broken) == 0
    notice.refresh_from_db()
    assert notice.attempts == 1  # not due yet: left alone
    moment = start
    for wait in [1, 5, 15, 60]:
        moment += dt.timedelta(minutes=wait)
        notices_send(now=lambda at=moment: at, send=broken)
    notice.refresh_from_db()
    assert notice.attempts == max_attempts() == 5
    assert notice.failed_at == moment and notice.next_attempt_at is None and notice.sent_at is None
    assert notices_send(now=lambda: moment + dt.timedelta(days=1), send=lambda n: None) == 0  # never tried again


@pytest.mark.django_db
def test_a_failing_message_never_holds_up_the_ones_after_it(smoke_network, wednesday):
    first, second, third = _notices(_booking(wednesday), 3)
    sent = []

    def send(notice):
        if notice.pk == first.pk:
            raise OSError("this one fails")
        sent.append(notice.pk)

    assert notices_send(now=timezone.now, send=send) == 2
    assert sent == [second.pk, third.pk]


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_sender_is_taken_over_after_a_while(smoke_network, wednesday):
    now = timezone.now()
    Notice.objects.create(booking=_booking(wednesday), event="confirmed", created_at=now, next_attempt_at=now,
                          claimed_at=now, attempts=1)
    assert notices_send(now=lambda: now + dt.timedelta(seconds=30), send=lambda n: None) == 0
    assert notices_send(now=lambda: now + claim_timeout() + dt.timedelta(seconds=1), send=lambda n: None) == 1


def _notices(booking, count, now=None) -> list[Notice]:
    now = now or timezone.now()
    return Notice.objects.bulk_create([Notice(booking=booking, event="confirmed", created_at=now, next_attempt_at=now)
                                       for _ in range(count)])


def _booking(day) -> Booking:
    from vuoro.booking.services import Customer, booking_create
    from vuoro.network.state import network_state

    booking = booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                             start_at=at(day, 9), persons=1, language="fi",
                             customer=Customer(name="O", email="o@example.org"), now=timezone.now()).booking
    Notice.objects.all().delete()  # its own confirmation is not what these tests are about
    return booking


@pytest.mark.django_db
def test_the_back_office_shows_what_the_customer_was_told_and_when(client, smoke_network, wednesday):
    from django.contrib.auth.models import User

    booking = _booking(wednesday)
    _notices(booking, 1)
    client.force_login(User.objects.create_superuser("admin", password="x"))
    page = f"/admin/booking/booking/{booking.pk}/change/"
    assert "booking confirmed, e-mail: waiting to be sent" in client.get(page, headers={"Accept-Language": "en"}).text
    notices_send(now=timezone.now, send=lambda n: None)
    assert "varaus vahvistettu, sähköposti: lähetetty" in client.get(page, headers={"Accept-Language": "fi"}).text
