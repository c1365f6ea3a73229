"""Honest booking errors: a booking or a move refused says why (in the past, beyond the horizon, a closed
day and why, not released, outside the hours, off the grid, kept for a pool, taken), with `now` passed in,
on the real database; the alternatives come in date order; the API says the reason too."""
import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from tests.booking.conftest import at, booking_body, phone_of
from tests.factories import load_network
from vuoro.booking.models import Booking, DayLoad
from vuoro.booking.selectors import nearest_slot_list
from vuoro.booking.services import BookingError, Customer, SlotUnavailable, booking_create, booking_reschedule
from vuoro.network.state import network_state
from vuoro.scheduling import refusal

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")
SERVICE = "residence-card"
EVERY_DAY = {day: "08:00-16:00" for day in ("mon", "tue", "wed", "thu", "fri", "sun")}  # closed on Saturdays
WEEKDAYS = {day: "08:00-16:00" for day in ("mon", "tue", "wed", "thu", "fri")}
NOW = dt.datetime(2027, 3, 10, 12, 0, tzinfo=HELSINKI)  # Wednesday 10 March 2027, winter time


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def network():
    """`p`: open every day but Saturday, 2 desks, closed by exception on 14 April and open by exception on
    Easter Sunday 28 March 2027 (also the day the clocks go forward); `one`: weekdays, one desk; `pooled`:
    2 desks, one kept for a priority pool until 3 days before; Finnish holidays; June held back at every
    point until 2 May 09:00; a 20-minute grid, 40-minute visits, 180 days ahead."""
    return load_network(
        slot_minutes=20, horizon_days=180, holidays="FI", services=[(SERVICE, 40)],
        points=[dict(id="p", desks=2, services=[SERVICE], hours=EVERY_DAY,
                     exceptions=[("2027-04-14", ""), ("2027-03-28", "08:00-16:00")]),
                dict(id="one", desks=1, services=[SERVICE], hours=WEEKDAYS),
                dict(id="pooled", desks=2, services=[SERVICE], hours=WEEKDAYS)],
        pools=[dict(id="kept", desks=1, service_points=["pooled"], public_days_before=3)],
        more='[[releases]]\nfrom = "2027-06-01"\nto = "2027-06-30"\nopens_at = "2027-05-02T09:00"\n')


def book(start: dt.datetime, *, point="p", now=NOW, email="person@example.org", pools=frozenset()):
    return booking_create(state=network_state(), service_code=SERVICE, point_id=point, start_at=start, persons=1,
                          language="fi", customer=Customer(name="Test Person", email=email, phone=phone_of(email)),
                          now=now, pools=pools)


def refused(start: dt.datetime, **kwargs) -> SlotUnavailable:
    before = Booking.objects.count()
    with pytest.raises(SlotUnavailable) as caught:
        book(start, **kwargs)
    assert Booking.objects.count() == before
    return caught.value


class TestBookingRefusals:
    def test_a_time_in_the_past(self, network):
        error = refused(at(day("2027-03-10"), 10))
        assert (error.reason, error.detail) == (refusal.PAST, "That time has already passed.")

    def test_a_time_earlier_on_the_spring_forward_day(self, network):
        now = at(day("2027-03-28"), 12)  # Sunday 28 March 2027: the clocks went from 03:00 to 04:00
        assert refused(at(day("2027-03-28"), 11, 40), now=now).reason == refusal.PAST
        made = book(at(day("2027-03-28"), 12, 20), now=now)
        assert made.booking.start_at.astimezone(HELSINKI).utcoffset() == dt.timedelta(hours=3)

    def test_a_time_beyond_the_horizon_names_when_it_can_be_booked(self, network):
        # 180 days after 12:00 winter time is 13:00 summer time on 6 September (a Monday).
        book(at(day("2027-09-06"), 12, 20))
        error = refused(at(day("2027-09-06"), 13, 20))
        assert error.reason == refusal.BEYOND_HORIZON
        assert error.refusal.opens_at == at(day("2027-03-10"), 12, 20)
        assert error.detail == ("That time is beyond the booking horizon: times can be booked at most 180 days ahead, "
                                "so it can be booked from 2027-03-10 12:20 (Europe/Helsinki time).")

    @pytest.mark.parametrize(("date", "point", "why", "said"), [
        ("2027-03-26", "p", refusal.HOLIDAY, "Friday 2027-03-26 (a public holiday)"),  # Good Friday
        ("2027-04-14", "p", refusal.EXCEPTION, "Wednesday 2027-04-14 (closed by exception)"),
        ("2027-03-13", "p", refusal.WEEKLY, "Saturday 2027-03-13 (not an opening day of the week)"),
        ("2027-03-14", "one", refusal.WEEKLY, "Sunday 2027-03-14 (not an opening day of the week)"),
    ])
    def test_a_closed_day_says_why(self, network, date, point, why, said):
        error = refused(at(day(date), 10), point=point)
        assert (error.reason, error.refusal.closed_because) == (refusal.CLOSED, why)
        assert error.detail == f"The service point is closed on {said}."

    def test_a_day_not_yet_released_names_when_it_opens_and_opens_then(self, network):
        error = refused(at(day("2027-06-02"), 10))
        assert error.reason == refusal.NOT_RELEASED
        assert error.detail == "The times of that day open for booking at 2027-05-02 09:00 (Europe/Helsinki time)."
        assert book(at(day("2027-06-02"), 10), now=at(day("2027-05-02"), 9)).booking.pk

    @pytest.mark.parametrize(("hour", "minute"), [(7, 0), (7, 40), (15, 40), (16, 0)])
    def test_a_visit_that_does_not_fit_the_hours(self, network, hour, minute):
        error = refused(at(day("2027-03-11"), hour, minute))
        assert error.reason == refusal.OUTSIDE_HOURS
        assert error.detail == ("A visit of 40 minutes from that time does not fit within the opening hours of "
                                "Thursday 2027-03-11, 08:00-16:00 (Europe/Helsinki time).")

    def test_a_time_off_the_grid(self, network):
        error = refused(at(day("2027-03-11"), 10, 10))
        assert error.reason == refusal.OFF_GRID
        assert error.detail == ("That time is off the grid: times start every 20 minutes from the opening at 08:00 "
                                "(Europe/Helsinki time).")

    def test_off_the_grid_on_the_fall_back_day(self, network):
        # Sunday 31 October 2027: the clocks go back from 04:00 to 03:00; the day's hours stay 08:00-16:00.
        now = at(day("2027-10-30"), 12)
        assert refused(at(day("2027-10-31"), 8, 30), now=now).reason == refusal.OFF_GRID
        made = book(at(day("2027-10-31"), 8, 20), now=now)
        assert made.booking.start_at.astimezone(HELSINKI).utcoffset() == dt.timedelta(hours=2)

    def test_a_time_kept_for_a_pool_says_so_and_when_it_is_everyones(self, network):
        wednesday = at(day("2027-03-24"), 10)
        book(wednesday, point="pooled", email="first@example.org")  # the public desk
        error = refused(wednesday, point="pooled")
        assert (error.reason, error.kept_until) == (refusal.KEPT, day("2027-03-21"))
        assert book(wednesday, point="pooled", pools=frozenset({"kept"})).booking.pk

    def test_a_time_kept_by_a_pool_for_other_services_is_not_offered_as_kept(self, db):
        load_network(slot_minutes=20, horizon_days=180, holidays=None, services=[(SERVICE, 40), ("other", 40)],
                     points=[dict(id="pooled", desks=2, services=[SERVICE, "other"], hours=WEEKDAYS)],
                     pools=[dict(id="kept", desks=1, public_days_before=3, services=["other"])])
        wednesday = at(day("2027-03-24"), 10)
        book(wednesday, point="pooled", email="first@example.org")
        assert refused(wednesday, point="pooled").reason == refusal.TAKEN  # no code opens it for this service

    def test_a_time_really_taken(self, network):
        book(at(day("2027-03-11"), 10), point="one", email="first@example.org")
        error = refused(at(day("2027-03-11"), 10, 20), point="one")  # overlaps 10:00-10:40
        assert (error.reason, error.detail) == (refusal.TAKEN, "That time is already booked.")


class TestMoveRefusals:
    @pytest.fixture
    def booking(self, network):
        return book(at(day("2027-03-11"), 10)).booking

    @pytest.mark.parametrize(("start", "reason"), [
        (at(day("2027-03-09"), 10), refusal.PAST),
        (at(day("2027-09-07"), 10), refusal.BEYOND_HORIZON),
        (at(day("2027-03-26"), 10), refusal.CLOSED),
        (at(day("2027-06-02"), 10), refusal.NOT_RELEASED),
        (at(day("2027-03-12"), 7, 40), refusal.OUTSIDE_HOURS),
        (at(day("2027-03-12"), 9, 50), refusal.OFF_GRID),
    ])
    def test_a_move_says_why_and_leaves_the_booking_as_it_was(self, booking, start, reason):
        with pytest.raises(SlotUnavailable) as caught:
            booking_reschedule(state=network_state(), booking=booking, start_at=start, point_id=None, now=NOW)
        assert caught.value.reason == reason
        booking.refresh_from_db()
        assert booking.start_at == at(day("2027-03-11"), 10) and booking.rescheduled_count == 0

    def test_a_move_onto_a_taken_time(self, booking):
        book(at(day("2027-03-12"), 10), point="one", email="first@example.org")
        with pytest.raises(SlotUnavailable) as caught:
            booking_reschedule(state=network_state(), booking=booking, start_at=at(day("2027-03-12"), 10),
                               point_id="one", now=NOW)
        assert caught.value.reason == refusal.TAKEN


class TestAlternatives:
    def test_come_in_date_order_earliest_first(self, network):
        for minute in (0, 40):  # 10:00-10:40 and 10:40-11:20 on the one desk
            book(at(day("2027-03-17"), 10, minute), point="one", email=f"x{minute}@example.org")
        nearest = nearest_slot_list(state=network_state(), service_code=SERVICE, point_id="one",
                                    start_at=at(day("2027-03-17"), 10, 20), now=NOW)
        starts = [found.slot.start for found in nearest]
        assert len(starts) == 6 and starts == sorted(starts)
        assert {at(day("2027-03-17"), 9, 20), at(day("2027-03-17"), 11, 20)} <= set(starts)

    def test_for_a_time_in_the_past_the_earliest_free_times(self, network):
        nearest = nearest_slot_list(state=network_state(), service_code=SERVICE, point_id="one",
                                    start_at=at(day("2027-03-01"), 10), now=NOW)
        assert [found.slot.start for found in nearest[:2]] == [at(day("2027-03-10"), 12, 20),
                                                               at(day("2027-03-10"), 12, 40)]

    def test_for_a_time_beyond_the_horizon_the_latest_bookable_ones(self, network):
        nearest = nearest_slot_list(state=network_state(), service_code=SERVICE, point_id="one",
                                    start_at=at(day("2027-12-01"), 10), now=NOW)
        starts = [found.slot.start for found in nearest]
        assert starts == sorted(starts) and starts[-1] == at(day("2027-09-06"), 13)  # the horizon's last start

    def test_for_days_held_back_far_around_the_earliest_free_times(self, network):
        nearest = nearest_slot_list(state=network_state(), service_code=SERVICE, point_id="p",
                                    start_at=at(day("2027-06-16"), 10), now=NOW, days_around=7)
        starts = [found.slot.start for found in nearest]
        assert starts and starts == sorted(starts) and starts[0] == at(day("2027-03-10"), 12, 20)


class TestTheApiSaysWhy:
    """The API's 409 `slot_unavailable` stays the code; `reason` (an extension) says why."""

    @pytest.fixture
    def today_network(self):
        today = dt.datetime.now(HELSINKI).date()
        return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                            points=[dict(id="smoke-point", desks=1, services=[SERVICE], hours=WEEKDAYS,
                                         exceptions=[(str(_weekday_after(today, 14)), "")])])

    def post(self, client, start, **extra):
        return client.post("/api/v1/bookings", {**booking_body(start), **extra}, content_type="application/json")

    def test_each_refusal_is_409_slot_unavailable_with_its_reason(self, client, today_network):
        today = dt.datetime.now(HELSINKI).date()
        monday = _weekday_after(today, 7)
        saturday = monday + dt.timedelta(days=5)
        cases = {
            refusal.PAST: at(monday - dt.timedelta(days=14), 10),
            refusal.BEYOND_HORIZON: at(_weekday_after(today, 70), 10),
            refusal.CLOSED: at(saturday, 10),
            refusal.OUTSIDE_HOURS: at(monday, 15, 40),
            refusal.OFF_GRID: at(monday, 10, 10),
        }
        for reason, start in cases.items():
            answer = self.post(client, start)
            assert answer.status_code == 409, (reason, answer.content)
            body = answer.json()
            assert (body["error"], body["reason"]) == ("slot_unavailable", reason) and body["detail"]
        closed = self.post(client, at(_weekday_after(today, 14), 10)).json()
        assert closed["reason"] == refusal.CLOSED and "(closed by exception)" in closed["detail"]
        assert self.post(client, at(monday, 10)).status_code == 201
        taken = self.post(client, at(monday, 10), customer={"name": "B", "email": "b@example.org",
                                                            "phone": phone_of("b@example.org")})
        assert taken.status_code == 409 and taken.json()["reason"] == refusal.TAKEN

    def test_a_move_refused_says_why_too(self, client, today_network):
        today = dt.datetime.now(HELSINKI).date()
        monday = _weekday_after(today, 7)
        made = self.post(client, at(monday, 10)).json()
        answer = client.post(f"/api/v1/bookings/{made['reservation_key']}/reschedule",
                             {"start": at(monday + dt.timedelta(days=5), 10).isoformat()},
                             content_type="application/json", headers={"X-PIN": made["pin"]})
        assert answer.status_code == 409
        assert answer.json() == {"error": "slot_unavailable", "reason": "closed",
                                 "detail": answer.json()["detail"]} and "Saturday" in answer.json()["detail"]

    def test_the_schema_documents_the_reason(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        reason = schema["components"]["schemas"]["ErrorOut"]["properties"]["reason"]
        assert all(f"`{name}`" in reason["description"] for name in refusal.REASONS)


def _weekday_after(today: dt.date, days: int) -> dt.date:
    """The first Monday at least `days` days after today."""
    found = today + dt.timedelta(days=days)
    while found.weekday() != 0:
        found += dt.timedelta(days=1)
    return found


# --- The pages, in Finnish, Swedish and English ---------------------------------------------------------------

def details_url(start: dt.datetime, point="smoke-point") -> str:
    return "/book/details/?" + urlencode({"service": SERVICE, "point": point, "start": start.isoformat()})


def notice(page) -> str:
    found = re.search(r'<div class="notice notice-error" role="alert"[^>]*>(.*?)</div>', page.content.decode(), re.S)
    assert found, "no notice on the page"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def alternatives(page) -> list[dt.datetime]:
    values = re.findall(r'name="alternative" value="([^"]+)"', page.content.decode())
    return [dt.datetime.fromisoformat(unescape(value).split("|")[1]) for value in values]


@pytest.fixture
def pages_network():
    """The smoke network's point (09:00-11:00 weekdays, 2 desks, 20-minute grid, 40-minute visits), 60 days."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                        points=[dict(id="smoke-point", desks=2, services=[SERVICE],
                                     hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")})])


class TestThePagesSayWhy:
    """An old link is told what is wrong when the page opens, before any typing; the free times
    offered instead come in date order."""

    def test_a_past_time_in_finnish(self, client, pages_network):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 0) - dt.timedelta(days=7)
        page = client.get(details_url(at(monday, 9, 20)), headers={"accept-language": "fi"})
        assert page.status_code == 200
        assert notice(page) == ("Tämä aika on jo mennyt Seuraamasi linkki on vanhentunut. "
                                "Valitse alta jokin vapaista ajoista tai toinen päivä.")
        starts = alternatives(page)
        assert starts and starts == sorted(starts) and all(start > dt.datetime.now(dt.UTC) for start in starts)
        assert "<title>Virhe: " in page.content.decode()

    def test_a_saturday_in_swedish(self, client, pages_network):
        saturday = _weekday_after(dt.datetime.now(HELSINKI).date(), 7) + dt.timedelta(days=5)
        page = client.get(details_url(at(saturday, 10)), headers={"accept-language": "sv"})
        assert notice(page) == ("Servicestället är stängt den här dagen Servicestället har inte öppet den här "
                                "veckodagen. Välj en av de lediga tiderna nedan eller en annan dag.")
        starts = alternatives(page)
        assert len(starts) == 6 and starts == sorted(starts)

    def test_off_the_grid_in_english(self, client, pages_network):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 7)
        page = client.get(details_url(at(monday, 9, 30)), headers={"accept-language": "en"})
        assert notice(page) == ("This is not one of the times you can book Bookable times start every 20 minutes, "
                                "the first at 09:00. Choose one of the free times below, or another day.")

    @pytest.mark.parametrize(("language", "said"), [
        ("fi", "Palvelupiste on tänä päivänä auki klo 9.00–11.00. Kello 10.40 alkava 40 minuutin käynti ei mahdu "
               "aukioloaikaan."),
        ("sv", "Servicestället har öppet kl. 09.00–11.00 den här dagen. Ett besök på 40 minuter som börjar kl. 10.40 "
               "ryms inte inom öppettiden."),
        ("en", "On this day the service point is open 09:00–11:00. A visit of 40 minutes starting at 10:40 does not "
               "fit within those hours."),
    ])
    def test_outside_the_hours_in_three_languages(self, client, pages_network, language, said):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 7)
        page = client.get(details_url(at(monday, 10, 40)), headers={"accept-language": language})
        assert said in notice(page)

    def test_beyond_the_horizon_in_finnish_names_the_day_it_can_be_booked(self, client, pages_network):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 70)
        page = client.get(details_url(at(monday, 10)), headers={"accept-language": "fi"})
        # The horizon's days are 24 hours, counted in UTC: across a daylight-saving change the
        # wall-clock hour it names moves by one.
        opens = at(monday, 10).astimezone(dt.UTC) - dt.timedelta(days=60)
        months = ["tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta",
                  "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"]
        local = opens.astimezone(HELSINKI)
        assert notice(page).startswith(
            f"Tätä aikaa ei voi vielä varata Aikoja voi varata enintään 60 päivää etukäteen, joten tämän ajan voi "
            f"varata {local.day}. {months[local.month - 1]} {local.year} klo {local.hour}.{local.minute:02d} alkaen.")

    def test_a_time_taken_since_the_day_page_was_shown(self, client, pages_network):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 7)
        for email in ("a@example.org", "b@example.org"):
            book(at(monday, 10), point="smoke-point", email=email, now=dt.datetime.now(dt.UTC))
        page = client.get(details_url(at(monday, 10)), headers={"accept-language": "en"})
        assert notice(page).startswith("This time is no longer free Someone else has booked it.")
        starts = alternatives(page)
        assert starts == sorted(starts) and at(monday, 9) in starts  # 09:00-09:40 is free on both desks...
        assert at(monday, 10, 20) not in starts  # ... but 10:20 overlaps 10:00-10:40 on both

    def test_a_time_taken_while_typing_is_someone_quicker(self, client, pages_network):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 7)
        assert client.get(details_url(at(monday, 10)), headers={"accept-language": "sv"}).status_code == 200
        for email in ("a@example.org", "b@example.org"):
            book(at(monday, 10), point="smoke-point", email=email, now=dt.datetime.now(dt.UTC))
        page = client.post(details_url(at(monday, 10)),
                           {"name": "Test Person", "email": "person@example.org", "phone": "+358 40 123 4567",
                            "language": "sv"}, headers={"accept-language": "sv"})
        assert page.status_code == 409
        assert notice(page) == ("Någon bokade tiden precis före dig Välj en av de närmaste lediga tiderna nedan och "
                                "boka igen. Uppgifterna du angav finns kvar.")

    def test_an_offered_time_shows_no_notice(self, client, pages_network):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 7)
        page = client.get(details_url(at(monday, 10)), headers={"accept-language": "en"})
        assert page.status_code == 200 and 'role="alert"' not in page.content.decode()

    def test_a_move_to_a_closed_day_says_so_and_keeps_the_booking(self, client, pages_network):
        monday = _weekday_after(dt.datetime.now(HELSINKI).date(), 7)
        made = book(at(monday, 10), point="smoke-point", now=dt.datetime.now(dt.UTC))
        client.post("/manage/", {"reservation_key": made.booking.reservation_key, "pin": made.pin})
        saturday = monday + dt.timedelta(days=5)
        url = "/manage/move/confirm/?" + urlencode({"point": "smoke-point", "start": at(saturday, 10).isoformat()})
        page = client.get(url, headers={"accept-language": "en"})
        assert page.status_code == 200, page.content.decode()[:300]
        assert notice(page) == ("The service point is closed on this day The service point is not open on this day "
                                "of the week. Your booking is unchanged. Choose one of the nearest free times below, "
                                "or keep your booking as it is.")
        moved = client.post(url, headers={"accept-language": "en"})
        assert moved.status_code == 409
        made.booking.refresh_from_db()
        assert made.booking.start_at == at(monday, 10)


class TestAPriorityCodeUsedMeanwhile:
    """The code was used in another tab between the details page and sending it: the page says so,
    or (when the time was kept for the code's pool) that the time is kept."""

    @pytest.fixture
    def with_code(self, client):
        from tests.booking.test_pools_api import DAY, WA, issue

        load_network(slot_minutes=30, horizon_days=60, holidays=None, services=[("residence-card", 30)],
                     points=[dict(id="malmi", desks=2, services=["residence-card"], hours=WEEKDAYS | {
                         "sat": "08:00-16:00", "sun": "08:00-16:00"})],
                     pools=[dict(id=WA, desks=1, public_days_before=3)])
        code = issue()
        assert client.post("/book/priority-code/", {"priority_code": code}).status_code == 302
        return DAY, code

    def send(self, client, start, language="en"):
        url = "/book/details/?" + urlencode({"service": "residence-card", "point": "malmi",
                                             "start": start.isoformat()})
        return client.post(url, {"name": "Test Person", "email": "person@example.org", "language": "fi"},
                           headers={"accept-language": language})

    def use_elsewhere(self, code, start):
        booking_create(state=network_state(), service_code="residence-card", point_id="malmi", start_at=start,
                       persons=1, language="fi", customer=Customer(name="Other", email="other@example.org"),
                       now=dt.datetime.now(dt.UTC), priority_code=code)

    def test_a_code_used_before_the_page_books_as_everyone_does(self, client, with_code):
        day, code = with_code
        self.use_elsewhere(code, at(day, 12))
        assert self.send(client, at(day, 9)).status_code == 302  # the session's code is dropped; 9:00 is free

    def test_a_code_used_while_the_page_was_sent_says_so_and_books_on_the_next_try(self, client, with_code,
                                                                                  monkeypatch):
        from tests.booking.test_pools_api import WA

        day, code = with_code
        self.use_elsewhere(code, at(day, 12))
        # The page read the code as good a moment before the other booking used it up.
        monkeypatch.setattr("vuoro.booking.views.priority_code_check", lambda **kwargs: WA)
        page = self.send(client, at(day, 9), language="fi")
        assert page.status_code == 409
        assert notice(page) == ("Tämä etusijakoodi on jo käytetty. Antamasi tiedot säilyvät: varaa uudelleen, niin "
                                "saat tämän ajan ilman koodia.")
        monkeypatch.undo()
        assert self.send(client, at(day, 9)).status_code == 302

    def test_a_time_kept_for_the_codes_pool_says_it_is_kept(self, client, with_code):
        day, code = with_code
        book(at(day, 9), point="malmi", email="first@example.org", now=dt.datetime.now(dt.UTC))  # the public desk
        self.use_elsewhere(code, at(day, 12))
        page = self.send(client, at(day, 9))
        assert page.status_code == 409
        assert notice(page).startswith("This time is kept for a priority group It can be booked with a priority "
                                       "code issued by the agency.")


def test_a_refused_booking_leaves_its_day_as_it_was_and_the_prepared_statements_in_place(smoke_network, wednesday):
    """A refusal after the day's lock ends its transaction without a ROLLBACK (nothing was written):
    on PostgreSQL a ROLLBACK would make psycopg deallocate every statement the connection had
    prepared, and in a release rush every other attempt is refused."""
    from django.db import connection

    state = network_state()
    now = at(wednesday, 8) - dt.timedelta(days=2)
    start = at(wednesday, 9)
    made = booking_create(state=state, service_code=SERVICE, point_id="smoke-point", start_at=start, persons=1,
                          language="fi", customer=Customer(name="A", email="a@example.org"), now=now)
    other = booking_create(state=state, service_code=SERVICE, point_id="smoke-point", start_at=start, persons=1,
                           language="fi", customer=Customer(name="B", email="b@example.org"), now=now)
    assert made.booking.desk_id != other.booking.desk_id  # two desks: the start is now full

    def prepared_on_the_server() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # lets psycopg send what it owes the server first
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared_on_the_server() if connection.vendor == "postgresql" else None
    load = DayLoad.objects.get(date=wednesday)
    for email in ("c@example.org", "a@example.org"):  # taken; and the person's one booking already held
        with pytest.raises(BookingError):
            booking_create(state=state, service_code=SERVICE, point_id="smoke-point", start_at=start, persons=1,
                           language="fi", customer=Customer(name="C", email=email), now=now)
    after = DayLoad.objects.get(date=wednesday)
    assert (after.booked_minutes, after.free_cells, after.calendar_key) == (
        load.booked_minutes, load.free_cells, load.calendar_key)
    assert Booking.objects.count() == 2
    if connection.vendor == "postgresql":
        assert before > 0 and prepared_on_the_server() >= before  # none deallocated (more: the refusal's own)
