"""The guidance statistics on the open internet: a visitor's outcome is counted once (not once per
POST), and guidance POSTs are limited per client, without getting in the way of people."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import load_network
from tests.guidance.test_pages import EVERY_DAY, answers
from vuoro.booking import guards
from vuoro.guidance.models import GuidanceCounted, GuidanceRecord

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")
ADDRESS = "198.51.100.20"


@pytest.fixture
def network(rules):
    """A point open every day, giving queue numbers, and the shipped rules."""
    load_network(holidays=None, services=[("extended-permit", 30), ("citizenship", 45)],
                 points=[dict(id="malmi", services=["extended-permit", "citizenship"], hours=EVERY_DAY,
                              walk_in=(2, 60))])


@pytest.fixture
def clock(monkeypatch, settings):
    """Limits on, and a clock that stands still at 10:00 today (Helsinki) until a test moves it."""
    settings.RATE_LIMITS = True
    moment = [dt.datetime.combine(timezone.localdate(), dt.time(10), tzinfo=HELSINKI)]
    real_localdate = timezone.localdate
    monkeypatch.setattr(timezone, "now", lambda: moment[0])
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: real_localdate(value or moment[0],
                                                                                                 timezone))

    class Clock:
        def advance(self, **delta):
            moment[0] += dt.timedelta(**delta)

    return Clock()


def send(client, data, address=ADDRESS, language="en"):
    return client.post("/guidance/", data, REMOTE_ADDR=address, headers={"accept-language": language})


def ask(client, address=ADDRESS, **body):
    return client.post("/api/v1/guidance", {"matter": "asylum", "in_country": True, "strong_eid": False, **body},
                       content_type="application/json", REMOTE_ADDR=address)


def counts() -> list[tuple[str, str]]:
    return sorted(GuidanceRecord.objects.values_list("matter", "outcome"))


class TestCountedOncePerVisitor:
    def test_the_whole_flow_works_and_counts_once(self, client, network, clock):
        form = client.get("/guidance/", REMOTE_ADDR=ADDRESS, headers={"accept-language": "en"})
        assert form.status_code == 200
        sent = send(client, answers("citizenship"))
        assert sent.status_code == 302
        result = client.get(sent["Location"], REMOTE_ADDR=ADDRESS, headers={"accept-language": "en"})
        assert result.status_code == 200 and "Book an appointment" in result.content.decode()
        change = re.search(r'<a href="([^"]+)">Change your answers</a>', result.content.decode()).group(1)
        assert client.get(change.replace("&amp;", "&"), REMOTE_ADDR=ADDRESS).status_code == 200
        again = send(client, answers("citizenship"))  # back, and the same answers sent again
        assert again.status_code == 302 and again["Location"] == sent["Location"]
        assert counts() == [("citizenship", "book_appointment")]

    def test_sending_the_same_answers_many_times_counts_once(self, client, network, clock):
        for _ in range(10):
            assert send(client, answers("extended-permit", strong_eid="yes")).status_code == 302
        assert counts() == [("extended-permit", "apply_online")]

    def test_a_visitor_who_changes_the_answers_has_the_new_outcome_counted(self, client, network, clock):
        send(client, answers("citizenship"))
        send(client, answers("citizenship", urgent="yes"))
        send(client, answers("citizenship"))
        assert counts() == [("citizenship", "book_appointment"), ("citizenship", "take_queue_number")]

    def test_another_visitor_is_counted_even_from_the_same_address(self, client, network, clock):
        send(client, answers("citizenship"))
        send(Client(), answers("citizenship"))  # another browser behind the same address
        assert counts() == [("citizenship", "book_appointment")] * 2

    def test_the_next_day_counts_again_and_the_days_before_are_forgotten(self, client, network, clock):
        send(client, answers("citizenship"))
        clock.advance(days=1)
        send(client, answers("citizenship"))
        today = timezone.localdate()
        assert sorted(GuidanceRecord.objects.values_list("date", flat=True)) == [today - dt.timedelta(days=1), today]
        assert list(GuidanceCounted.objects.values_list("date", flat=True)) == [today]

    def test_what_is_kept_to_count_once_is_a_keyed_hash_only(self, client, network, clock):
        send(client, answers("citizenship"))
        ask(client)
        for fingerprint in GuidanceCounted.objects.values_list("fingerprint", flat=True):
            assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
            assert ADDRESS not in fingerprint and "citizenship" not in fingerprint

    def test_the_api_counts_a_client_once_unless_it_names_its_visitors(self, client, network, clock):
        assert [ask(client).status_code for _ in range(3)] == [200] * 3
        assert counts() == [("asylum", "contact_police_or_border")]
        ask(client, address="203.0.113.9")
        ask(client, visitor="session-hash-1")
        ask(client, visitor="session-hash-1")
        ask(client, visitor="session-hash-2")
        assert counts() == [("asylum", "contact_police_or_border")] * 4

    def test_the_api_refuses_an_odd_visitor_with_422(self, client, network, clock):
        answer = ask(client, visitor="two words")
        assert answer.status_code == 422 and list(answer.json()["fields"]) == ["visitor"]


class TestLimitedPerClient:
    def test_thirty_answers_a_minute_then_a_page_in_the_visitors_language(self, client, network, clock):
        codes = [send(client, answers("citizenship")).status_code for _ in range(30)]
        assert codes == [302] * 30
        refused = send(client, answers("citizenship"), language="fi")
        assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
        assert "Liian monta yritystä" in refused.content.decode()
        assert client.get("/guidance/", REMOTE_ADDR=ADDRESS).status_code == 200  # the questions still show
        assert send(Client(), answers("citizenship"), address="203.0.113.9").status_code == 302  # another client
        clock.advance(minutes=1)
        assert send(client, answers("citizenship")).status_code == 302

    def test_the_api_answers_429_in_its_error_shape_and_shares_the_limit_with_the_page(self, client, network,
                                                                                       clock):
        for _ in range(20):
            send(client, answers("citizenship"))
        assert {ask(client).status_code for _ in range(10)} == {200}
        refused = ask(client)
        assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
        assert refused.json()["error"] == "too_many_requests"

    def test_an_hour_holds_at_most_three_hundred(self, client, network, clock, monkeypatch):
        assert guards.RATE_LIMITS_PER_HOUR["guidance"] == 300
        monkeypatch.setitem(guards.RATE_LIMITS_PER_HOUR, "guidance", 40)  # the same rule, fewer requests
        codes = []
        for _minute in range(3):
            codes += [ask(client).status_code for _ in range(20)]
            clock.advance(minutes=1)
        assert codes == [200] * 40 + [429] * 20
        clock.advance(hours=1)
        assert ask(client).status_code == 200

    def test_a_stream_without_cookies_counts_only_up_to_the_limit_and_a_session_once(self, client, network,
                                                                                      clock):
        """The attacker's probe: a stream of the same answers, from one client without cookies."""
        for _ in range(40):
            send(Client(), answers("citizenship"))
        assert GuidanceRecord.objects.count() == 30  # every fresh session counted, up to the limit
        clock.advance(minutes=1)
        for _ in range(40):
            send(client, answers("citizenship"))
        assert GuidanceRecord.objects.count() == 31
