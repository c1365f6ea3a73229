"""The kiosk in the hall: a button per matter, check-in by key, the kiosk's own language, a ticket
to print or follow on the phone (its live page), and a screen that forgets the last customer."""
import datetime as dt
import re
from html import unescape

import pytest
from django.conf import settings
from django.core import signing
from django.http import HttpResponse

from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Desk
from vuoro.network.state import network_state
from vuoro.walkin.kiosk_views import KIOSK_RESET_SECONDS, LIVE_TICKET_REFRESH_SECONDS
from vuoro.walkin.kiosks import kiosk_cookie_set, kiosk_device_register, ticket_of_token, ticket_token
from vuoro.walkin.models import Ticket
from vuoro.walkin.services import call_next, ticket_issue, visit_act

pytestmark = pytest.mark.django_db


def page(answer) -> str:
    return unescape(answer.content.decode())


def take(client, lang="en", **data):
    return client.post("/kiosk/malmi/ticket/", {"service": "", "phone": "", "lang": lang, **data})


def live_path(answer) -> str:
    return re.search(r'href="(/ticket/[^"/]+/)"', answer.content.decode()).group(1)


def book(now, minutes_ahead=15, point="malmi"):
    return booking_create(state=network_state(), service_code="extended-permit", point_id=point,
                          start_at=now + dt.timedelta(minutes=minutes_ahead), persons=1, language="en",
                          customer=Customer(name="A", email="a@example.org"), now=now - dt.timedelta(days=1)).booking


class TestTheStartScreen:
    def test_offers_one_large_button_per_matter_and_no_drop_down(self, client, walkin_network, ten_oclock):
        start = page(client.get("/kiosk/malmi/?lang=en"))
        assert "<select" not in start
        buttons = re.findall(r'<button type="submit" name="service" value="([^"]*)"', start)
        assert buttons == ["extended-permit", "citizenship", ""]

    @pytest.mark.parametrize(("language", "heading"), [
        ("fi", "Ota jonotusnumero"), ("sv", "Ta ett könummer"), ("en", "Take a queue number")])
    def test_speaks_the_language_chosen_on_it_and_keeps_no_cookie(self, client, walkin_network, ten_oclock,
                                                                   language, heading):
        answer = client.get(f"/kiosk/malmi/?lang={language}", headers={"accept-language": "fi"})
        assert f'<html lang="{language}">' in page(answer) and heading in page(answer)
        assert settings.LANGUAGE_COOKIE_NAME not in answer.cookies
        assert f'<input type="hidden" name="lang" value="{language}">' in page(answer)  # the forms keep it

    def test_nothing_is_kept_by_the_browser(self, client, walkin_network, ten_oclock):
        assert client.get("/kiosk/malmi/")["Cache-Control"] == "no-store"
        assert take(client)["Cache-Control"] == "no-store"  # the back button shows nobody's number

    def test_only_a_registered_kiosk_of_the_point_may_use_a_camera(self, client, walkin_network, ten_oclock):
        assert "camera=()" in client.get("/kiosk/malmi/")["Permissions-Policy"]
        response = HttpResponse()
        kiosk_cookie_set(response, kiosk_device_register(point_id="malmi", name="Hall", actor=None, now=ten_oclock))
        client.cookies.update(response.cookies)
        policy = client.get("/kiosk/malmi/")["Permissions-Policy"]
        assert "camera=(self)" in policy and "microphone=()" in policy and "geolocation=()" in policy
        assert "camera=()" in client.get("/kiosk/oulu/")["Permissions-Policy"]


class TestTakingANumber:
    def test_a_button_takes_a_number_for_its_matter_in_the_kiosks_language(self, client, walkin_network,
                                                                           ten_oclock):
        answer = take(client, lang="sv", service="citizenship")
        assert answer.status_code == 200
        ticket = Ticket.objects.get()
        assert (ticket.label, ticket.service.code, ticket.language) == ("A-001", "citizenship", "sv")
        text = page(answer)
        assert "A-001" in text and "Medborgarskap" in text or "citizenship" in text.lower()
        assert 'class="qr"' in text and "data:image/svg+xml" in text  # the live page's QR code
        assert ticket_of_token(live_path(answer).split("/")[2]) == ticket

    def test_a_bad_phone_number_gets_our_own_words_and_stays_typed(self, client, walkin_network, ten_oclock):
        for typed in ("12345", "call me", "0" * 40):
            answer = take(client, lang="fi", phone=typed)
            assert answer.status_code == 422 and not Ticket.objects.exists()
            text = page(answer)
            assert "Kirjoita puhelinnumero numeroin" in text and "Enter a valid value" not in text
            assert f'value="{typed}"' in text and 'aria-invalid="true"' in text

    def test_a_matter_not_handled_here_is_refused_in_words(self, client, walkin_network, ten_oclock):
        answer = take(client, service="no-such-matter")
        assert answer.status_code == 422 and "This matter is not handled here" in page(answer)
        assert "valid choice" not in page(answer)

    @pytest.mark.parametrize(("language", "words"), [
        ("fi", "Varaa aika"), ("sv", "Boka tid"), ("en", "Book an appointment")])
    def test_when_the_quota_is_full_it_says_to_book_a_time_with_a_link(self, client, walkin_network, ten_oclock,
                                                                       language, words):
        for _ in range(5):
            assert take(client).status_code == 200
        refused = take(client, lang=language)
        assert refused.status_code == 409 and words in page(refused)
        assert 'href="/book/"' in page(refused) and "http://testserver/book/" not in page(refused)
        assert "data:image/svg+xml" in page(refused)  # and a QR code to book on the phone
        start = page(client.get(f"/kiosk/malmi/?lang={language}"))
        assert words in start and 'name="service"' not in start


class TestCheckingIn:
    @pytest.mark.parametrize(("language", "words"), [
        ("fi", "Tällä varaustunnuksella ei löytynyt varausta"),
        ("sv", "Vi hittade ingen bokning med den här bokningskoden"),
        ("en", "We found no booking with this reservation key")])
    def test_a_wrong_key_stays_typed_with_what_is_wrong(self, client, walkin_network, ten_oclock, language, words):
        book(ten_oclock)
        answer = client.post("/kiosk/malmi/check-in/", {"reservation_key": "abcd-1234-xy", "lang": language})
        assert answer.status_code == 409
        text = page(answer)
        assert words in text and 'value="abcd-1234-xy"' in text and 'aria-invalid="true"' in text

    def test_a_key_of_the_wrong_form_says_how_a_key_looks(self, client, walkin_network, ten_oclock):
        answer = client.post("/kiosk/malmi/check-in/", {"reservation_key": "12", "lang": "en"})
        assert answer.status_code == 422 and "A reservation key has 10 letters and digits" in page(answer)
        assert 'value="12"' in page(answer)

    def test_the_right_key_checks_in_and_the_screen_goes_back_by_itself(self, client, walkin_network, ten_oclock):
        booking = book(ten_oclock)
        answer = client.post("/kiosk/malmi/check-in/",
                             {"reservation_key": booking.reservation_key.lower(), "lang": "en"})
        assert answer.status_code == 200 and "You are checked in" in page(answer)
        assert (f'<noscript><meta http-equiv="refresh" content="{KIOSK_RESET_SECONDS};url=/kiosk/malmi/">'
                in page(answer))
        booking.refresh_from_db()
        assert booking.status == "checked_in"


class TestIdleReset:
    def test_every_screen_after_the_start_goes_back_to_a_clean_start(self, client, walkin_network, ten_oclock):
        screens = [take(client, lang="sv", phone="040 123 4567"),  # the ticket
                   take(client, lang="sv", phone="040 123 4567"),  # refused: the phone has a number
                   take(client, lang="sv", phone="12345")]  # the form with an error
        for screen in screens:
            assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+;url=/kiosk/malmi/"></noscript>',
                             page(screen))
            assert 'data-reset-seconds="' in page(screen)  # kiosk.js counts from the last touch
        # Where it goes: the start, without the last customer's language or typing.
        clean = page(client.get("/kiosk/malmi/", headers={"accept-language": "fi"}))
        assert '<html lang="fi">' in clean and "040 123 4567" not in clean and "12345" not in clean

    def test_the_start_screen_itself_does_not_reload_under_a_customers_hands(self, client, walkin_network,
                                                                           ten_oclock):
        assert 'http-equiv="refresh"' not in page(client.get("/kiosk/malmi/"))


class TestTheLiveTicketPage:
    def issue(self, now, **kwargs):
        return ticket_issue(state=network_state(), point_id="malmi", service_code="citizenship", language="en",
                            now=now, **kwargs).ticket

    def test_a_token_cannot_be_forged(self, client, walkin_network, ten_oclock):
        mine, other = self.issue(ten_oclock), self.issue(ten_oclock)
        token = ticket_token(mine)
        value, signature = token.split(":")
        assert client.get(f"/ticket/{token}/").status_code == 200
        forged = [f"{signing.b62_encode(other.pk)}:{signature}",  # another number, my signature
                  f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # a changed signature
                  signing.Signer(salt="vuoro.walkin.kiosk-device").sign(signing.b62_encode(other.pk)),  # another salt
                  signing.Signer(salt="vuoro.walkin.live-ticket", key="not-our-key").sign(value),  # another key
                  str(mine.pk), value, "x", "%00", "::"]
        for token in forged:
            assert client.get(f"/ticket/{token}/").status_code == 404, token
        assert ticket_of_token(ticket_token(other)) == other

    def test_shows_the_right_place_and_updates_until_called(self, client, walkin_network, ten_oclock):
        first, second, third = (self.issue(ten_oclock, phone=f"+35840123456{n}") for n in range(3))
        path = f"/ticket/{ticket_token(third)}/"
        answer = client.get(path)
        text = page(answer)
        assert answer["Cache-Control"] == "no-store" and "A-003" in text
        assert re.search(r"Your place in line</dt><dd[^>]*>3<", text)
        assert f'<noscript><meta http-equiv="refresh" content="{LIVE_TICKET_REFRESH_SECONDS}"></noscript>' in text
        assert f'data-refresh-seconds="{LIVE_TICKET_REFRESH_SECONDS}"' in text  # kiosk.js asks again
        assert "+35840" not in text and "0401234562" not in text  # no personal data
        state = network_state()
        desk = Desk.objects.get(service_point_id="malmi", kind="walk_in", number=2)
        assert call_next(desk=desk, now=ten_oclock, state=state).label == "A-001"
        assert re.search(r"Your place in line</dt><dd[^>]*>2<", page(client.get(path)))
        call_next(desk=desk, now=ten_oclock, state=state)
        call_next(desk=desk, now=ten_oclock, state=state)
        called = page(client.get(path))
        assert "It is your turn: go to desk 3 now." in called and 'http-equiv="refresh"' in called

    @pytest.mark.parametrize(("language", "words"), [
        ("fi", "Numerosi kutsuttiin, mutta et tullut pisteelle"),
        ("sv", "Ditt nummer ropades upp, men du kom inte till luckan"),
        ("en", "Your number was called, but you did not come to the desk")])
    def test_says_what_to_do_when_turned_away_in_the_tickets_language(self, client, walkin_network, ten_oclock,
                                                                       language, words):
        ticket = ticket_issue(state=network_state(), point_id="malmi", service_code=None, language=language,
                              now=ten_oclock).ticket
        desk = Desk.objects.get(service_point_id="malmi", kind="walk_in", number=1)
        call_next(desk=desk, now=ten_oclock, state=network_state())
        visit_act(kind="ticket", visit_id=ticket.pk, desk=desk, action="no_show", now=ten_oclock)
        text = page(client.get(f"/ticket/{ticket_token(ticket)}/"))
        assert f'<html lang="{language}">' in text and words in text
        assert 'href="/book/"' in text and 'http-equiv="refresh"' not in text  # nothing more will change

    def test_a_number_of_another_day_says_so(self, client, walkin_network, ten_oclock):
        ticket = self.issue(ten_oclock - dt.timedelta(days=1))
        text = page(client.get(f"/ticket/{ticket_token(ticket)}/?lang=en"))
        assert "This queue number was for another day." in text and 'http-equiv="refresh"' not in text
