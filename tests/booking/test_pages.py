"""The public booking and manage pages through Django's test client, on the real database."""
import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

import pytest

from tests.booking.conftest import at, phone_of
from tests.factories import load_network
from vuoro.booking.guards import PIN_ATTEMPTS_ALLOWED
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Service
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
SERVICE = "residence-card"


@pytest.fixture
def client_en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text(response) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))).strip()


def links(response) -> dict[str, str]:
    """Each link's text (tags dropped) → its address."""
    found = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', response.content.decode(), re.S)
    return {re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip(): unescape(href)
            for href, body in found}


def details_url(start: dt.datetime, point="smoke-point", persons=1) -> str:
    return "/book/details/?" + urlencode({"service": SERVICE, "point": point, "start": start.isoformat(),
                                          **({"persons": persons} if persons > 1 else {})})


def details_form(**overrides) -> dict:
    form = {"name": "Test Person", "email": "person@example.org", "phone": "+358 40 123 4567", "language": "sv",
            **overrides}
    if "phone" not in overrides and form["email"] != "person@example.org":
        form["phone"] = phone_of(form["email"])  # the phone is a person key too: one's own
    return form


def book(start: dt.datetime, *, email="other@example.org", point="smoke-point"):
    return booking_create(state=network_state(), service_code=SERVICE, point_id=point, start_at=start, persons=1,
                          language="fi", customer=Customer(name="Other", email=email), now=dt.datetime.now(dt.UTC))


@pytest.fixture
def two_points():
    """The smoke network's point and one in Stockholm's zone, one hour behind Helsinki."""
    return load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                        points=[dict(id="smoke-point", desks=2, services=[SERVICE], address="Katu 1, Helsinki",
                                     hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")}),
                                dict(id="west-point", desks=1, services=[SERVICE], timezone="Europe/Stockholm",
                                     address="Gatan 2, Stockholm",
                                     hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri")})])


class TestServiceStep:
    def test_lists_each_service_with_its_duration(self, client_en, smoke_network):
        page = client_en.get("/book/")
        assert page.status_code == 200
        assert 'type="radio" name="service" value="residence-card"' in page.content.decode()
        assert "residence-card en Takes about 40 minutes" in text(page)

    def test_a_chosen_service_leads_to_the_service_point_step(self, client, smoke_network):
        answer = client.get("/book/?service=residence-card&persons=1&next=1")
        assert answer.status_code == 302 and answer.url == "/book/point/?service=residence-card"

    def test_a_link_naming_only_the_service_still_asks_the_number_of_persons(self, client, smoke_network):
        page = client.get("/book/?service=residence-card")
        assert page.status_code == 200
        assert re.search(r'value="residence-card"[^>]*checked', page.content.decode())
        assert 'id="id_persons"' in page.content.decode()

    def test_continuing_without_a_choice_asks_for_one_in_a_linked_summary(self, client_en, smoke_network):
        page = client_en.get("/book/?next=1")
        assert page.status_code == 400
        assert links(page)["Choose the service you need."] == "#service-0"
        assert 'aria-describedby="service-error"' in page.content.decode()
        assert page.content.decode().count('aria-invalid="true"') == 1


class TestPointStep:
    def test_shows_the_earliest_free_time_of_each_point_in_its_own_zone(self, client_en, two_points):
        now = dt.datetime.now(dt.UTC)
        page = text(client_en.get(f"/book/point/?service={SERVICE}"))
        for point_id, zone in (("smoke-point", "Europe/Helsinki"), ("west-point", "Europe/Stockholm")):
            first = next(s for s in _slots(point_id, now))
            local = first.astimezone(__import__("zoneinfo").ZoneInfo(zone))
            assert f"{point_id} en Katu" in page or f"{point_id} en Gatan" in page
            assert f"{local:%A} {local.day} {local:%B} at {local:%H:%M}" in page

    def test_the_earliest_anywhere_leads_to_that_days_times_at_every_point(self, client, two_points):
        zone = __import__("zoneinfo").ZoneInfo("Europe/Helsinki")
        firsts = {p: min(_slots(p, dt.datetime.now(dt.UTC))) for p in ("smoke-point", "west-point")}
        day = min(firsts.values()).astimezone(zone).date()
        answer = client.get(f"/book/point/?service={SERVICE}&point=any&next=1")
        assert answer.status_code == 302
        assert answer.url == f"/book/day/?service={SERVICE}&date={day}"
        page = text(client.get(answer.url))
        # Every point with times that day is listed (late in a morning the Helsinki point, an hour
        # ahead, may have none left today while the Stockholm one still has).
        for point_id, first in firsts.items():
            assert (f"{point_id} fi" in page) == (first.astimezone(zone).date() == day), point_id

    def test_a_chosen_point_leads_to_its_month(self, client, two_points):
        answer = client.get(f"/book/point/?service={SERVICE}&point=west-point&next=1")
        assert answer.url == f"/book/month/?service={SERVICE}&point=west-point"

    @pytest.mark.parametrize("step", ["month", "day"])
    def test_a_month_or_day_of_an_unknown_point_or_service_goes_back_a_step(self, client, two_points, step):
        answer = client.get(f"/book/{step}/?service={SERVICE}&point=nowhere")
        assert answer.status_code == 302 and answer.url == f"/book/point/?service={SERVICE}"
        answer = client.get(f"/book/{step}/?service=nothing&point=west-point")
        assert answer.status_code == 302 and answer.url == "/book/"

    def test_continuing_without_a_choice_asks_for_one(self, client_en, two_points):
        page = client_en.get(f"/book/point/?service={SERVICE}&next=1")
        assert page.status_code == 400 and "Choose a service point" in text(page)

    def test_an_unknown_service_starts_over(self, client, smoke_network):
        assert client.get("/book/point/?service=nope").url == "/book/"


def _slots(point_id: str, now: dt.datetime) -> list[dt.datetime]:
    from vuoro.booking.selectors import availability_list

    return [s.slot.start for s in availability_list(state=network_state(), service_code=SERVICE, point_ids=[point_id],
                                                    from_date=None, to_date=None, limit=20, now=now)]


class TestMonthStep:
    def test_days_with_free_times_are_links_named_with_day_and_count(self, client_en, smoke_network, wednesday):
        page = client_en.get(f"/book/month/?service={SERVICE}&point=smoke-point&month={wednesday:%Y-%m}")
        name = f"{wednesday:%A} {wednesday.day} {wednesday:%B}, 5 free times"
        href = links(page)[f"{wednesday.day} 5 {name}"]
        assert href == f"/book/day/?service={SERVICE}&point=smoke-point&date={wednesday}"
        saturday = wednesday + dt.timedelta(days=3)
        if saturday.month == wednesday.month:
            assert not any(f"{saturday:%A} {saturday.day} {saturday:%B}" in label for label in links(page))

    def test_a_full_day_is_not_a_link(self, client_en, smoke_network, wednesday):
        for n, start in enumerate([at(wednesday, 9), at(wednesday, 9, 40), at(wednesday, 10, 20)] * 2):
            book(start, email=f"{n}@example.org")
        page = client_en.get(f"/book/month/?service={SERVICE}&point=smoke-point&month={wednesday:%Y-%m}")
        assert not any(f"{wednesday:%A} {wednesday.day} {wednesday:%B}," in label for label in links(page))

    def test_offers_nothing_before_today_nor_past_the_horizon(self, client_en, smoke_network):
        today = dt.date.today()
        this_month = client_en.get(f"/book/month/?service={SERVICE}&point=smoke-point&month={today:%Y-%m}")
        assert "Previous month" not in text(this_month)
        past_days = [label for label in links(this_month) if re.search(r"free times?$", label)
                     and int(label.split()[0]) < today.day]
        assert past_days == []
        last = today + dt.timedelta(days=60)
        last_month = client_en.get(f"/book/month/?service={SERVICE}&point=smoke-point&month={last:%Y-%m}")
        assert "Next month" not in text(last_month) and "Previous month" in text(last_month)
        late = [label for label in links(last_month) if re.search(r"free times?$", label)
                and int(label.split()[0]) > last.day]
        assert late == []
        beyond = client_en.get(f"/book/month/?service={SERVICE}&point=smoke-point&month={today.year + 2}-01")
        assert f"{last:%B} {last.year}" in text(beyond)

    def test_without_a_month_opens_on_the_month_of_the_earliest_free_time(self, client_en, smoke_network):
        first = _slots("smoke-point", dt.datetime.now(dt.UTC))[0]
        page = client_en.get(f"/book/month/?service={SERVICE}&point=smoke-point")
        assert re.search(rf"<h2 id=\"month-heading\"[^>]*>{first:%B} {first.year}</h2>", page.content.decode())

    def test_an_htmx_request_gets_only_the_month(self, client_en, smoke_network, wednesday):
        url = f"/book/month/?service={SERVICE}&point=smoke-point&month={wednesday:%Y-%m}"
        page = client_en.get(url, headers={"HX-Request": "true"}).content.decode()
        assert page.lstrip().startswith('<div id="month"') and "<html" not in page
        assert "<title>Choose a day" in page
        restoring = client_en.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
        assert "<html" in restoring.content.decode()

    def test_the_month_is_in_the_active_language(self, client, smoke_network, wednesday):
        page = client.get(f"/book/month/?service={SERVICE}&point=smoke-point&month=2030-01",
                          headers={"Accept-Language": "sv"})
        assert page.status_code == 200 and '<html lang="sv">' in page.content.decode()
        assert "Välj en dag" in text(page)


class TestDayStep:
    def test_lists_the_free_times_as_links_to_the_details_form(self, client_en, smoke_network, wednesday):
        book(at(wednesday, 9, 20))
        book(at(wednesday, 9, 20), email="third@example.org")
        page = client_en.get(f"/book/day/?service={SERVICE}&point=smoke-point&date={wednesday}")
        times = {label: href for label, href in links(page).items() if label.endswith("smoke-point en")}
        assert list(times) == ["10:00 , smoke-point en", "10:20 , smoke-point en"]
        assert times["10:00 , smoke-point en"] == details_url(at(wednesday, 10))

    def test_a_bad_date_goes_back_to_the_month(self, client, smoke_network):
        answer = client.get(f"/book/day/?service={SERVICE}&point=smoke-point&date=2027-02-30")
        assert answer.url == f"/book/month/?service={SERVICE}&point=smoke-point"


class TestDetailsAndConfirmation:
    def test_the_whole_flow_books_and_shows_key_pin_address_and_what_to_bring(self, client_en, smoke_network,
                                                                              wednesday):
        Service.objects.filter(code=SERVICE).update(checklist_en="Passport\nProof of the family tie")
        form = client_en.get(details_url(at(wednesday, 10)))
        assert form.status_code == 200
        assert f"{wednesday:%A} {wednesday.day} {wednesday:%B} {wednesday.year}, 10:00–10:40" in text(form)
        html = form.content.decode()
        assert 'autocomplete="name"' in html and 'autocomplete="email"' in html and 'autocomplete="tel"' in html
        assert re.search(r'value="en"[^>]*checked', html)
        answer = client_en.post(details_url(at(wednesday, 10), persons=2), details_form())
        assert answer.status_code == 302 and answer.url == "/book/done/"
        booking = Booking.objects.get()
        assert (booking.start_at, booking.persons, booking.language) == (at(wednesday, 10), 2, "sv")
        assert booking.customer_phone == "+358401234567"
        done = client_en.get("/book/done/")
        page = text(done)
        assert f"Reservation key {booking.reservation_key} PIN " in page
        pin = re.search(r'id="pin">(\d{6})<', done.content.decode()).group(1)
        assert "Katu 1" in page and "Passport Proof of the family tie" in page
        assert done["Cache-Control"].startswith("max-age=0") and "no-store" in done["Cache-Control"]
        calendar = client_en.post("/manage/calendar/", {"reservation_key": booking.reservation_key, "pin": pin})
        assert calendar["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VEVENT" in calendar.content and booking.reservation_key.encode() in calendar.content

    def test_errors_are_summarised_linked_to_their_fields_and_entered_values_stay(self, client_en, smoke_network,
                                                                                 wednesday):
        page = client_en.post(details_url(at(wednesday, 10)),
                              details_form(name=" ", email="not-an-address", phone="call me"))
        assert page.status_code == 400 and not Booking.objects.exists()
        summary = links(page)
        assert summary["Enter your name."] == "#id_name"
        assert summary["Enter an e-mail address like name@example.com."] == "#id_email"
        assert summary["Enter a phone number using digits, for example +358 40 123 4567."] == "#id_phone"
        html = page.content.decode()
        assert 'value="not-an-address"' in html and 'value="call me"' in html
        assert re.search(r'<input type="email"[^>]*aria-invalid="true"[^>]*aria-describedby="id_email_helptext '
                         r'id_email_error"', html)
        assert 'id="id_email_error"' in html and 'value="sv" required aria-invalid' not in html
        assert re.search(r'value="sv"[^>]*checked', html)
        assert text(page).startswith("Error: Your details")

    def test_a_time_taken_meanwhile_is_explained_and_the_nearest_free_times_offered(self, client_en,
                                                                                    smoke_network, wednesday):
        book(at(wednesday, 9, 20))
        book(at(wednesday, 9, 20), email="third@example.org")
        page = client_en.post(details_url(at(wednesday, 9, 20)), details_form())
        assert page.status_code == 409
        assert "Someone booked that time just before you" in text(page)
        offered = re.findall(r'name="alternative" value="([^"]+)"', page.content.decode())
        # The day's free times and the nearest of the days around it, in date order.
        assert {f"smoke-point|{at(wednesday, 10).isoformat()}",
                f"smoke-point|{at(wednesday, 10, 20).isoformat()}"} <= set(offered)
        starts = [dt.datetime.fromisoformat(value.split("|")[1]) for value in offered]
        assert starts == sorted(starts) and len(offered) == 6
        assert 'value="Test Person"' in page.content.decode()
        chosen = f"smoke-point|{at(wednesday, 10, 20).isoformat()}"
        answer = client_en.post(details_url(at(wednesday, 9, 20)), details_form(alternative=chosen))
        assert answer.status_code == 302
        assert Booking.objects.get(email_key="person@example.org").start_at == at(wednesday, 10, 20)

    def test_an_existing_booking_of_the_service_points_to_the_manage_page(self, client_en, smoke_network, wednesday):
        book(at(wednesday, 9), email="person@example.org")
        page = client_en.post(details_url(at(wednesday, 10)), details_form(email="Person@Example.org"))
        assert page.status_code == 409
        assert "You already have a booking for this service" in text(page)
        assert links(page)["Change or cancel a booking"] == "/manage/"
        assert Booking.objects.count() == 1

    def test_the_confirmation_needs_a_booking_just_made(self, client, smoke_network):
        assert client.get("/book/done/").url == "/book/"


@pytest.fixture
def made(smoke_network, wednesday):
    return book(at(wednesday, 9), email="person@example.org")


def sign_in(client, made, *, key=None, pin=None):
    return client.post("/manage/", {"reservation_key": key or made.booking.reservation_key, "pin": pin or made.pin})


class TestManage:
    def test_signs_in_with_key_and_pin_and_keeps_them_out_of_urls(self, client_en, made, wednesday):
        key = made.booking.reservation_key
        answer = sign_in(client_en, made, key=f" {key[:5].lower()}-{key[5:]} ")
        assert answer.status_code == 302 and answer.url == "/manage/booking/"
        page = client_en.get("/manage/booking/")
        assert f"Reservation key {key} Status Confirmed" in text(page)
        assert f"{wednesday:%A} {wednesday.day} {wednesday:%B} {wednesday.year}, 09:00–09:40" in text(page)
        assert all(key not in href and made.pin not in href for href in links(page).values())
        assert client_en.get("/manage/").url == "/manage/booking/"

    def test_a_wrong_pin_and_an_unknown_key_get_the_same_neutral_message(self, client_en, made):
        wrong_pin = sign_in(client_en, made, pin="000000" if made.pin != "000000" else "111111")
        unknown_key = sign_in(client_en, made, key="ZZZZZZZZZZ")
        message = "We found no booking with that reservation key and PIN. Check them and try again."
        for page in (wrong_pin, unknown_key):
            assert page.status_code == 400 and message in text(page)
        assert client_en.get("/manage/booking/").url == "/manage/"

    def test_repeated_wrong_pins_lock_the_key_with_a_429_page(self, client_en, made):
        wrong = "000000" if made.pin != "000000" else "111111"
        for _ in range(PIN_ATTEMPTS_ALLOWED):
            assert sign_in(client_en, made, pin=wrong).status_code == 400
        locked = sign_in(client_en, made)
        assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
        assert "A wrong PIN was entered too many times" in text(locked)
        assert "Try again in 15 minutes." in text(locked)
        also_calendar = client_en.post("/manage/calendar/", {"reservation_key": made.booking.reservation_key,
                                                              "pin": made.pin})
        assert also_calendar.status_code == 429

    def test_manage_pages_need_a_sign_in(self, client, made):
        for path in ("/manage/booking/", "/manage/cancel/", "/manage/move/", "/manage/move/confirm/"):
            assert client.get(path).url == "/manage/", path
        assert client.post("/manage/calendar/").url == "/manage/"

    def test_cancelling_asks_first_then_frees_the_time(self, client_en, made, wednesday):
        sign_in(client_en, made)
        question = client_en.get("/manage/cancel/")
        assert "Cancel the booking?" in text(question)
        assert Booking.objects.get().status == Booking.Status.CONFIRMED
        answer = client_en.post("/manage/cancel/")
        assert answer.url == "/manage/booking/"
        assert Booking.objects.get().status == Booking.Status.CANCELLED
        page = text(client_en.get("/manage/booking/"))
        assert "Your booking is cancelled." in page and "Status Cancelled" in page
        day = client_en.get(f"/book/day/?service={SERVICE}&point=smoke-point&date={wednesday}")
        assert "09:00 , smoke-point en" in links(day)

    def test_rescheduling_moves_the_booking_through_the_month_and_day_views(self, client_en, made, wednesday):
        sign_in(client_en, made)
        points = client_en.get("/manage/move/?point=smoke-point&next=1")
        assert points.url == "/manage/move/month/?point=smoke-point"
        month = client_en.get(f"/manage/move/month/?point=smoke-point&month={wednesday:%Y-%m}")
        thursday = wednesday + dt.timedelta(days=1)
        day_link = next(href for label, href in links(month).items()
                        if label.endswith(f"{thursday:%A} {thursday.day} {thursday:%B}, 5 free times"))
        assert day_link == f"/manage/move/day/?point=smoke-point&date={thursday}"
        time_link = links(client_en.get(day_link))["10:20 , smoke-point en"]
        confirm = client_en.get(time_link)
        assert "Move the booking?" in text(confirm) and Booking.objects.get().start_at == at(wednesday, 9)
        answer = client_en.post(time_link)
        assert answer.url == "/manage/booking/"
        moved = Booking.objects.get()
        assert moved.start_at == at(thursday, 10, 20) and moved.reservation_key == made.booking.reservation_key
        assert "Your booking is moved to the new time." in text(client_en.get("/manage/booking/"))

    def test_rescheduling_to_a_time_taken_meanwhile_leaves_the_booking_and_offers_others(self, client_en, made,
                                                                                        wednesday):
        sign_in(client_en, made)
        url = "/manage/move/confirm/?" + urlencode({"point": "smoke-point", "start": at(wednesday, 10).isoformat()})
        book(at(wednesday, 10), email="x@example.org")
        book(at(wednesday, 10), email="y@example.org")
        page = client_en.post(url)
        assert page.status_code == 409 and "Your booking is unchanged." in text(page)
        assert Booking.objects.get(email_key="person@example.org").start_at == at(wednesday, 9)
        assert 'name="alternative"' in page.content.decode()

    def test_the_calendar_file_comes_from_the_signed_in_session(self, client, made):
        sign_in(client, made)
        answer = client.post("/manage/calendar/")
        assert answer.status_code == 200 and b"BEGIN:VCALENDAR" in answer.content
        assert answer["Content-Disposition"] == f'attachment; filename="{made.booking.reservation_key}.ics"'

    def test_the_sign_in_lapses_after_half_an_hour_unused(self, client, made):
        sign_in(client, made)
        session = client.session
        held = session["booking.managed"]
        assert held["until"] - dt.datetime.now(dt.UTC).timestamp() == pytest.approx(30 * 60, abs=5)
        session["booking.managed"] = {**held, "until": dt.datetime.now(dt.UTC).timestamp() - 1}
        session.save()
        assert client.get("/manage/booking/").url == "/manage/"

    def test_signing_out_forgets_the_booking(self, client, made):
        sign_in(client, made)
        client.post("/manage/sign-out/")
        assert client.get("/manage/booking/").url == "/manage/"


class TestFrontPage:
    def test_links_to_booking_and_to_managing_a_booking(self, client_en, smoke_network):
        found = links(client_en.get("/"))
        assert found["Book an appointment"] == "/book/"
        assert found["Change or cancel a booking"] == "/manage/"
        assert found["residence-card en"] == "/book/?service=residence-card"


class TestProtections:
    def test_every_form_post_needs_the_csrf_token(self, smoke_network, made, wednesday):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        for path in (details_url(at(wednesday, 10)), "/manage/", "/manage/calendar/", "/manage/cancel/"):
            assert client.post(path, details_form()).status_code == 403, path
        assert Booking.objects.count() == 1

    def test_too_many_requests_from_one_client_get_a_429_page(self, client_en, smoke_network, settings, monkeypatch):
        from vuoro.booking import guards

        settings.RATE_LIMITS = True
        monkeypatch.setitem(guards.RATE_LIMITS_PER_MINUTE, "availability", 2)
        for _ in range(2):
            assert client_en.get(f"/book/point/?service={SERVICE}").status_code == 200
        page = client_en.get(f"/book/point/?service={SERVICE}")
        assert page.status_code == 429 and int(page["Retry-After"]) >= 1
        assert "Too many requests came from your address in a short time." in text(page)
