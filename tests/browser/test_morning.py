"""A morning at a service point, in a real browser: kiosk, display board, clerk's console, check-in, no-show."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.browser.conftest import pretty
from tests.factories import load_network
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import StaffAssignment
from vuoro.network.roles import CLERK
from vuoro.network.state import network_state
from vuoro.walkin.services import noshow_sweep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALL_DAY = {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def morning():
    load_network(holidays=None, slot_minutes=5, services=[("extended-permit", 15)],
                 points=[dict(id="malmi", desks=2, services=["extended-permit"], walk_in=(1, 40), hours=ALL_DAY)])
    clerk = User.objects.create_user("clerk", password="clerk-pass-1", is_staff=True)
    clerk.groups.add(Group.objects.get(name=CLERK))
    StaffAssignment.objects.create(user=clerk, service_point_id="malmi")
    now = timezone.now()
    start = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=5 - now.minute % 5)
    zone = network_state().points["malmi"].zone
    end = (start + dt.timedelta(minutes=15)).astimezone(zone)
    if end.date() != now.astimezone(zone).date() or end.time() > dt.time(23, 59):
        pytest.skip("the morning needs 15 minutes of today left; it runs at any other time of day")
    appointment = booking_create(state=network_state(), service_code="extended-permit", point_id="malmi",
                                 start_at=start, persons=1, language="en",
                                 customer=Customer(name="A", email="a@example.org"), now=now).booking
    return appointment


def test_a_morning_at_the_service_point(page, browser, live_server, morning, axe_violations):
    # The kiosk, in Finnish: take a queue number.
    page.goto(f"{live_server.url}/kiosk/malmi/")
    page.get_by_role("button", name="Suomi").click()
    assert axe_violations(page) == [], pretty(axe_violations(page))
    page.get_by_role("button", name="Jokin muu / en tiedä").click()
    assert page.locator(".ticket-number").inner_text() == "A-001"
    assert axe_violations(page) == [], pretty(axe_violations(page))

    # The display board, in Swedish, in a second window: it shows the waiting customer.
    board = browser.new_page()
    board.goto(f"{live_server.url}/board/malmi/?lang=sv")
    assert board.locator("html").get_attribute("lang") == "sv"
    assert axe_violations(board) == [], pretty(axe_violations(board))

    # The appointment checks in at the kiosk with its reservation key (the kiosk forgets the last
    # customer's language: Finnish is chosen again).
    page.goto(f"{live_server.url}/kiosk/malmi/?lang=fi")
    page.get_by_label("Varaustunnus").fill(morning.reservation_key.lower())
    page.get_by_role("button", name="Ilmoittaudu").click()
    page.get_by_role("heading", name="Olet ilmoittautunut").wait_for(state="visible")

    # The clerk logs in, in English, and calls: the due appointment comes first.
    clerk = browser.new_page()
    clerk.goto(f"{live_server.url}/admin/login/?next=/console/")
    clerk.locator("#id_username").fill("clerk")
    clerk.locator("#id_password").fill("clerk-pass-1")
    clerk.locator("input[type=submit]").click()
    clerk.get_by_role("button", name="English").click()
    clerk.get_by_role("link", name="desk 3").click()
    assert axe_violations(clerk) == [], pretty(axe_violations(clerk))
    clerk.get_by_role("button", name="Call next").click()
    clerk.get_by_text(morning.reservation_key).first.wait_for(state="visible")
    board.locator(".newest", has_text=morning.reservation_key[-3:]).wait_for(timeout=3000)
    assert board.locator(".newest .to").inner_text() in ("Piste 3", "Lucka 3", "Desk 3")  # the languages turn

    clerk.get_by_role("button", name="Start").click()
    clerk.get_by_label("Outcome").select_option("identity_verified")
    clerk.get_by_role("button", name="Finish").click()

    # Next the queue number: the board updates within two seconds of the call.
    clerk.get_by_role("button", name="Call next").click()
    board.locator(".newest", has_text="A-001").wait_for(timeout=2500)
    board.locator("td.num", has_text=morning.reservation_key[-3:]).wait_for(timeout=2500)  # one call earlier
    clerk.get_by_role("button", name="Did not come").click()
    clerk.get_by_role("dialog").get_by_role("button", name="Yes, did not come").click()

    # An appointment nobody checked in for becomes a no-show after its start and the grace period.
    morning.refresh_from_db()
    assert morning.status == "done" and morning.outcome == "identity_verified"
    missed = Booking.objects.create(**{**{f.attname: getattr(morning, f.attname) for f in Booking._meta.concrete_fields
                                          if f.attname not in ("id",)},
                                       "reservation_key": "MISSED0001", "status": "confirmed",
                                       "start_at": timezone.now() - dt.timedelta(minutes=30),
                                       "end_at": timezone.now() - dt.timedelta(minutes=15),
                                       "email_key": "b@example.org", "desk_id": morning.desk_id})
    assert noshow_sweep(now=timezone.now()) == 1
    missed.refresh_from_db()
    assert missed.status == "no_show"
