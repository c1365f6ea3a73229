"""Staff help customers, in a real browser: a clerk finds a booking and cancels it with a reason
(in each language), and books an appointment for a customer at the desk; axe-core finds nothing
on any staff page visited."""
import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_booking_pages import Visit
from tests.factories import load_network
from tests.walkin.conftest import local
from vuoro.audit.models import AuditEntry
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import StaffAssignment
from vuoro.network.roles import CLERK
from vuoro.network.state import network_state
from vuoro.notify.models import Notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALL_DAY = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
WORDS = {
    "fi": {"language": "Suomi", "find": "Etsi varaus", "what": "Varaustunnus, nimi, sähköposti tai puhelin",
           "search": "Hae", "cancel": "Peru varaus", "cancelled": "peruttu", "done": "asiakkaalle on ilmoitettu",
           "act": "perui varauksen"},
    "sv": {"language": "Svenska", "find": "Sök en bokning", "what": "Bokningskod, namn, e-post eller telefon",
           "search": "Sök", "cancel": "Avboka tiden", "cancelled": "avbokad", "done": "kunden har meddelats",
           "act": "avbokade bokningen"},
    "en": {"language": "English", "find": "Find a booking", "what": "Reservation key, name, e-mail or phone",
           "search": "Search", "cancel": "Cancel the booking", "cancelled": "cancelled", "done": "the customer is told",
           "act": "cancelled the booking"},
}


@pytest.fixture
def desk_day():
    load_network(holidays=None, slot_minutes=15, horizon_days=30, services=[("extended-permit", 30)],
                 points=[dict(id="malmi", desks=1, services=["extended-permit"], hours=ALL_DAY),
                         dict(id="oulu", desks=1, services=["extended-permit"], hours=ALL_DAY)])
    clerk = User.objects.create_user("clerk", password="clerk-pass-1", is_staff=True)
    clerk.groups.add(Group.objects.get(name=CLERK))
    StaffAssignment.objects.create(user=clerk, service_point_id="malmi")
    return clerk


def sign_in(page, live_server, language):
    page.goto(f"{live_server.url}/admin/login/?next=/console/")
    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill("clerk-pass-1")
    page.locator("input[type=submit]").click()
    page.get_by_role("button", name=WORDS[language]["language"]).click()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_clerk_finds_a_booking_and_cancels_it_with_a_reason(page, live_server, desk_day, axe_violations,
                                                              language):
    words = WORDS[language]
    day = timezone.localdate() + dt.timedelta(days=3)
    booking = booking_create(state=network_state(), service_code="extended-permit", point_id="malmi",
                             start_at=local(day, 10), persons=1, language="fi", now=timezone.now(),
                             customer=Customer(name="Aino Asiakas", email="aino@example.org")).booking
    visit = Visit(page, axe_violations, language)
    sign_in(page, live_server, language)
    visit.check()
    visit.click(page.get_by_role("link", name=words["find"]).first)
    page.get_by_label(words["what"]).fill("asiakas")
    visit.click(page.get_by_role("button", name=words["search"]))
    visit.click(page.get_by_role("link", name=booking.reservation_key))
    page.locator("#id_cancel-reason").fill("Customer phoned: ill")
    visit.click(page.get_by_role("button", name=words["cancel"]))
    assert words["done"] in page.locator(".messages").inner_text()
    assert page.locator("#booking-status").inner_text() == words["cancelled"]
    history = page.locator("table.history tbody tr").first.inner_text()
    assert "clerk" in history and words["act"] in history and "Customer phoned: ill" in history
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert list(Notice.objects.filter(booking=booking, channel="email").values_list("event", flat=True)
                .order_by("id")) == ["confirmed", "cancelled"]
    assert AuditEntry.objects.filter(object_type="booking").get().actor == desk_day


def test_a_clerk_books_for_the_customer_who_then_signs_in_with_the_key_and_pin(page, live_server, desk_day,
                                                                               axe_violations):
    visit = Visit(page, axe_violations, "en")
    sign_in(page, live_server, "en")
    visit.check()
    visit.click(page.get_by_role("link", name="Book an appointment for the customer").first)
    page.get_by_label("Service", exact=True).select_option("extended-permit")
    page.get_by_label("Service point").select_option("malmi")
    page.get_by_label("Number of persons").select_option("2")
    visit.click(page.get_by_role("button", name="Show free times"))
    visit.click(page.locator("td.free a").first)
    visit.click(page.locator("a.time").first)
    page.get_by_label("Customer's full name").fill("Bertil Kund")
    page.get_by_label("Customer's e-mail address").fill("bertil@example.org")
    page.get_by_label("Customer's mobile phone number (optional)").fill("+358 40 765 4321")
    page.get_by_label("Svenska").check()
    visit.click(page.get_by_role("button", name="Book", exact=True))
    key, pin = page.locator("#handover-key").inner_text(), page.locator("#handover-pin").inner_text()
    booking = Booking.objects.get()
    assert (key, booking.channel, booking.persons, booking.language, booking.customer_name) == (
        booking.reservation_key, "desk", 2, "sv", "Bertil Kund")
    assert re.fullmatch(r"\d{6}", pin)
    assert list(Notice.objects.filter(booking=booking, channel="email").values_list("event", flat=True)) == [
        "confirmed"]
    assert AuditEntry.objects.filter(object_type="booking").get().action == "booking.create"

    # The customer's next step: the key and PIN open the booking on the public manage pages.
    customer = page.context.browser.new_context().new_page()
    customer.goto(f"{live_server.url}/manage/")
    customer.get_by_role("button", name="English").click()
    customer.get_by_label("Reservation key").fill(key)
    customer.get_by_label("PIN").fill(pin)
    customer.get_by_role("button", name="Show the booking").click()
    customer.get_by_text(booking.reservation_key).first.wait_for(state="visible")


def test_a_clerk_moves_a_booking_with_the_customers_pickers(page, live_server, desk_day, axe_violations):
    day = timezone.localdate() + dt.timedelta(days=3)
    booking = booking_create(state=network_state(), service_code="extended-permit", point_id="malmi",
                             start_at=local(day, 10), persons=1, language="en", now=timezone.now(),
                             customer=Customer(name="Aino Asiakas", email="aino@example.org")).booking
    visit = Visit(page, axe_violations, "en")
    sign_in(page, live_server, "en")
    page.goto(f"{live_server.url}/console/bookings/{booking.pk}/")
    visit.check()
    visit.click(page.get_by_role("link", name="Move to another time"))
    visit.click(page.locator("td.free a").last)
    visit.click(page.locator("a.time").last)
    visit.click(page.get_by_role("button", name="Move the booking"))  # no reason: refused, nothing moved
    assert page.locator(".error-summary").is_visible()
    page.get_by_label("Reason").fill("The customer asked for a later day")
    visit.click(page.get_by_role("button", name="Move the booking"))
    assert "the customer is told" in page.locator(".messages").inner_text()
    booking.refresh_from_db()
    assert booking.start_at != local(day, 10) and booking.rescheduled_count == 1
    assert "The customer asked for a later day" in page.locator("table.history").inner_text()


CLUSTER_WORDS = {
    "fi": {"nav": "Epäilyttävät varaukset", "cancel": "Peru valitut varaukset", "yes": "Kyllä, peru ne",
           "done": "peruttu jälleenmyytyinä"},
    "sv": {"nav": "Misstänkta bokningar", "cancel": "Avboka de valda bokningarna", "yes": "Ja, avboka dem",
           "done": "avbokade som vidaresålda"},
    "en": {"nav": "Suspicious bookings", "cancel": "Cancel the chosen bookings", "yes": "Yes, cancel them",
           "done": "cancelled as resold"},
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_clerk_cancels_a_cluster_of_hoarded_bookings_as_resold(page, live_server, desk_day, axe_violations,
                                                                  language):
    words = CLUSTER_WORDS[language]
    day = timezone.localdate() + dt.timedelta(days=3)
    hoarded = [booking_create(state=network_state(), service_code="extended-permit", point_id="malmi",
                              start_at=local(day, 9 + n), persons=1, language="fi", now=timezone.now(),
                              client_key="e" * 32,
                              customer=Customer(name=f"Made Up {'ABCDE'[n]}", email=f"m{n}@example{n}.org")).booking
               for n in range(5)]
    visit = Visit(page, axe_violations, language)
    sign_in(page, live_server, language)
    visit.click(page.get_by_role("link", name=words["nav"]).first)
    boxes = page.locator("table.cluster input[type=checkbox]")
    expect(boxes).to_have_count(5)
    for n in range(2):
        boxes.nth(n).check()
    visit.click(page.get_by_role("button", name=words["cancel"]))  # no reason: refused, nothing cancelled
    assert page.locator(".error-summary").is_visible()
    assert page.locator("table.cluster input[type=checkbox]:checked").count() == 2  # the choice is kept
    page.locator("#id_reason").fill("Offered for sale on a forum")
    visit.click(page.get_by_role("button", name=words["cancel"]))
    assert "Offered for sale on a forum" in page.locator("#resold-reason").inner_text()
    assert not Booking.objects.filter(status="cancelled").exists()  # not before the confirmation
    visit.click(page.get_by_role("button", name=words["yes"]))
    assert words["done"] in page.locator(".messages").inner_text()
    assert set(Booking.objects.filter(status="cancelled").values_list("pk", flat=True)) == {
        b.pk for b in hoarded[:2]}
    assert AuditEntry.objects.filter(action="booking.cancel_resold").count() == 2
    assert Notice.objects.filter(event="agency_cancelled", channel="email").count() == 2
