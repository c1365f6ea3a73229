"""Family time (docs/api.md): a visit of n persons takes d + (n − 1) × minutes_per_extra_person, in
availability, bookings, moves and on the booking pages; on the real database."""
import datetime as dt
import re
from html import unescape

import pytest

from tests.booking.conftest import at, booking_body
from tests.factories import load_network
from vuoro.booking.models import Booking

pytestmark = pytest.mark.django_db
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
def family_network():
    """2 desks, 09:00-11:00 weekdays, 20-minute grid; a 40-minute service, 20 more for each further person."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[("residence-card", 40, 20)],
                        points=[dict(id="smoke-point", desks=2, services=["residence-card"], address="Katu 1",
                                     hours={d: "09:00-11:00" for d in WEEKDAYS})])


def slots(client, day, **params) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"service": "residence-card", "from": day, "to": day, **params}.items())
    answer = client.get(f"/api/v1/availability?{query}")
    assert answer.status_code == 200, answer.content
    return answer.json()["slots"]


def post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", headers=headers)


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))).strip()


class TestAvailability:
    def test_one_person_by_default(self, client, family_network, wednesday):
        found = slots(client, wednesday)
        assert [dt.datetime.fromisoformat(s["start"]) for s in found] == [
            at(wednesday, 9) + dt.timedelta(minutes=20 * k) for k in range(5)]
        assert all(dt.datetime.fromisoformat(s["end"]) - dt.datetime.fromisoformat(s["start"])
                   == dt.timedelta(minutes=40) for s in found)

    def test_offers_only_starts_where_the_familys_visit_fits_and_ends_after_it(self, client, family_network,
                                                                               wednesday):
        found = slots(client, wednesday, persons=3)  # 40 + 2 × 20 = 80 minutes
        assert [(dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"])) for s in found] == [
            (at(wednesday, 9, m), at(wednesday, 9, m) + dt.timedelta(minutes=80)) for m in (0, 20, 40)]

    def test_a_visit_longer_than_the_day_is_never_offered(self, client, family_network, wednesday):
        assert slots(client, wednesday, persons=6) == []  # 140 minutes in a 120-minute day
        assert slots(client, wednesday, persons=6, service_point="smoke-point") == []

    @pytest.mark.parametrize("persons", ["0", "7", "-1", "two"])
    def test_persons_out_of_range_is_422_on_its_field(self, client, family_network, persons):
        answer = client.get(f"/api/v1/availability?service=residence-card&persons={persons}")
        assert answer.status_code == 422 and "persons" in answer.json()["fields"]

    def test_a_long_days_search_across_the_horizon_skips_days_too_full_for_the_family(self, client, family_network,
                                                                                       wednesday):
        # Both desks taken 10:00-11:00: a 1-person visit still fits from 9:00 to 9:20, an 80-minute one never.
        for email in ("a@example.org", "b@example.org"):
            body = booking_body(at(wednesday, 9, 20), email=email)
            assert post(client, "/api/v1/bookings", body).status_code == 201
        assert slots(client, wednesday, persons=3) == []
        assert [s["start"] for s in slots(client, wednesday)][-1].startswith(f"{wednesday}T10:20")
        every_day = client.get("/api/v1/availability?service=residence-card&persons=3").json()["slots"]
        assert every_day and not any(s["start"].startswith(str(wednesday)) for s in every_day)


class TestBookings:
    def test_a_bookings_end_is_its_start_plus_the_familys_visit(self, client, family_network, wednesday):
        answer = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9, 20), persons=3))
        assert answer.status_code == 201, answer.content
        assert dt.datetime.fromisoformat(answer.json()["end"]) == at(wednesday, 10, 40)
        booking = Booking.objects.get()
        assert (booking.persons, booking.end_at) == (3, at(wednesday, 10, 40))

    def test_six_persons_are_refused_where_only_one_persons_visit_fits(self, client, family_network, wednesday):
        answer = post(client, "/api/v1/bookings", booking_body(at(wednesday, 10, 20), persons=6))
        assert answer.status_code == 409 and answer.json()["error"] == "slot_unavailable"
        assert not Booking.objects.exists()
        assert post(client, "/api/v1/bookings", booking_body(at(wednesday, 10, 20), persons=1)).status_code == 201

    def test_a_familys_booking_takes_the_desk_for_its_whole_visit(self, client, family_network, wednesday):
        post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), persons=4))  # 9:00-10:40
        free = {s["start"][11:16]: s["free_desks"] for s in slots(client, wednesday)}
        assert free == {"09:00": 1, "09:20": 1, "09:40": 1, "10:00": 1, "10:20": 1}

    def test_a_move_keeps_the_persons_and_their_visit_length(self, client, family_network, wednesday):
        made = post(client, "/api/v1/bookings", booking_body(at(wednesday, 9), persons=3)).json()
        path = f"/api/v1/bookings/{made['reservation_key']}/reschedule"
        too_late = post(client, path, {"start": at(wednesday, 10).isoformat()}, **{"X-PIN": made["pin"]})
        assert too_late.status_code == 409  # 10:00 + 80 minutes is past closing
        assert Booking.objects.get().start_at == at(wednesday, 9)
        moved = post(client, path, {"start": at(wednesday, 9, 40).isoformat()}, **{"X-PIN": made["pin"]})
        assert moved.status_code == 200, moved.content
        assert dt.datetime.fromisoformat(moved.json()["end"]) == at(wednesday, 11)
        assert Booking.objects.get().persons == 3


@pytest.fixture
def client_en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


class TestPages:
    def test_the_first_step_asks_persons_before_any_time_and_tells_the_extra_minutes(self, client_en,
                                                                                     family_network):
        page = client_en.get("/book/")
        html = page.content.decode()
        assert page.status_code == 200
        assert '<select name="persons" id="id_persons"' in html and html.index("id_persons") < html.index("Continue")
        assert "Takes about 40 minutes. Each further person adds 20 minutes." in text(page)

    @pytest.mark.parametrize(("language", "says"), [("fi", "Jokainen lisähenkilö lisää aikaa 20 minuuttia."),
                                                    ("sv", "Varje ytterligare person lägger till 20 minuter.")])
    def test_the_extra_minutes_are_told_in_each_language(self, client, family_network, language, says):
        page = client.get("/", headers={"Accept-Language": language})
        assert says in text(page)
        assert says in text(client.get("/book/", headers={"Accept-Language": language}))

    def test_the_chosen_persons_are_carried_to_every_step(self, client_en, family_network):
        answer = client_en.get("/book/?service=residence-card&persons=3&next=1")
        assert answer.status_code == 302 and answer.url == "/book/point/?service=residence-card&persons=3"
        point = client_en.get(answer.url)
        assert "Times for 3 persons." in text(point) and "Your visit takes 80 minutes." in text(point)
        assert 'name="persons" value="3"' in point.content.decode()

    def test_persons_out_of_range_is_an_error_on_the_first_step(self, client_en, family_network):
        page = client_en.get("/book/?service=residence-card&persons=9&next=1")
        assert page.status_code == 400
        assert 'href="#id_persons">Choose from 1 to 6 persons.' in page.content.decode()
        assert 'aria-invalid="true"' in page.content.decode()

    def test_the_day_shows_only_times_the_family_fits_in_and_its_length(self, client_en, family_network,
                                                                        wednesday):
        day = client_en.get(f"/book/day/?service=residence-card&persons=3&point=smoke-point&date={wednesday}")
        times = re.findall(r'<a class="time"[^>]*>(\d\d:\d\d)<', day.content.decode())
        assert times == ["09:00", "09:20", "09:40"]
        assert "Your visit takes 80 minutes." in text(day)
        assert "persons=3" in re.search(r'<a class="time" href="([^"]+)"', day.content.decode()).group(1)

    def test_details_show_the_familys_end_and_book_it(self, client_en, family_network, wednesday):
        url = (f"/book/details/?service=residence-card&persons=3&point=smoke-point&"
               f"start={at(wednesday, 9, 20).isoformat().replace('+', '%2B')}")
        form = client_en.get(url)
        assert "09:20–10:40" in text(form) and "Persons 3" in text(form)
        answer = client_en.post(url, {"name": "Test Person", "email": "family@example.org", "language": "fi"})
        assert answer.status_code == 302, text(answer)
        booking = Booking.objects.get()
        assert (booking.persons, booking.end_at) == (3, at(wednesday, 10, 40))

    def test_a_move_shows_the_bookings_own_visit_length(self, client_en, family_network, wednesday):
        made = post(client_en, "/api/v1/bookings", booking_body(at(wednesday, 9), persons=2)).json()
        client_en.post("/manage/", {"reservation_key": made["reservation_key"], "pin": made["pin"]})
        day = client_en.get(f"/manage/move/day/?point=smoke-point&date={wednesday}")
        assert "Your visit takes 60 minutes." in text(day)
        times = re.findall(r'<a class="time"[^>]*>(\d\d:\d\d)<', day.content.decode())
        assert times == ["09:00", "09:20", "09:40", "10:00"]
