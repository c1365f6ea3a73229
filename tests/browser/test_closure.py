"""A manager closes a day in the back office, in a real browser: the bookings hit are shown, then moved or
cancelled on confirmation, and every customer gets a message. One language per run; fi, sv and en all run."""
import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.utils import timezone

from tests.booking.conftest import at
from tests.browser.conftest import pretty
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import OpeningException, StaffAssignment
from vuoro.network.roles import MANAGER, ensure_staff_groups
from vuoro.network.state import network_state
from vuoro.notify.models import Notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POINT = "smoke-point"
WORDS = {  # what the manager reads, per language
    "fi": {"cancelled": "peruttu", "moved": "siirretty"},
    "sv": {"cancelled": "avbokad", "moved": "flyttad"},
    "en": {"cancelled": "cancelled", "moved": "moved to"},
}


@pytest.fixture
def manager(smoke_network):
    ensure_staff_groups()
    user = User.objects.create_user("manager", password="closure-secret-1", is_staff=True)
    user.groups.add(Group.objects.get(name=MANAGER))
    StaffAssignment.objects.create(user=user, service_point_id=POINT)
    return user


def book(start, email, language):
    return booking_create(state=network_state(), service_code="residence-card", point_id=POINT, start_at=start,
                          persons=1, language=language, customer=Customer(name="N", email=email),
                          now=timezone.now()).booking


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_manager_closes_a_day_and_every_customer_is_told(browser, live_server, manager, wednesday, language,
                                                           axe_violations):
    bookings = [book(at(wednesday, 9), "early@example.org", "fi"), book(at(wednesday, 10), "late@example.org", "sv")]
    context = browser.new_context(locale=language)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/network/openingexception/add/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "closure-secret-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/openingexception/add/")
    assert page.locator("html").get_attribute("lang") == language

    page.locator("#id_service_point").select_option(POINT)
    page.fill("#id_date", wednesday.isoformat())  # no hours: closed that day
    page.locator("input[name=_save]").click()

    # The confirm page: which bookings the closure hits, and what becomes of them; nothing saved yet.
    listed = page.locator("#affected-bookings li")
    listed.first.wait_for(state="visible")
    assert listed.count() == 2
    for booking, line in zip(bookings, listed.all_inner_texts(), strict=True):
        assert booking.reservation_key in line and WORDS[language]["cancelled"] in line
    assert not OpeningException.objects.exists()
    assert axe_violations(page) == [], pretty(axe_violations(page))

    sent_before = len(mail.outbox)  # the confirmations of the bookings
    page.locator("#content form input[type=submit]").click()
    page.wait_for_url("**/openingexception/")
    reported = page.locator("ul.messagelist").inner_text()
    assert all(booking.reservation_key in reported for booking in bookings)

    assert OpeningException.objects.get().opens_at is None
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        notice = Notice.objects.get(booking=booking, event=Notice.Event.AGENCY_CANCELLED, channel="email")
        assert notice.sent_at is not None  # the outbox sent it once the change committed
    told = sorted(message.to[0] for message in mail.outbox[sent_before:])
    assert told == ["early@example.org", "late@example.org"]
    context.close()
