"""A clerk's morning at two desks, in two browsers: calls by keyboard, "did not come" confirmed in a
dialog and undone, a transfer to the other desk, a pause; the other desk's waiting list follows
without a reload. In English, Finnish (on a 390 px phone screen) and Swedish, axe-clean throughout."""
import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from tests.factories import load_network
from vuoro.network.models import Desk, StaffAssignment
from vuoro.network.roles import CLERK
from vuoro.network.state import network_state
from vuoro.walkin.models import Ticket
from vuoro.walkin.services import ticket_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALL_DAY = {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
LIVE = 10_000  # ms: the list polls every 3 s


@pytest.fixture
def two_desks():
    load_network(holidays=None, services=[("extended-permit", 15), ("citizenship", 15)],
                 points=[dict(id="malmi", desks=1, services=["extended-permit", "citizenship"], walk_in=(2, 40),
                              hours=ALL_DAY)])
    for name in ("anna", "bertil"):
        clerk = User.objects.create_user(name, password="clerk-pass-1", is_staff=True)
        clerk.groups.add(Group.objects.get(name=CLERK))
        StaffAssignment.objects.create(user=clerk, service_point_id="malmi")
    for _ in range(4):
        ticket_issue(state=network_state(), point_id="malmi", service_code="extended-permit", language="sv",
                     now=timezone.now())
    return [Desk.objects.get(service_point_id="malmi", kind="walk_in", number=n) for n in (1, 2)]


def sign_in(page, base, username, language, desk):
    page.goto(f"{base}/admin/login/?next=/console/desk/{desk.pk}/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("clerk-pass-1")
    page.locator("input[type=submit]").click()
    page.get_by_role("button", name=language).click()


def clean(page, axe_violations):
    violations = axe_violations(page)
    assert violations == [], pretty(violations)


def test_a_morning_at_two_desks(browser, live_server, two_desks, axe_violations):
    desk_a, desk_b = two_desks
    anna = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    bertil = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(anna, live_server.url, "anna", "English", desk_a)
    sign_in(bertil, live_server.url, "bertil", "Suomi", desk_b)
    # Desk numbers for customers: the appointment desk is 1, the walk-in desks 2 and 3.
    expect(anna.get_by_role("heading", level=1)).to_contain_text("desk 2")
    count_a, count_b = anna.locator(".waiting-count"), bertil.locator(".waiting-count")
    expect(count_a).to_have_text("4")
    expect(bertil.locator("#waiting .waiting-row")).to_have_count(4)
    clean(anna, axe_violations)
    clean(bertil, axe_violations)

    # A key pressed in a field is the field's: nothing is submitted (the shortcut clicks synchronously).
    anna.evaluate("() => { window.submits = 0; document.addEventListener('submit', () => window.submits++, true); }")
    anna.locator("#id_language").press("n")
    assert anna.evaluate("() => window.submits") == 0
    # Anna calls with the N key; Bertil's list loses that customer without a reload.
    anna.locator("h1").click()  # focus leaves the field
    anna.keyboard.press("n")
    card = anna.locator(".card.visit")
    expect(card).to_contain_text("A-001")
    expect(card).to_contain_text("not asked (queue number)")
    expect(card).to_contain_text("Swedish")
    expect(card).to_contain_text("extended-permit en")
    expect(count_a).to_have_text("3")
    expect(count_b).to_have_text("3", timeout=LIVE)
    expect(bertil.locator("#waiting .waiting-row")).to_have_count(3)
    clean(anna, axe_violations)

    # "Did not come" asks in a dialog: Escape keeps the customer, yes marks them absent; undo brings them back.
    anna.get_by_role("button", name="Did not come").click()
    dialog = anna.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    clean(anna, axe_violations)
    anna.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(anna.get_by_role("button", name="Did not come")).to_be_focused()
    assert Ticket.objects.get(number=1).status == "called"
    anna.get_by_role("button", name="Did not come").click()
    dialog.get_by_role("button", name="Yes, did not come").click()
    expect(anna.get_by_role("status")).to_contain_text("Marked as not come")
    expect(card).to_have_count(0)
    clean(anna, axe_violations)
    anna.get_by_role("button", name="Undo: the customer came after all").click()
    expect(card).to_contain_text("A-001")

    # Anna transfers A-001 to Bertil's desk 3: back in the queue in its place, shown for desk 3.
    card.get_by_text("Transfer to another desk or service").click()
    card.get_by_label("To desk").select_option(label="desk 3")
    card.get_by_role("button", name="Transfer", exact=True).click()
    expect(anna.get_by_role("status")).to_contain_text("waits for desk 3")
    row = bertil.locator("#waiting .waiting-row", has_text="A-001")
    expect(row).to_contain_text("virkailijapiste 3", timeout=LIVE)
    clean(bertil, axe_violations)
    # Anna's next call skips it; Bertil's call gets it first, ahead of A-003.
    anna.get_by_role("button", name="Call next").click()
    expect(card).to_contain_text("A-002")
    bertil.get_by_role("button", name="Kutsu seuraava").click()
    expect(bertil.locator(".card.visit")).to_contain_text("A-001")
    expect(bertil.locator(".card.visit")).to_contain_text("ei kysytä (jonotusnumero)")
    clean(bertil, axe_violations)

    # Anna finishes by keyboard, then pauses: no "Call next" while paused; Bertil's list still follows.
    anna.keyboard.press("s")
    expect(card).to_contain_text("being served since")
    anna.get_by_label("Outcome").select_option("application_received")
    anna.locator("h1").click()
    anna.keyboard.press("f")
    expect(card).to_have_count(0)
    anna.get_by_role("button", name="Pause the desk").click()
    expect(anna.locator("h1 .badge")).to_have_text("paused")
    expect(anna.get_by_role("button", name="Call next")).to_have_count(0)
    clean(anna, axe_violations)
    anna.keyboard.press("p")
    expect(anna.get_by_role("button", name="Call next")).to_be_visible()

    # The same desk in Swedish.
    anna.get_by_role("button", name="Svenska").click()
    expect(anna.get_by_role("heading", name="Kortkommandon")).to_be_visible()
    expect(anna.locator("#waiting h2")).to_contain_text("Väntar")
    clean(anna, axe_violations)
    expect(count_b).to_have_text(anna.locator(".waiting-count").inner_text(), timeout=LIVE)
