"""Delivery that cannot jam: each channel on its own, through a real SMTP server and a real HTTP
gateway; bad addresses fail at once, stalls time out, and nothing holds up the messages after it."""
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.booking.conftest import at
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_cancel, booking_create
from vuoro.network.models import ServicePoint
from vuoro.network.state import network_state
from vuoro.notify import sms
from vuoro.notify.models import Notice
from vuoro.notify.services import notice_queue, notices_send
from vuoro.notify.tasks import notice_deliver

SLOTS = [(9, 0), (9, 0), (9, 40), (9, 40), (10, 20), (10, 20)]  # two desks, three visits each on the smoke day


def make_booking(day, n: int, *, email: str, phone: str = "", name: str = "Test Person") -> Booking:
    hour, minute = SLOTS[n]
    return booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                          start_at=at(day, hour, minute), persons=1, language="en",
                          customer=Customer(name=name, email=email, phone=phone), now=timezone.now()).booking


def send_all() -> int:
    return notices_send(now=timezone.now, send=notice_deliver)


def outcome(booking: Booking, channel: str = "email") -> Notice:
    return Notice.objects.get(booking=booking, channel=channel, event="confirmed")


pytestmark = pytest.mark.django_db


class TestEmailThroughARealSmtpServer:
    def test_a_confirmation_arrives_with_its_calendar_file(self, smoke_network, wednesday, smtp_server):
        booking = make_booking(wednesday, 0, email="anna@example.org")
        assert send_all() == 1
        [message] = smtp_server.messages
        assert message["X-Envelope-To"] == "anna@example.org"
        assert booking.reservation_key in message.as_string()
        assert any(part.get_content_type() == "text/calendar" for part in message.walk())
        assert outcome(booking).sent_at is not None

    def test_an_address_the_mailer_cannot_write_fails_at_once_and_the_next_is_sent(self, smoke_network, wednesday,
                                                                                   smtp_server):
        bad = make_booking(wednesday, 0, email="victim,x@evil.com")
        worse = make_booking(wednesday, 1, email="a..b@x.co")
        make_booking(wednesday, 2, email="good@example.org")
        assert send_all() == 1
        assert smtp_server.recipients() == ["good@example.org"]
        for booking in (bad, worse):
            notice = outcome(booking)
            assert notice.failed_at is not None and notice.attempts == 1 and notice.next_attempt_at is None
            assert "address" in notice.last_error

    def test_a_recipient_the_server_refuses_fails_at_once_without_retries(self, smoke_network, wednesday,
                                                                          smtp_server):
        smtp_server.refuse.add("nobody@example.org")
        refused = make_booking(wednesday, 0, email="nobody@example.org")
        make_booking(wednesday, 1, email="somebody@example.org")
        assert send_all() == 1
        notice = outcome(refused)
        assert (notice.attempts, notice.sent_at, notice.next_attempt_at) == (1, None, None)
        assert notice.failed_at is not None and "550" in notice.last_error
        assert smtp_server.recipients() == ["somebody@example.org"]

    def test_a_stalled_server_times_out_and_is_tried_again_later_while_the_rest_go(self, settings, smoke_network,
                                                                                   wednesday, smtp_server):
        smtp_server.use(settings, timeout=1.0)  # the stall (5 s) outlasts it
        smtp_server.stall.add("slow@example.org")
        slow = make_booking(wednesday, 0, email="slow@example.org")
        make_booking(wednesday, 1, email="fast@example.org")
        assert send_all() == 1
        notice = outcome(slow)
        assert notice.failed_at is None and notice.sent_at is None and notice.attempts == 1
        assert notice.next_attempt_at > timezone.now()  # backs off: tried again in a minute
        assert "fast@example.org" in smtp_server.recipients()


class TestEachChannelIsDeliveredOnItsOwn:
    def test_a_failing_text_never_sends_the_email_again(self, smoke_network, wednesday, smtp_server, settings):
        settings.SMS_BACKEND = "tests.notify.test_delivery.BrokenSms"
        booking = make_booking(wednesday, 0, email="two@example.org", phone="+358401234567")
        assert send_all() == 1
        text = outcome(booking, "sms")
        assert text.sent_at is None and text.attempts == 1 and "gateway down" in text.last_error
        settings.SMS_BACKEND = "vuoro.notify.sms.LocmemBackend"
        later = timezone.now() + dt.timedelta(minutes=2)
        assert notices_send(now=lambda: later, send=notice_deliver) == 1
        assert len(smtp_server.messages) == 1 and [m.to for m in sms.outbox] == ["+358401234567"]
        assert outcome(booking, "email").attempts == 1 and outcome(booking, "sms").sent_at == later

    def test_a_booking_without_a_phone_gets_no_text_row(self, smoke_network, wednesday):
        booking = make_booking(wednesday, 0, email="nophone@example.org")
        assert list(booking.notices.values_list("channel", flat=True)) == ["email"]

    def test_a_message_for_a_booking_that_moved_on_is_skipped(self, smoke_network, wednesday, smtp_server):
        booking = make_booking(wednesday, 0, email="gone@example.org")
        booking_cancel(booking=booking, now=timezone.now())
        send_all()
        assert outcome(booking).skipped_at is not None and "cancelled" in outcome(booking).last_error
        [message] = smtp_server.messages
        assert message["Subject"].startswith("Your appointment was cancelled")


class BrokenSms(sms.BaseBackend):
    def send(self, message):
        raise OSError("gateway down")


class Gateway(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict, str]] = []
    stall = threading.Event()
    release = threading.Event()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Gateway.received.append((body, self.headers["Authorization"]))
        if Gateway.stall.is_set():
            Gateway.release.wait(30)  # keeps the request open past the client's timeout, however slow the machine
        status = Gateway.answers.pop(0) if Gateway.answers else 202
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "bad number"}' if status >= 400 else b'{"id": "1"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.answers, Gateway.received = [], []
    Gateway.stall.clear()
    Gateway.release.clear()
    settings.SMS_BACKEND = "vuoro.notify.sms.HttpGatewayBackend"
    settings.SMS_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.SMS_TOKEN = "secret-token"
    settings.SMS_TIMEOUT = 10.0  # a gateway that answers is never taken for a stalled one on a slow machine
    yield Gateway
    Gateway.release.set()
    server.shutdown()
    server.server_close()


class TestTheSmsGateway:
    def test_a_text_is_posted_as_json_with_the_token_and_in_plain_text(self, smoke_network, wednesday, gateway,
                                                                       smtp_server):
        tricky = 'Malmi & <Itä> "O\'Neil"'
        ServicePoint.objects.filter(pk="smoke-point").update(name_fi=tricky, name_sv=tricky, name_en=tricky)
        booking = make_booking(wednesday, 0, email="t@example.org", phone="+358401234567")
        send_all()
        [(body, authorization)] = gateway.received
        assert authorization == "Bearer secret-token" and body["to"] == "+358401234567"
        assert booking.reservation_key in body["text"]
        assert tricky in body["text"]  # plain text: never HTML-escaped
        assert outcome(booking, "sms").sent_at is not None

    def test_a_refused_number_fails_at_once(self, smoke_network, wednesday, gateway, smtp_server):
        gateway.answers.append(400)
        booking = make_booking(wednesday, 0, email="t@example.org", phone="+358401234567")
        send_all()
        text = outcome(booking, "sms")
        assert text.failed_at is not None and text.attempts == 1 and "bad number" in text.last_error

    def test_a_gateway_error_or_stall_is_tried_again(self, settings, smoke_network, wednesday, gateway, smtp_server):
        settings.SMS_TIMEOUT = 1.0
        gateway.answers.append(503)
        first = make_booking(wednesday, 0, email="t1@example.org", phone="+358401234567")
        send_all()
        gateway.stall.set()
        second = make_booking(wednesday, 1, email="t2@example.org", phone="+358401234568")
        send_all()
        for booking in (first, second):
            text = outcome(booking, "sms")
            assert text.failed_at is None and text.sent_at is None and text.next_attempt_at is not None


class TestStaffSeeFailedMessages:
    @pytest.mark.parametrize("language, heading, word", [("en", "FAILED", "text message"),
                                                         ("fi", "EPÄONNISTUI", "tekstiviesti"),
                                                         ("sv", "MISSLYCKADES", "sms")])
    def test_on_the_booking_and_in_the_list_of_failed_messages(self, client, smoke_network, wednesday, gateway,
                                                               smtp_server, language, heading, word):
        gateway.answers.append(400)
        booking = make_booking(wednesday, 0, email="t@example.org", phone="+358401234567")
        sent_fine = make_booking(wednesday, 1, email="fine@example.org")
        send_all()
        client.force_login(User.objects.create_superuser("admin", password="x"))
        headers = {"Accept-Language": language}
        page = client.get(f"/admin/booking/booking/{booking.pk}/change/", headers=headers).text
        assert heading in page and word in page
        listing = client.get("/admin/notify/notice/?state=failed", headers=headers).text
        assert booking.reservation_key in listing and sent_fine.reservation_key not in listing


def test_notice_queue_still_takes_the_old_call(smoke_network, wednesday):
    booking = make_booking(wednesday, 0, email="q@example.org", phone="+358401234567")
    notice_queue(booking_id=booking.pk, event="recovery", now=timezone.now())
    assert sorted(booking.notices.filter(event="recovery").values_list("channel", flat=True)) == ["email", "sms"]


def test_a_manager_sees_the_failed_messages_of_own_points_only(client, smoke_network, wednesday, gateway,
                                                              smtp_server):
    from django.contrib.auth.models import Group

    from vuoro.network.models import StaffAssignment
    from vuoro.network.roles import MANAGER

    gateway.answers.append(400)
    booking = make_booking(wednesday, 0, email="t@example.org", phone="+358401234567")
    send_all()
    managers = {}
    for name, point in (("own", "smoke-point"), ("other", None)):
        managers[name] = User.objects.create_user(name, password="x", is_staff=True)
        managers[name].groups.add(Group.objects.get(name=MANAGER))
        if point:
            StaffAssignment.objects.create(user=managers[name], service_point_id=point)
    client.force_login(managers["own"])
    assert booking.reservation_key in client.get("/admin/notify/notice/?state=failed").text
    client.force_login(managers["other"])
    page = client.get("/admin/notify/notice/?state=failed")
    assert page.status_code == 200 and booking.reservation_key not in page.text
