"""Hostile input from the open internet: every probe answers a clear 4xx (a friendly page, a form
error, or the API's error shape), never a 5xx, with DEBUG on or off."""
import json
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.booking.conftest import at, booking_body
from tests.factories import load_network
from vuoro.booking.services import Customer, booking_create
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
SERVICE, POINT = "residence-card", "smoke-point"
ENDS_OF_TIME = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
HUGE_MONTH = "99999999999999999999-1"


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def network():
    """The smoke network's point, with a walk-in queue for the kiosk."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                        points=[dict(id=POINT, desks=2, services=[SERVICE], walk_in=(1, 20),
                                     hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")})])


@pytest.fixture
def made(network, wednesday):
    return booking_create(state=network_state(), service_code=SERVICE, point_id=POINT, start_at=at(wednesday, 9),
                          persons=1, language="fi", customer=Customer(name="Test Person", email="p@example.org"),
                          now=timezone.now())


@pytest.fixture
def signed_in(client, made):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    answer = client.post("/manage/", {"reservation_key": made.booking.reservation_key, "pin": made.pin})
    assert answer.url == "/manage/booking/"
    return client


@pytest.fixture
def staff_client(network):
    staff = Client(headers={"Accept-Language": "en"})
    staff.force_login(User.objects.create_superuser("admin", password="x"))
    return staff


def assert_error_shape(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.content[:300]
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["error"] == code and isinstance(body["detail"], str) and body["detail"]
    return body


class TestTimesAtTheEndsOfTime:
    @pytest.mark.parametrize("start", ENDS_OF_TIME)
    def test_the_details_step_goes_back_to_the_point_step(self, client, network, start):
        answer = client.get("/book/details/", {"service": SERVICE, "point": POINT, "start": start})
        assert answer.status_code == 302 and answer.url == f"/book/point/?service={SERVICE}"

    @pytest.mark.parametrize("start", ENDS_OF_TIME)
    def test_moving_a_booking_there_goes_back_to_the_point_step_and_keeps_it(self, signed_in, made, wednesday,
                                                                              start):
        for answer in (signed_in.get("/manage/move/confirm/", {"point": POINT, "start": start}),
                       signed_in.post(f"/manage/move/confirm/?{_query(point=POINT, start=start)}"),
                       signed_in.post("/manage/move/confirm/", {"alternative": f"{POINT}|{start}"})):
            assert answer.status_code == 302 and answer.url == "/manage/move/"
        made.booking.refresh_from_db()
        assert made.booking.start_at == at(wednesday, 9)

    @pytest.mark.parametrize("start", ENDS_OF_TIME)
    def test_the_api_refuses_it_as_invalid_input(self, client, made, wednesday, debug, start):
        body = assert_error_shape(client.post(
            f"/api/v1/bookings/{made.booking.reservation_key}/reschedule", {"start": start},
            content_type="application/json", headers={"X-PIN": made.pin}), 422, "invalid")
        assert "year must be from 1900 to 2999" in body["fields"]["start"][0]
        body = assert_error_shape(client.post("/api/v1/bookings", booking_body(at(wednesday, 10)) | {
            "start": start}, content_type="application/json"), 422, "invalid")
        assert list(body["fields"]) == ["start"]

    def test_the_api_refuses_a_time_without_an_offset(self, client, made):
        body = assert_error_shape(client.post(
            f"/api/v1/bookings/{made.booking.reservation_key}/reschedule", {"start": "2027-03-03T09:00:00"},
            content_type="application/json", headers={"X-PIN": made.pin}), 422, "invalid")
        assert "UTC offset" in body["fields"]["start"][0]

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "20270303", "1700000000"])
    def test_availability_refuses_a_date_out_of_range_or_form(self, client, network, debug, day):
        body = assert_error_shape(client.get("/api/v1/availability", {"service": SERVICE, "from": day}),
                                  422, "invalid")
        assert list(body["fields"]) == ["from"]

    def test_availability_takes_the_accepted_years_end_to_end(self, client, network):
        answer = client.get("/api/v1/availability", {"service": SERVICE, "from": "1900-01-01", "to": "2999-12-31",
                                                     "limit": 1})
        assert answer.status_code == 200 and len(answer.json()["slots"]) == 1


def _query(**params) -> str:
    return "&".join(f"{k}={quote(v)}" for k, v in params.items())


class TestHugeNumbers:
    def test_a_month_beyond_any_year_shows_the_first_month_with_free_times(self, client, network):
        answer = client.get("/book/month/", {"service": SERVICE, "point": POINT, "month": HUGE_MONTH})
        assert answer.status_code == 200

    def test_moving_and_the_console_take_it_the_same_way(self, signed_in, made, staff_client):
        assert signed_in.get("/manage/move/month/", {"point": POINT, "month": HUGE_MONTH}).status_code == 200
        assert staff_client.get("/console/book/month/", {"service": SERVICE, "point": POINT,
                                                         "month": HUGE_MONTH}).status_code == 200
        assert staff_client.get(f"/console/bookings/{made.booking.pk}/move/",
                                {"month": HUGE_MONTH}).status_code == 200

    @pytest.mark.parametrize("persons", ["²", "9" * 30, "-1", "1.5"])
    def test_a_number_of_persons_that_is_not_one_asks_again(self, client, network, persons):
        answer = client.get("/book/", {"service": SERVICE, "persons": persons}, headers={"Accept-Language": "en"})
        assert answer.status_code == 400 and "Choose from 1 to 6 persons." in answer.content.decode()

    def test_the_console_and_planning_take_digits_that_are_no_number(self, staff_client):
        answer = staff_client.get("/console/book/month/", {"service": SERVICE, "point": POINT, "persons": "²"})
        assert answer.status_code == 302
        assert staff_client.get("/staff/planning/", {"scenario": "saved:²"}).status_code == 404

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_the_console_search_explains_a_date_out_of_range(self, staff_client, day):
        answer = staff_client.get("/console/bookings/", {"date": day}, headers={"Accept-Language": "en"})
        assert answer.status_code == 400
        assert "Enter a date between the years 1900 and 2999." in answer.content.decode()
        finnish = staff_client.get("/console/bookings/", {"date": day}, headers={"Accept-Language": "fi"})
        assert "Anna päivämäärä vuosien 1900 ja 2999 väliltä." in finnish.content.decode()


class TestCalendarDownload:
    @pytest.mark.parametrize("key", ["7KQ2M9XW4D\x00", "\x00", "A" * 100])
    def test_junk_in_the_reservation_key_is_a_form_error(self, client, made, key):
        answer = client.post("/manage/calendar/", {"reservation_key": key, "pin": made.pin},
                             headers={"Accept-Language": "en"})
        assert answer.status_code == 400 and answer["Content-Type"].startswith("text/html")
        assert 'class="error-summary"' in answer.content.decode()

    def test_a_nul_in_the_key_is_named_in_the_visitors_language(self, client, made):
        answer = client.post("/manage/calendar/", {"reservation_key": "7KQ2M9XW4D\x00", "pin": made.pin},
                             headers={"Accept-Language": "en"})
        assert "Null characters are not allowed." in answer.content.decode()
        answer = client.post("/manage/calendar/", {"reservation_key": "7KQ2M9XW4D\x00", "pin": made.pin},
                             headers={"Accept-Language": "fi"})
        assert answer.status_code == 400 and "Null characters are not allowed." not in answer.content.decode()

    def test_the_right_key_and_pin_still_download_the_file(self, client, made):
        answer = client.post("/manage/calendar/", {"reservation_key": made.booking.reservation_key, "pin": made.pin})
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")


class TestApiRequestsNoHandlerReads:
    def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(self, client, made, settings, debug):
        too_big = json.dumps({"pad": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
        assert_error_shape(client.post("/api/v1/bookings", too_big, content_type="application/json"),
                           413, "too_large")
        assert_error_shape(client.post(f"/api/v1/bookings/{made.booking.reservation_key}/reschedule", too_big,
                                       content_type="application/json", headers={"X-PIN": made.pin}),
                           413, "too_large")

    def test_a_query_with_too_many_fields_is_400_bad_request(self, client, network, settings, debug):
        fields = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
        assert_error_shape(client.get(f"/api/v1/availability?service={SERVICE}&{fields}"), 400, "bad_request")

    @pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\x00", b'{"start": ', b"\x00"])
    def test_a_malformed_body_is_400_bad_request(self, client, network, debug, raw):
        assert_error_shape(client.post("/api/v1/bookings", raw, content_type="application/json"),
                           400, "bad_request")

    @pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/bookings/7KQ2M9XW4D/nope",
                                      "/api/v1/services/", "/api/v1/%00", "/api/v2/services"])
    def test_an_unknown_path_is_404_not_found(self, client, network, debug, path):
        assert_error_shape(client.get(path), 404, "not_found")

    @pytest.mark.parametrize(("method", "path", "allowed"), [
        ("delete", "/api/v1/services", "GET"), ("put", "/api/v1/bookings", "POST"),
        ("post", "/api/v1/availability", "GET"), ("get", "/api/v1/bookings/7KQ2M9XW4D/cancel", "POST")])
    def test_a_wrong_method_is_405_not_allowed_with_allow(self, client, network, debug, method, path, allowed):
        assert_error_shape(getattr(client, method)(path), 405, "not_allowed")
        assert getattr(client, method)(path)["Allow"] == allowed

    def test_pages_keep_their_html_404(self, client, network, debug):
        answer = client.get("/no-such-page/")
        assert answer.status_code == 404 and answer["Content-Type"].startswith("text/html")


# --- Any text in any parameter: never a 5xx ----------------------------------------------------------------------

hostile = st.one_of(
    st.text(max_size=40),
    st.sampled_from([*ENDS_OF_TIME, HUGE_MONTH, "²", "١٢", "9" * 5000, "\x00", "2027-02-30", "2027-13",
                     "1899-12-31", "3000-01-01", "2027-03-03T09:00:00", "2027-03-03T09:00:00+14:01", "-1", "0",
                     "1e9", "NaN", "smoke-point", "residence-card", "any", "yes", "no", "a" * 300]),
)


def _pages(values: dict) -> list[tuple[str, str, dict]]:
    v = values
    book = {"service": SERVICE, "point": v["point"], "persons": v["persons"]}
    return [
        ("get", "/book/", {"service": v["service"], "persons": v["persons"], "next": "1", "change": v["text"]}),
        ("get", "/book/point/", {"service": v["service"], "point": v["point"], "next": "1"}),
        ("get", "/book/month/", book | {"month": v["month"]}),
        ("get", "/book/day/", book | {"date": v["date"]}),
        ("get", "/book/details/", book | {"start": v["start"]}),
        ("post", f"/book/details/?{_query(service=SERVICE, point=POINT, start=v['start'])}",
         {"alternative": f"{v['point']}|{v['start']}", "name": v["text"], "email": v["text"], "phone": v["text"],
          "language": v["text"]}),
        ("post", "/manage/", {"reservation_key": v["text"], "pin": v["persons"]}),
        ("post", "/manage/calendar/", {"reservation_key": v["text"], "pin": v["persons"]}),
        ("post", "/manage/lost-pin/", {"who": v["text"]}),
        ("get", "/manage/move/month/", {"point": v["point"], "month": v["month"]}),
        ("get", "/manage/move/day/", {"point": v["point"], "date": v["date"]}),
        ("get", "/manage/move/confirm/", {"point": v["point"], "start": v["start"]}),
        ("get", f"/kiosk/{quote(v['point'], safe='')}/", {"lang": v["text"]}),
        ("get", f"/ticket/{quote(v['text'], safe='')}/", {"lang": v["text"]}),
        ("post", f"/kiosk/{POINT}/check-in/", {"reservation_key": v["text"], "lang": v["text"]}),
        ("post", f"/kiosk/{POINT}/ticket/", {"service": v["service"], "phone": v["text"]}),
        ("get", "/guidance/", {"matter": v["service"], "in_country": v["text"], "urgent": v["text"]}),
        ("post", "/guidance/", {"matter": v["service"], "in_country": v["text"], "strong_eid": v["text"],
                                "urgent": "no"}),
        ("get", "/guidance/result/", {"matter": v["service"], "in_country": v["text"], "strong_eid": "yes",
                                      "urgent": "no"}),
        ("get", "/api/v1/availability", {"service": v["service"], "service_point": v["point"], "from": v["date"],
                                         "to": v["month"], "limit": v["persons"], "persons": v["persons"]}),
        ("get", f"/api/v1/service-points/{quote(v['point'], safe='')}/queue", {}),
        ("get", f"/api/v1/{quote(v['text'], safe='/')}", {}),
    ]


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.fixed_dictionaries({name: hostile for name in
                                     ("service", "point", "persons", "month", "date", "start", "text")}))
def test_no_text_in_any_parameter_gives_a_server_error(signed_in, values):
    for method, path, data in _pages(values):
        answer = getattr(signed_in, method)(path, data)
        assert answer.status_code < 500, (method, path, data, answer.status_code)
        if path.startswith("/api/") and answer.status_code >= 400:
            assert answer.json()["error"], (method, path, data)
