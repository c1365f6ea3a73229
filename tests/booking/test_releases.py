"""Releases in availability, booking, moving and the booking pages (docs/api.md, "Releases")."""
import datetime as dt
import re
from html import unescape

import pytest
from django.utils import translation
from django.utils.formats import date_format

from tests.booking.conftest import at, booking_body
from tests.factories import load_network
from vuoro.booking.selectors import availability_list, earliest_by_point, free_day_list, nearest_slot_list
from vuoro.booking.services import Customer, SlotUnavailable, booking_create, booking_reschedule
from vuoro.booking.staff import booking_desk_create
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
SERVICE = "residence-card"
POINT = "smoke-point"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
FAR_FUTURE = "2998-01-01T09:00"  # a release that stays closed whatever today is
LONG_AGO = "2020-01-01T09:00"


def network(first: dt.date, last: dt.date, opens_at: str, *, scope: str = ""):
    """The smoke network (09:00-11:00 weekdays, 2 desks, 40-minute visits) with one release."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40), ("other", 40)],
                        points=[dict(id=POINT, desks=2, services=[SERVICE, "other"],
                                     hours={d: "09:00-11:00" for d in WEEKDAYS})],
                        more=f'[[releases]]\nfrom = "{first}"\nto = "{last}"\nopens_at = "{opens_at}"\n{scope}')


def person(email="person@example.org") -> Customer:
    return Customer(name="Test Person", email=email)


def week_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=7)


@pytest.fixture
def held(wednesday):
    """Wednesday and the week before it held back until 09:00 a week before Wednesday."""
    network(week_before(wednesday), wednesday, f"{week_before(wednesday)}T09:00")
    opens_at = at(week_before(wednesday), 9)
    return opens_at - dt.timedelta(minutes=1), opens_at


class TestAvailability:
    def test_no_time_of_a_held_back_day_is_offered_before_the_moment(self, held, wednesday):
        before, after = held
        ask = dict(state=network_state(), service_code=SERVICE, point_ids=None, from_date=wednesday,
                   to_date=wednesday, limit=None)
        assert availability_list(**ask, now=before) == []
        assert [s.slot.start for s in availability_list(**ask, now=after)][:2] == [at(wednesday, 9),
                                                                                   at(wednesday, 9, 20)]

    def test_the_month_the_earliest_and_the_nearest_skip_held_back_days(self, held, wednesday):
        before, after = held
        state = network_state()
        thursday = wednesday + dt.timedelta(days=1)
        days = free_day_list(state=state, service_code=SERVICE, point_ids=None, first_date=week_before(wednesday),
                             last_date=thursday, now=before)
        assert list(days) == [thursday]
        assert earliest_by_point(state=state, service_code=SERVICE, now=before)[POINT].slot.start == at(thursday, 9)
        assert earliest_by_point(state=state, service_code=SERVICE, now=after)[POINT].slot.start == at(
            week_before(wednesday), 9, 20)
        near = nearest_slot_list(state=state, service_code=SERVICE, point_id=POINT, start_at=at(wednesday, 9),
                                 now=before)
        assert near and all(s.slot.start.date() > wednesday for s in near)

    def test_a_release_for_one_service_leaves_the_others_offered(self, wednesday):
        network(wednesday, wednesday, FAR_FUTURE, scope='services = ["other"]')
        ask = dict(state=network_state(), point_ids=None, from_date=wednesday, to_date=wednesday, limit=None,
                   now=at(week_before(wednesday), 8))
        assert availability_list(service_code="other", **ask) == []
        assert availability_list(service_code=SERVICE, **ask)


class TestBooking:
    def test_booking_a_held_back_time_is_refused_before_the_moment_and_made_after(self, held, wednesday):
        before, after = held
        with pytest.raises(SlotUnavailable, match="open for booking at"):
            booking_create(state=network_state(), service_code=SERVICE, point_id=POINT, start_at=at(wednesday, 9),
                           persons=1, language="fi", customer=person(), now=before)
        made = booking_create(state=network_state(), service_code=SERVICE, point_id=POINT, start_at=at(wednesday, 9),
                              persons=1, language="fi", customer=person(), now=after)
        assert made.booking.start_at == at(wednesday, 9)

    def test_a_booking_is_not_moved_into_a_held_back_day_by_the_customer_or_at_the_desk(self, wednesday):
        network(wednesday, wednesday, FAR_FUTURE)
        now = at(week_before(wednesday), 8)
        thursday = wednesday + dt.timedelta(days=1)
        booking = booking_create(state=network_state(), service_code=SERVICE, point_id=POINT,
                                 start_at=at(thursday, 9), persons=1, language="fi", customer=person(),
                                 now=now).booking
        with pytest.raises(SlotUnavailable):
            booking_reschedule(state=network_state(), booking=booking, start_at=at(wednesday, 9), point_id=None,
                               now=now)
        with pytest.raises(SlotUnavailable):
            booking_desk_create(state=network_state(), service_code=SERVICE, point_id=POINT,
                                start_at=at(wednesday, 10), persons=1, language="fi", customer=person("b@example.org"),
                                actor=None, now=now)


class TestApi:
    def test_a_held_back_time_is_not_offered_and_booking_it_is_409(self, client, wednesday):
        network(wednesday, wednesday, FAR_FUTURE)
        slots = client.get(f"/api/v1/availability?service={SERVICE}&from={wednesday}&to={wednesday}").json()["slots"]
        assert slots == []
        answer = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
        assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable"

    def test_once_the_moment_has_passed_the_time_is_booked(self, client, wednesday):
        network(wednesday, wednesday, LONG_AGO)
        assert client.get(f"/api/v1/availability?service={SERVICE}&from={wednesday}&to={wednesday}").json()["slots"]
        answer = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
        assert answer.status_code == 201


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))).strip()


class TestMonthPage:
    @pytest.mark.parametrize(("language", "says"), [
        ("en", "Times for {first}–{last} open for booking on {opens} at {time}."),
        ("fi", "Ajat päiville {first}–{last} avautuvat varattaviksi {opens} klo {time}."),
        ("sv", "Tiderna för {first}–{last} öppnas för bokning {opens} kl. {time}."),
    ])
    def test_tells_when_the_held_back_days_open_in_the_customers_language(self, client, wednesday, language, says):
        friday = wednesday + dt.timedelta(days=2)
        network(wednesday, friday, FAR_FUTURE)
        page = client.get(f"/book/month/?service={SERVICE}&point={POINT}&month={wednesday:%Y-%m}",
                          headers={"Accept-Language": language})
        with translation.override(language):
            first, last, opens = (date_format(d, "DATE_FORMAT") for d in (wednesday, friday, dt.date(2998, 1, 1)))
            time = date_format(dt.time(9), "TIME_FORMAT")
        notice = re.search(r'<div class="notice" id="held-back">(.*?)</div>', page.content.decode(), re.S)
        assert page.status_code == 200 and notice, text(page)
        assert says.format(first=first, last=last, opens=opens, time=time) in text_of(notice.group(1))
        assert f"date={wednesday}" not in page.content.decode()  # the held-back days are no links
        assert f"date={wednesday + dt.timedelta(days=7)}" in page.content.decode() or friday.month != (
            wednesday + dt.timedelta(days=7)).month

    def test_a_held_back_day_says_when_it_opens(self, client, wednesday):
        network(wednesday, wednesday, FAR_FUTURE)
        page = client.get(f"/book/day/?service={SERVICE}&point={POINT}&date={wednesday}",
                          headers={"Accept-Language": "en"})
        assert "open for booking on" in text(page) and "Choose another day" in text(page)
        assert "No free times are left" not in text(page)

    def test_without_free_times_the_month_of_the_first_held_back_day_is_shown(self, client, wednesday):
        today = dt.date.today()
        network(today, today + dt.timedelta(days=70), FAR_FUTURE)
        page = client.get(f"/book/month/?service={SERVICE}&point={POINT}", headers={"Accept-Language": "en"})
        assert "open for booking on" in text(page) and "Choose a service point" in text(page)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
