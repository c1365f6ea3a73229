"""The "your turn is near" text goes through the outbox: queued with the call that moved the queue,
sent by the sender like a booking's messages, retried, failed for staff to see, skipped when late."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from tests.notify.test_delivery import gateway  # noqa: F401 - a real HTTP gateway on loopback
from tests.walkin.conftest import local
from tests.walkin.test_console import desk, issue, next_monday
from vuoro.network.models import ServicePoint, StaffAssignment
from vuoro.network.roles import MANAGER
from vuoro.network.state import network_state
from vuoro.notify import sms
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_subject_queue, notices_send
from vuoro.notify.tasks import notice_deliver
from vuoro.walkin.models import Ticket
from vuoro.walkin.services import call_next

pytestmark = pytest.mark.django_db
PHONE = "+358409999999"


def waiting_line(day) -> Ticket:
    """Four kiosk numbers and then an online one with a phone: A-005, texted when A-001 is called."""
    for minute in range(4):
        issue(local(day, 8, minute))
    return issue(local(day, 8, 5), phone=PHONE, channel="online")


def call(day, hour, minute):
    return call_next(desk=desk(), now=local(day, hour, minute), state=network_state())


def send_at(moment: dt.datetime) -> int:
    return notices_send(now=lambda: moment, send=notice_deliver)


def text_of(ticket: Ticket) -> Notice:
    return Notice.objects.get(subject_kind="ticket", subject_id=ticket.pk)


class TestQueuedWithTheCall:
    def test_the_call_that_leaves_three_ahead_queues_one_text_in_its_own_transaction(self, office_network):
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        notice = text_of(online)
        assert (notice.channel, notice.event, notice.booking_id, notice.service_point_id) == (
            "sms", "turn_near", None, "malmi")
        assert notice.subject_label == f"A-005 {day:%Y-%m-%d}"
        assert notice.next_attempt_at == local(day, 8, 10)
        assert notice.expires_at == local(day, 8, 25)
        call(day, 8, 11)
        assert Notice.objects.filter(subject_kind="ticket").count() == 1  # once only

    def test_a_call_that_rolls_back_leaves_no_text(self, office_network):
        day = next_monday()
        online = waiting_line(day)
        with pytest.raises(RuntimeError), transaction.atomic():
            call(day, 8, 10)
            raise RuntimeError("the clerk's request failed after the call")
        assert not Notice.objects.exists()
        online.refresh_from_db()
        assert online.notified_at is None
        call(day, 8, 12)
        assert text_of(online).created_at == local(day, 8, 12)

    def test_a_kiosk_number_without_a_phone_gets_no_text(self, office_network):
        day = next_monday()
        for minute in range(3):
            issue(local(day, 8, minute))
        call(day, 8, 10)
        assert not Notice.objects.exists()

    def test_a_notice_is_about_a_booking_or_another_subject_never_neither(self, office_network):
        with pytest.raises(IntegrityError), transaction.atomic():
            Notice.objects.create(event="turn_near", channel="sms", created_at=timezone.now())
        with pytest.raises(IntegrityError), transaction.atomic():
            Notice.objects.create(subject_kind="ticket", subject_id=1, event="turn_near", channel="sms",
                                  created_at=timezone.now())  # no point: staff could not see it

    def test_a_kind_of_subject_no_app_renders_is_refused_at_once(self, office_network):
        with pytest.raises(LookupError):
            notice_subject_queue(kind="parcel", subject_id=1, point_id="malmi", label="x", event="turn_near",
                                 channels=("sms",), now=timezone.now())


class TestSent:
    def test_through_the_memory_backend_in_the_ticket_holders_language(self, office_network):
        day = next_monday()
        online = waiting_line(day)
        Ticket.objects.filter(pk=online.pk).update(language="sv")
        call(day, 8, 10)
        assert send_at(local(day, 8, 10)) == 1
        [message] = sms.outbox
        assert message.to == PHONE and "A-005" in message.text and message.text.startswith("Din tur")
        notice = text_of(online)
        assert notice.sent_at == local(day, 8, 10) and notice.attempts == 1

    def test_through_the_http_gateway_in_plain_text(self, office_network, gateway):  # noqa: F811
        tricky = 'Malmi & <Itä> "O\'Neil"'
        ServicePoint.objects.filter(pk="malmi").update(name_fi=tricky, name_sv=tricky, name_en=tricky)
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        send_at(local(day, 8, 10))
        [(body, authorization)] = gateway.received
        assert authorization == "Bearer secret-token" and body["to"] == PHONE
        assert "A-005" in body["text"] and tricky in body["text"]
        assert text_of(online).sent_at is not None

    def test_a_booking_and_a_ticket_text_go_out_in_one_run(self, office_network):
        from tests.walkin.test_console import book

        day = next_monday()
        booking = book(day, 10)
        online = waiting_line(day)
        call(day, 8, 10)
        assert send_at(local(day, 8, 10)) == 3  # the booking's e-mail and text, the ticket's text
        assert sorted(m.to for m in sms.outbox) == sorted([booking.customer_phone, PHONE])
        assert text_of(online).sent_at is not None


class TestRetriedAndFailed:
    def test_a_gateway_error_is_tried_again_after_the_same_backoff(self, office_network, gateway):  # noqa: F811
        gateway.answers.append(503)
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        send_at(local(day, 8, 10))
        notice = text_of(online)
        assert notice.sent_at is None and notice.failed_at is None and "503" in notice.last_error
        assert notice.next_attempt_at == local(day, 8, 11)  # VUORO_RETRY_MINUTES: 1, 5, 15, 60
        assert send_at(local(day, 8, 10)) == 0  # not due yet
        assert send_at(local(day, 8, 11)) == 1
        notice.refresh_from_db()
        assert notice.sent_at == local(day, 8, 11) and notice.attempts == 2 and notice.last_error == ""
        assert len(gateway.received) == 2

    def test_it_is_failed_after_its_last_try_before_it_is_too_late(self, office_network, gateway):  # noqa: F811
        gateway.answers.extend([503] * 5)
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        for minute in (10, 11, 16):  # tries at once, after 1 and after 5 more; the next would be at 8:31
            send_at(local(day, 8, minute))
        notice = text_of(online)
        assert notice.failed_at == local(day, 8, 16) and notice.attempts == 3 and "503" in notice.last_error
        assert notice.next_attempt_at is None
        assert send_at(local(day, 9, 0)) == 0 and len(gateway.received) == 3

    @override_settings(NOTIFY_RETRY_MINUTES=[1, 2])
    def test_it_is_failed_after_the_last_of_all_its_tries(self, office_network, gateway):  # noqa: F811
        gateway.answers.extend([503] * 5)
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        for minute in (10, 11, 13):
            send_at(local(day, 8, minute))
        notice = text_of(online)
        assert notice.failed_at == local(day, 8, 13) and notice.attempts == 3

    def test_a_refused_number_fails_at_once(self, office_network, gateway):  # noqa: F811
        gateway.answers.append(400)
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        send_at(local(day, 8, 10))
        notice = text_of(online)
        assert notice.failed_at is not None and notice.attempts == 1 and "bad number" in notice.last_error

    def test_staff_see_the_failed_text_in_the_list_of_their_own_points_only(self, client, office_network,
                                                                            gateway):  # noqa: F811
        gateway.answers.append(400)
        day = next_monday()
        waiting_line(day)
        call(day, 8, 10)
        send_at(local(day, 8, 10))
        client.force_login(User.objects.create_superuser("admin", password="x"))
        listing = client.get("/admin/notify/notice/?state=failed", headers={"Accept-Language": "fi"}).text
        assert "A-005" in listing and "EPÄONNISTUI" in listing and "vuorosi lähestyy" in listing
        assert "A-005" not in client.get("/admin/notify/notice/?state=sent").text
        notice = Notice.objects.get()
        assert client.get(f"/admin/notify/notice/{notice.pk}/change/").status_code == 200
        managers = {}
        for name, point in (("own", "malmi"), ("other", None)):
            managers[name] = User.objects.create_user(name, password="x", is_staff=True)
            managers[name].groups.add(Group.objects.get(name=MANAGER))
            if point:
                StaffAssignment.objects.create(user=managers[name], service_point_id=point)
        client.force_login(managers["own"])
        assert "A-005" in client.get("/admin/notify/notice/?state=failed").text
        assert client.get(f"/admin/notify/notice/{notice.pk}/change/").status_code == 200
        client.force_login(managers["other"])
        page = client.get("/admin/notify/notice/?state=failed")
        assert page.status_code == 200 and "A-005" not in page.text
        assert client.get(f"/admin/notify/notice/{notice.pk}/change/").status_code in (302, 403, 404)


class TestSkippedWhenTooLate:
    def test_when_the_ticket_was_called_before_the_text_went(self, office_network):
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        for minute in range(11, 15):  # the other desk keeps calling
            call(day, 8, minute)
        online.refresh_from_db()
        assert online.status == "called"
        assert send_at(local(day, 8, 15)) == 0
        notice = text_of(online)
        assert notice.skipped_at == local(day, 8, 15) and "called" in notice.last_error and sms.outbox == []

    def test_when_it_is_older_than_fifteen_minutes(self, office_network):
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        assert send_at(local(day, 8, 25)) == 0
        notice = text_of(online)
        assert notice.skipped_at == local(day, 8, 25) and "too late" in notice.last_error and sms.outbox == []

    def test_a_text_that_failed_and_then_ran_out_of_time_is_failed_not_skipped(self, office_network,
                                                                             gateway):  # noqa: F811
        gateway.answers.append(503)
        day = next_monday()
        online = waiting_line(day)
        call(day, 8, 10)
        send_at(local(day, 8, 10))
        assert send_at(local(day, 8, 40)) == 0  # the worker was down from 8:10 to 8:40
        notice = text_of(online)
        assert notice.failed_at == local(day, 8, 40) and "503" in notice.last_error and "too late" in notice.last_error
        assert len(gateway.received) == 1


class TestTasksQueuedBeforeTheOutbox:
    def test_a_ticket_notify_task_left_from_before_queues_the_text_while_the_ticket_waits(self, office_network):
        from vuoro.walkin.tasks import ticket_notify

        day = next_monday()
        online = waiting_line(day)
        called = issue(local(day, 8, 6), phone="+358408888888", channel="online")
        Ticket.objects.filter(pk=called.pk).update(status="called")
        ticket_notify.call(online.pk)
        ticket_notify.call(called.pk)
        notice = Notice.objects.get()
        assert (notice.subject_id, notice.channel, notice.event) == (online.pk, "sms", "turn_near")
