"""Managing a booking without its PIN: the signed link in every message, "I cannot come", and
"Lost your PIN?" on the pages and the API; the session keeps neither key nor PIN in clear."""
import datetime as dt
import json
import re
from urllib.parse import urlencode

import pytest
from django.core import mail

from tests.booking.conftest import at
from tests.booking.test_pages import book, links, sign_in, text
from vuoro.booking.links import manage_token, manage_token_booking
from vuoro.booking.messages import booking_email
from vuoro.booking.models import Booking
from vuoro.booking.recovery import RECOVERY_PER_BOOKING
from vuoro.booking.services import booking_cancel, booking_reschedule
from vuoro.network.state import network_state
from vuoro.notify import sms
from vuoro.notify.models import Notice

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def client_en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def made(smoke_network, wednesday):
    made = book(at(wednesday, 9), email="Person@Example.org")
    Notice.objects.all().delete()  # its confirmation is not what these tests look at
    return made


def link_in(booking: Booking, kind: str = "link") -> str:
    """The path of the manage ("link") or "cannot-come" link in the booking's confirmation e-mail."""
    body = booking_email(booking_id=booking.pk, event="confirmed", now=NOW).body
    return re.search(rf"https?://[^/\s]+(/manage/{kind}/\S+/)", body).group(1)


def free_starts(client, day) -> list[str]:
    answer = client.get(f"/api/v1/availability?service=residence-card&from={day}&to={day}")
    return [slot["start"] for slot in answer.json()["slots"] if slot["free_desks"] == 2]


class TestManageLink:
    def test_opens_the_booking_without_the_pin(self, client_en, made):
        answer = client_en.get(link_in(made.booking))
        assert answer.status_code == 302 and answer.url == "/manage/booking/"
        page = text(client_en.get("/manage/booking/"))
        assert f"Reservation key {made.booking.reservation_key} Status Confirmed" in page

    def test_lets_the_customer_download_move_and_cancel(self, client_en, made, wednesday):
        client_en.get(link_in(made.booking))
        calendar = client_en.post("/manage/calendar/")
        assert calendar.status_code == 200 and b"BEGIN:VCALENDAR" in calendar.content
        confirm = "/manage/move/confirm/?" + urlencode({"point": "smoke-point", "start": at(wednesday, 10).isoformat()})
        assert client_en.post(confirm).url == "/manage/booking/"
        assert Booking.objects.get().start_at == at(wednesday, 10)
        assert "Your booking is moved to the new time." in text(client_en.get("/manage/booking/"))
        assert client_en.post("/manage/cancel/").url == "/manage/booking/"
        assert Booking.objects.get().status == Booking.Status.CANCELLED

    def test_dies_when_the_booking_is_moved(self, client_en, made, wednesday):
        path = link_in(made.booking)
        booking_reschedule(state=network_state(), booking=made.booking, start_at=at(wednesday, 10), point_id=None,
                           now=dt.datetime.now(dt.UTC))
        dead = client_en.get(path)
        assert dead.status_code == 410 and "This link no longer works" in text(dead)
        assert links(dead)["Ask for a new link"] == "/manage/lost-pin/"
        assert links(dead)["Sign in with your reservation key and PIN"] == "/manage/"
        assert client_en.get(link_in(Booking.objects.get())).url == "/manage/booking/"  # the new message's works

    @pytest.mark.parametrize("change", [{"status": "cancelled"}, {"email_key": "else@example.org"},
                                        {"service_point_id": "elsewhere"}, {"rescheduled_count": 5}])
    def test_dies_after_any_change_of_the_booking(self, made, change):
        token = manage_token(made.booking)
        now = made.booking.start_at - dt.timedelta(days=1)
        assert manage_token_booking(token, now=now) == made.booking
        for name, value in change.items():
            setattr(made.booking, name, value)
        assert manage_token(made.booking) != token

    def test_dies_when_the_visit_ends(self, made):
        token = manage_token(made.booking)
        end = made.booking.end_at
        assert manage_token_booking(token, now=end - dt.timedelta(seconds=1)) == made.booking
        assert manage_token_booking(token, now=end) is None

    def test_a_tampered_link_is_refused(self, client_en, made, wednesday):
        other = book(at(wednesday, 10), email="other@example.org").booking
        token = manage_token(made.booking)
        booking_id, signature = token.split(":")
        flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
        for forged in (f"{booking_id}:{flipped}", f"{other.pk}:{signature}", booking_id, "x" * 80, "1:" + "a" * 43,
                       f"{booking_id}:{signature}:{signature}"):
            assert manage_token_booking(forged, now=NOW) is None, forged
            answer = client_en.get(f"/manage/link/{forged}/")
            assert answer.status_code == 410 and "This link no longer works" in text(answer)
        assert client_en.get("/manage/booking/").url == "/manage/"


class TestTheSession:
    def test_keeps_neither_key_nor_pin_in_clear(self, client, smoke_network, wednesday):
        form = {"name": "A", "email": "a@example.org", "phone": "", "persons": "1", "language": "fi"}
        query = {"service": "residence-card", "point": "smoke-point", "start": at(wednesday, 9).isoformat()}
        client.post("/book/details/?" + urlencode(query), form)
        booking = Booking.objects.get()
        done = client.get("/book/done/")
        pin = re.search(r'id="pin">(\d{6})<', done.content.decode()).group(1)
        stored = json.dumps(dict(client.session.items()))
        assert booking.reservation_key not in stored and pin not in stored
        assert sign_in(client, type("Made", (), {"booking": booking, "pin": pin})).url == "/manage/booking/"
        stored = json.dumps(dict(client.session.items()))
        assert booking.reservation_key not in stored and pin not in stored

    def test_a_change_by_other_hands_closes_the_booking_in_the_session(self, client, made, wednesday):
        sign_in(client, made)
        assert client.get("/manage/booking/").status_code == 200
        booking_cancel(booking=made.booking, now=dt.datetime.now(dt.UTC))
        assert client.get("/manage/booking/").url == "/manage/"


class TestCannotCome:
    def test_asks_once_then_cancels_and_frees_the_time_at_once(self, client_en, made, wednesday):
        path = link_in(made.booking, "cannot-come")
        question = client_en.get(path)
        assert question.status_code == 200 and "Cannot come? Cancel the booking" in text(question)
        assert Booking.objects.get().status == Booking.Status.CONFIRMED
        assert at(wednesday, 9).isoformat() not in free_starts(client_en, wednesday)
        answer = client_en.post(path)
        assert answer.url == "/manage/booking/"
        assert Booking.objects.get().status == Booking.Status.CANCELLED
        assert at(wednesday, 9).isoformat() in free_starts(client_en, wednesday)
        page = client_en.get("/manage/booking/")
        assert "Your booking is cancelled." in text(page)
        assert links(page)["Book a new appointment"] == "/book/?service=residence-card"
        assert client_en.get(path).status_code == 410  # the link died with the change

    def test_a_visit_already_started_is_not_cancelled(self, client_en, made):
        now = dt.datetime.now(dt.UTC)
        Booking.objects.filter(pk=made.booking.pk).update(start_at=now - dt.timedelta(minutes=5),
                                                          end_at=now + dt.timedelta(minutes=35))
        path = f"/manage/cannot-come/{manage_token(Booking.objects.get())}/"
        assert "This booking can no longer be cancelled" in text(client_en.get(path))
        assert client_en.post(path).status_code == 409
        assert Booking.objects.get().status == Booking.Status.CONFIRMED


def recover(client, body):
    return client.post("/api/v1/bookings/recover", body, content_type="application/json")


class TestRecoverApi:
    def test_answers_the_same_for_a_known_and_an_unknown_key(self, client, made, django_capture_on_commit_callbacks):
        Booking.objects.update(customer_phone="+358401234567")
        mail.outbox.clear()
        sms.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            known = recover(client, {"reservation_key": made.booking.reservation_key.lower()})
            unknown = recover(client, {"reservation_key": "ZZZZZZZZZZ"})
        assert known.status_code == unknown.status_code == 202
        assert known.json() == unknown.json() == {"status": "sent_if_found"}
        assert [m.to for m in mail.outbox] == [["Person@Example.org"]]  # the booking's own address only
        assert mail.outbox[0].subject.startswith("Linkki ajanvarauksesi hallintaan: ")
        assert "/manage/link/" in mail.outbox[0].body and made.pin not in mail.outbox[0].body
        assert [m.to for m in sms.outbox] == ["+358401234567"] and "/manage/link/" in sms.outbox[0].text

    def test_an_address_gets_a_link_for_each_live_future_booking_and_nobody_else_does(
            self, client, smoke_network, wednesday, django_capture_on_commit_callbacks):
        from vuoro.booking.services import Customer, booking_create

        first = book(at(wednesday, 9), email="Family@Example.org").booking
        state = network_state()
        thursday = wednesday + dt.timedelta(days=1)
        # A second live booking of the same address (another service is not in this network: move the rule aside).
        second = booking_create(state=state, service_code="residence-card", point_id="smoke-point",
                                start_at=at(thursday, 9), persons=1, language="en",
                                customer=Customer(name="B", email="someone@example.org"),
                                now=dt.datetime.now(dt.UTC)).booking
        Booking.objects.filter(pk=second.pk).update(email_key="family@example.org",
                                                    customer_email="family@example.org")
        cancelled = book(at(wednesday, 10), email="x@example.org").booking
        Booking.objects.filter(pk=cancelled.pk).update(email_key="family@example.org")
        booking_cancel(booking=cancelled, now=dt.datetime.now(dt.UTC))
        book(at(wednesday, 10), email="stranger@example.org")
        Notice.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            assert recover(client, {"email": "FAMILY@example.org"}).status_code == 202
        assert sorted(Notice.objects.values_list("booking_id", "event")) == sorted(
            [(first.pk, "recovery"), (second.pk, "recovery")])
        assert sorted(m.to[0] for m in mail.outbox[-2:]) == ["Family@Example.org", "family@example.org"]

    def test_sends_a_booking_at_most_three_links_an_hour(self, client, made):
        for _ in range(RECOVERY_PER_BOOKING + 2):
            assert recover(client, {"reservation_key": made.booking.reservation_key}).status_code == 202
        assert Notice.objects.filter(event="recovery").count() == RECOVERY_PER_BOOKING

    @pytest.mark.parametrize("body", [{}, {"reservation_key": 5}, {"email": "not-an-address"},
                                      {"reservation_key": "ABC"}, {"reservation_key": "A" * 40},
                                      {"reservation_key": "ZZZZZZZZZZ", "email": "a@example.org"},
                                      {"email": "a@example.org\x00"}, [], '"text"'])
    def test_a_malformed_body_is_422_with_fields(self, client, smoke_network, body):
        answer = recover(client, body)
        assert answer.status_code == 422 and answer.json()["error"] and answer.json()["fields"]
        assert Notice.objects.count() == 0

    def test_is_limited_per_client_with_retry_after(self, client, smoke_network, settings):
        settings.RATE_LIMITS = True
        for _ in range(5):
            assert recover(client, {"email": "a@example.org"}).status_code == 202
        limited = recover(client, {"email": "b@example.org"})
        assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1

    def test_is_in_the_openapi_schema(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        operation = schema["paths"]["/api/v1/bookings/recover"]["post"]
        assert {"202", "422", "429"} <= set(operation["responses"])


class TestRecoverPage:
    def test_the_sign_in_page_links_to_it(self, client_en, smoke_network):
        assert links(client_en.get("/manage/"))["Lost your PIN?"] == "/manage/lost-pin/"

    def test_answers_the_same_for_anything_well_formed(self, client_en, made, django_capture_on_commit_callbacks):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            answers = [client_en.post("/manage/lost-pin/", {"who": who}) for who in
                       (made.booking.reservation_key, "ZZZZZZZZZZ", "person@example.ORG", "nobody@example.org")]
        assert {(a.status_code, a.url) for a in answers} == {(302, "/manage/lost-pin/sent/")}
        assert "If we found a booking, we sent a link" in text(client_en.get("/manage/lost-pin/sent/"))
        assert [m.to for m in mail.outbox] == [["Person@Example.org"]] * 2

    def test_input_that_is_neither_key_nor_address_is_explained(self, client_en, smoke_network):
        for who, message in (("", "Enter your reservation key or e-mail address."),
                             ("ABC", "Enter a reservation key of 10 letters and digits, or an e-mail address."),
                             ("a@b", "Enter an e-mail address like name@example.com.")):
            page = client_en.post("/manage/lost-pin/", {"who": who})
            assert page.status_code == 400 and message in text(page)
        assert Notice.objects.count() == 0

    def test_is_limited_per_client_with_a_429_page(self, client_en, smoke_network, settings):
        settings.RATE_LIMITS = True
        for _ in range(5):
            assert client_en.post("/manage/lost-pin/", {"who": "a@example.org"}).status_code == 302
        page = client_en.post("/manage/lost-pin/", {"who": "a@example.org"})
        assert page.status_code == 429 and int(page["Retry-After"]) >= 1


class TestOddInput:
    @pytest.mark.parametrize("token", ["0:" + "A" * 43, "99999999999999999:" + "A" * 43, "1:%00", "%E2%82%AC:x",
                                       "1:" + "A" * 500, "-1:" + "A" * 43])
    def test_a_link_never_answers_a_server_error(self, client, made, token):
        assert client.get(f"/manage/link/{token}/").status_code == 410
        assert client.get(f"/manage/cannot-come/{token}/").status_code == 410
        assert client.post(f"/manage/cannot-come/{token}/").status_code == 410

    @pytest.mark.parametrize("who", ["a\x00@example.org", "ÄÖ" * 200, "IIIIIIIIII\x00", "@", "١٢٣٤٥٦٧٨٩٠"])
    def test_the_lost_pin_page_never_answers_a_server_error(self, client, made, who):
        assert client.post("/manage/lost-pin/", {"who": who}).status_code in (302, 400)


class TestCheckInCode:
    def test_the_manage_page_shows_a_full_qr_code_not_a_micro_qr(self, client, made):
        from urllib.parse import unquote

        client.get(link_in(made.booking))
        page = unquote(client.get("/manage/booking/").content.decode())
        # Version 1 (21 modules) with its 4-module quiet zone at scale 5; a Micro QR would be smaller.
        assert "width='145' height='145' class='segno'" in page
