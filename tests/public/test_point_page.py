"""A service point's public page: hours this week and the changes ahead (as the point's calendar
has them, across a daylight-saving change and public holidays), services and lengths, the earliest
free times, the queue today, and an unknown point."""
import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.utils import translation

from tests.factories import load_network
from vuoro.booking.selectors import availability_list, earliest_by_service
from vuoro.network.state import network_state
from vuoro.public.point_page import EXCEPTIONS_AHEAD_DAYS, map_url, point_page_get
from vuoro.walkin.services import ticket_issue

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")
EVERY_DAY = {d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Summer time starts on Sunday 28 March 2027, which is Easter Sunday: Good Friday is the 26th.
WEDNESDAY = dt.date(2027, 3, 24)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HELSINKI)


@pytest.fixture
def network():
    return load_network(
        holidays="FI", services=[("extended-permit", 30, 15), ("citizenship", 45)],
        points=[dict(id="malmi", desks=2, services=["extended-permit", "citizenship"],
                     durations={"extended-permit": 15}, walk_in=(2, 5), hours=EVERY_DAY,
                     address="Malmin kauppatie 26, 00700 Helsinki",
                     accessibility={"fi": "Esteetön sisäänkäynti.", "sv": "Tillgänglig ingång.",
                                    "en": "Step-free entrance."},
                     exceptions=[("2027-03-28", "10:00-14:00"),  # opens Easter Sunday, the day clocks change
                                 ("2027-04-14", ""),  # closed
                                 ("2027-04-15", "08:00-16:00", 1),  # fewer desks only: no change to the public
                                 ("2027-04-16", "12:00-16:00"),  # later opening
                                 ("2027-05-30", "")]),  # beyond 60 days
                dict(id="oulu", desks=1, services=["citizenship"], address="Isokatu 1, 90100 Oulu")])


def page_at(now: dt.datetime, point_id: str = "malmi", language: str = "fi"):
    with translation.override(language):
        return point_page_get(state=network_state(), point_id=point_id, now=now)


class TestHoursThisWeek:
    def test_the_week_runs_monday_to_sunday_of_the_points_local_date(self, network):
        page = page_at(at(WEDNESDAY, 12))
        assert [day.date for day in page.week] == [dt.date(2027, 3, 22) + dt.timedelta(days=k) for k in range(7)]
        assert [day.today for day in page.week] == [False, False, True, False, False, False, False]

    def test_local_hours_hold_across_the_change_to_summer_time(self, network):
        saturday, sunday = page_at(at(WEDNESDAY, 12)).week[5:]
        assert (saturday.opens_at.time(), saturday.closes_at.time()) == (dt.time(8), dt.time(16))
        assert saturday.opens_at.utcoffset() == dt.timedelta(hours=2)
        assert (sunday.opens_at.time(), sunday.closes_at.time()) == (dt.time(10), dt.time(14))
        assert sunday.opens_at.utcoffset() == dt.timedelta(hours=3)
        assert sunday.opens_at.astimezone(dt.UTC).hour == 7 and saturday.opens_at.astimezone(dt.UTC).hour == 6

    def test_a_public_holiday_is_closed_and_named_in_the_readers_language(self, network):
        friday = page_at(at(WEDNESDAY, 12)).week[4]
        assert friday.closed and friday.kind == "holiday" and friday.holiday == "Pitkäperjantai"
        assert page_at(at(WEDNESDAY, 12), language="sv").week[4].holiday == "Långfredagen"
        assert page_at(at(WEDNESDAY, 12), language="en").week[4].holiday == "Good Friday"

    def test_an_exception_opening_a_holiday_is_an_exception_with_the_holidays_name(self, network):
        sunday = page_at(at(WEDNESDAY, 12)).week[6]
        assert sunday.kind == "exception" and sunday.holiday == "Pääsiäispäivä" and not sunday.closed

    def test_the_week_follows_the_points_zone_not_utc(self, network):
        # 23:30 UTC on Sunday 21 March is already Monday 22 March in Helsinki.
        page = page_at(dt.datetime(2027, 3, 21, 23, 30, tzinfo=dt.UTC))
        assert page.week[0].date == dt.date(2027, 3, 22) and page.week[0].today


class TestChangesAhead:
    def test_lists_closed_days_changed_hours_and_holidays_of_the_next_60_days(self, network):
        now = at(WEDNESDAY, 12)
        ahead = {day.date: day for day in page_at(now).exceptions_ahead}
        last = WEDNESDAY + dt.timedelta(days=EXCEPTIONS_AHEAD_DAYS)
        fi_holidays = {d for d in holidays.country_holidays("FI", years=2027) if WEDNESDAY < d <= last}
        assert set(ahead) == fi_holidays | {dt.date(2027, 4, 14), dt.date(2027, 4, 16)}
        assert ahead[dt.date(2027, 4, 14)].closed and ahead[dt.date(2027, 4, 14)].kind == "exception"
        assert ahead[dt.date(2027, 4, 16)].opens_at.time() == dt.time(12)
        assert ahead[dt.date(2027, 3, 26)].holiday == "Pitkäperjantai" and ahead[dt.date(2027, 3, 26)].closed
        assert ahead[dt.date(2027, 3, 28)].opens_at.time() == dt.time(10)
        assert dt.date(2027, 4, 15) not in ahead  # fewer desks, same hours
        assert dt.date(2027, 5, 30) not in ahead  # beyond 60 days

    def test_the_page_says_so_in_words(self, network, client, settings):
        html = client.get("/points/malmi/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Changes to the hours in the next 60 days" in html


class TestServices:
    def test_each_service_with_its_length_here_and_minutes_per_extra_person(self, network):
        rows = {row.code: row for row in page_at(at(WEDNESDAY, 12)).services}
        assert (rows["extended-permit"].duration_minutes, rows["extended-permit"].extra_person_minutes) == (15, 15)
        assert (rows["citizenship"].duration_minutes, rows["citizenship"].extra_person_minutes) == (45, 0)
        assert rows["citizenship"].name == "citizenship fi"

    def test_the_earliest_free_time_per_service_is_what_availability_offers(self, network):
        now = at(WEDNESDAY, 15, 40)
        rows = {row.code: row for row in page_at(now).services}
        state = network_state()
        for code in ("extended-permit", "citizenship"):
            first = availability_list(state=state, service_code=code, point_ids=["malmi"], from_date=None,
                                      to_date=None, limit=1, now=now)[0]
            assert rows[code].earliest_at == first.slot.start.astimezone(HELSINKI)
        # 15 minutes fit before closing at 16:00; 45 do not, and the next day opens at 08:00.
        assert rows["extended-permit"].earliest_at == at(WEDNESDAY, 15, 45)
        assert rows["citizenship"].earliest_at == at(WEDNESDAY + dt.timedelta(days=1), 8)

    def test_earliest_by_service_reads_once_for_every_service(self, network, django_assert_num_queries):
        state = network_state()
        with django_assert_num_queries(1):
            found = earliest_by_service(state=state, point_id="malmi", now=at(WEDNESDAY, 12))
        assert set(found) == {"extended-permit", "citizenship"}
        assert earliest_by_service(state=state, point_id="nowhere", now=at(WEDNESDAY, 12)) == {}

    def test_the_page_links_to_the_booking_flow_at_this_point(self, network, client):
        html = client.get("/points/malmi/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'href="/book/point/?service=citizenship&amp;point=malmi"' in html
        assert "/book/day/?service=citizenship&amp;point=malmi&amp;date=" in html


class TestQueueToday:
    def test_waiting_estimated_wait_and_numbers_left(self, network):
        now = at(WEDNESDAY, 12)
        state = network_state()
        for _ in range(3):
            ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=now)
        page = page_at(now)
        # 3 waiting and 2 desks free: the newcomer waits for 2 departures, which come every 30 / 2
        # minutes (the mean visit is (15 + 45) / 2 minutes, over 2 desks).
        assert (page.queue.waiting, page.queue.tickets_left, page.queue.estimated_wait_minutes) == (3, 2, 30)
        assert page.queue_day == "open"

    def test_numbers_run_out(self, network, client):
        now = at(WEDNESDAY, 12)
        state = network_state()
        for _ in range(5):
            ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=now)
        assert page_at(now).queue.tickets_left == 0

    def test_a_closed_day_gives_no_numbers(self, network):
        assert page_at(at(dt.date(2027, 3, 26), 12)).queue_day == "over"  # Good Friday
        assert page_at(at(WEDNESDAY, 17)).queue_day == "over"
        assert page_at(at(WEDNESDAY, 7)).queue_day == "before"

    def test_a_point_without_queue_numbers_serves_by_appointment_only(self, network, client):
        assert page_at(at(WEDNESDAY, 12), point_id="oulu").queue is None
        html = client.get("/points/oulu/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "serves by appointment only" in html


class TestPages:
    @pytest.mark.parametrize(("language", "words"), [
        ("fi", ["Aukioloajat tällä viikolla", "Esteetön sisäänkäynti.", "Näytä kartalla"]),
        ("sv", ["Öppettider den här veckan", "Tillgänglig ingång.", "Visa på kartan"]),
        ("en", ["Opening hours this week", "Step-free entrance.", "Show on a map"]),
    ])
    def test_the_page_in_each_language(self, network, client, language, words):
        response = client.get("/points/malmi/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        html = response.content.decode()
        assert all(word in html for word in words), words
        assert 'href="https://www.openstreetmap.org/search?query=Malmin+kauppatie+26%2C+00700+Helsinki"' in html
        assert "<script" not in html.split("<main", 1)[1]

    def test_the_list_links_every_point_and_the_front_page_links_the_list(self, network, client):
        html = client.get("/points/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'href="/points/malmi/"' in html and 'href="/points/oulu/"' in html
        front = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'href="/points/"' in front and 'href="/points/malmi/"' in front

    @pytest.mark.parametrize("point_id", ["nowhere", "MALMI", "malmi%20x", "%00", "a" * 300])
    def test_an_unknown_point_is_our_404(self, network, client, settings, point_id):
        settings.DEBUG = False
        response = client.get(f"/points/{point_id}/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_an_address_without_text_has_no_map_link(self):
        assert map_url("  ") == ""
        assert map_url("Åbo & Turku 1") == "https://www.openstreetmap.org/search?query=%C3%85bo+%26+Turku+1"
