"""The display board in the hall: the latest calls with the newest first and highlighted, labels
anyone can read (with a legend), an optional chime, in fi/sv/en."""
import datetime as dt
import re
from html import unescape

import pytest

from tests.walkin.test_kiosk_pages import book
from vuoro.network.models import Desk
from vuoro.network.state import network_state
from vuoro.walkin.services import booking_check_in, call_next, ticket_issue, visit_act

pytestmark = pytest.mark.django_db


def board(client, query="lang=en"):
    return unescape(client.get(f"/board/malmi/?{query}").content.decode())


def newest(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r'<p class="newest">(.*?)</p>', html, re.S)
                                         .group(1))).strip()


def earlier(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r'<td class="num">(.*?)</td>', html, re.S)]


def call(now, number=1, kind="walk_in"):
    desk = Desk.objects.get(service_point_id="malmi", kind=kind, number=number)
    return call_next(desk=desk, now=now, state=network_state())


class TestTheLatestCalls:
    def test_lists_five_calls_newest_first_and_highlighted(self, client, walkin_network, ten_oclock):
        booking = book(ten_oclock)
        booking_check_in(state=network_state(), reservation_key=booking.reservation_key, point_id="malmi",
                         now=ten_oclock)
        for minute in range(5):
            ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi",
                         now=ten_oclock + dt.timedelta(minutes=minute))
        assert call(ten_oclock + dt.timedelta(minutes=10), kind="appointment").kind == "booking"
        called = [call(ten_oclock + dt.timedelta(minutes=11 + minute), number=1 + minute % 2) for minute in range(5)]
        # Six calls, a served and an absent one among them: the five latest show, the newest first.
        desk = Desk.objects.get(service_point_id="malmi", kind="walk_in", number=1)
        visit_act(kind="ticket", visit_id=called[0].id, desk=desk, action="no_show", now=ten_oclock)
        visit_act(kind="ticket", visit_id=called[2].id, desk=desk, action="finish", outcome="referred_elsewhere",
                  now=ten_oclock)
        html = board(client)
        assert newest(html) == "Now calling A-005 Desk 2"  # walk-in desk 1 after the one appointment desk
        assert earlier(html) == ["A-004", "A-003", "A-002", "A-001"]
        assert "Appointment" not in html.split("How to read")[0]  # the oldest call is off the list
        assert 'class="newest"' in html and "<select" not in html

    def test_says_so_when_nobody_has_been_called(self, client, walkin_network, ten_oclock):
        assert "Nobody has been called yet today." in board(client)

    @pytest.mark.parametrize(("language", "label", "legend"), [
        ("fi", "Ajanvaraus 10:15 (…", "Näin luet tätä näyttöä"),
        ("sv", "Bokad tid 10:15 (…", "Så läser du skärmen"),
        ("en", "Appointment 10:15 (…", "How to read this screen")])
    def test_an_appointment_reads_as_one_with_a_legend(self, client, walkin_network, ten_oclock, language, label,
                                                       legend):
        booking = book(ten_oclock)
        booking_check_in(state=network_state(), reservation_key=booking.reservation_key, point_id="malmi",
                         now=ten_oclock)
        called = call(ten_oclock + dt.timedelta(minutes=12), kind="appointment")
        html = board(client, f"lang={language}")
        assert f"{label}{booking.reservation_key[-3:]})" in newest(html)
        assert "·" not in html and called.kind == "booking"
        assert legend in html and "0MQ" in html  # the legend's example


class TestTheChime:
    def test_is_off_unless_asked_for_and_may_play_on_this_screen(self, client, walkin_network, ten_oclock):
        assert 'data-chime="off"' in board(client)
        assert 'data-chime="on"' in board(client, "chime=1")
        answer = client.get("/board/malmi/")
        assert "autoplay=(self)" in answer["Permissions-Policy"] and "camera=()" in answer["Permissions-Policy"]

    def test_the_partial_names_the_newest_call_for_the_chime(self, client, walkin_network, ten_oclock):
        ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi", now=ten_oclock)
        before = re.search(r'data-newest="([^"]*)"', board(client, "partial=1")).group(1)
        call(ten_oclock)
        after = re.search(r'data-newest="([^"]*)"', board(client, "partial=1")).group(1)
        assert before == "" and after.startswith("ticket:A-001")

    def test_a_fixed_language_stays_fixed_when_the_board_refreshes(self, client, walkin_network, ten_oclock):
        page = client.get("/board/malmi/?lang=sv").content.decode()
        assert 'data-partial="/board/malmi/?partial=1&amp;lang=sv"' in page
