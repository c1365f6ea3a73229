"""The kiosk and the display board in a real browser: at a kiosk's size (1080×1920, portrait) and a
phone's (390 px), in Finnish, Swedish and English, axe-clean, never wider than the screen."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import pretty
from tests.factories import load_network
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Desk
from vuoro.network.state import network_state
from vuoro.walkin import kiosk_views
from vuoro.walkin.services import booking_check_in, call_next, ticket_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALL_DAY = {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
KIOSK = {"width": 1080, "height": 1920}
PHONE = {"width": 390, "height": 844}
WORDS = {  # language: (the kiosk's heading for a number, its "something else" button, the ticket's heading)
    "fi": ("Ota jonotusnumero", "Jokin muu / en tiedä", "Jonotusnumerosi"),
    "sv": ("Ta ett könummer", "Något annat / jag vet inte", "Ditt könummer"),
    "en": ("Take a queue number", "Something else / I don't know", "Your queue number"),
}


@pytest.fixture
def hall():
    load_network(holidays=None, slot_minutes=5, services=[("extended-permit", 15), ("citizenship", 15)],
                 points=[dict(id="malmi", desks=1, services=["extended-permit", "citizenship"], walk_in=(2, 40),
                              hours=ALL_DAY)])
    now = timezone.now()
    zone = network_state().points["malmi"].zone
    if (now + dt.timedelta(minutes=20)).astimezone(zone).date() != now.astimezone(zone).date():
        pytest.skip("the hall needs 20 minutes of today left; it runs at any other time of day")


def appointment(minutes_ahead=10):
    now = timezone.now()
    start = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=5 - now.minute % 5 + minutes_ahead - 5)
    return booking_create(state=network_state(), service_code="extended-permit", point_id="malmi", start_at=start,
                          persons=1, language="en", customer=Customer(name="A", email="a@example.org"),
                          now=now).booking


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", [KIOSK, PHONE], ids=["kiosk", "phone"])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_number_from_the_kiosk_to_the_phone(browser, live_server, hall, axe_violations, size, language):
    heading, other, ticket_heading = WORDS[language]
    kiosk = browser.new_page(viewport=size)
    kiosk.goto(f"{live_server.url}/kiosk/malmi/")
    kiosk.get_by_role("button", name=dict(fi="Suomi", sv="Svenska", en="English")[language]).click()
    expect(kiosk.get_by_role("heading", name=heading)).to_be_visible()
    expect(kiosk.locator("select")).to_have_count(0)
    assert fits(kiosk) and axe_violations(kiosk) == [], pretty(axe_violations(kiosk))
    box = kiosk.get_by_role("button", name=other).bounding_box()
    assert box["height"] >= 80 and box["width"] >= 250  # a target a finger finds

    kiosk.get_by_role("button", name=other).click()
    expect(kiosk.get_by_role("heading", name=ticket_heading)).to_be_visible()
    expect(kiosk.locator(".ticket-number")).to_have_text("A-001")
    expect(kiosk.locator("[data-print]")).to_be_visible()  # shown where the browser can print
    assert fits(kiosk) and axe_violations(kiosk) == [], pretty(axe_violations(kiosk))
    # On the receipt printer: the ticket alone, within 80 mm paper.
    kiosk.emulate_media(media="print")
    expect(kiosk.locator(".kiosk-head")).to_be_hidden()
    expect(kiosk.locator("[data-print]")).to_be_hidden()
    expect(kiosk.locator(".receipt img.qr")).to_be_visible()
    assert kiosk.locator(".receipt").bounding_box()["width"] <= 72 / 25.4 * 96 + 1
    kiosk.emulate_media(media="screen")

    # The customer's phone opens the live page the QR code holds.
    live = kiosk.locator(".receipt-live a").get_attribute("href")
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{live_server.url}{live}")
    expect(phone.locator("html")).to_have_attribute("lang", language)
    expect(phone.locator(".receipt-facts dd").first).to_have_text("1")
    assert fits(phone) and axe_violations(phone) == [], pretty(axe_violations(phone))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_wrong_key_stays_typed_and_a_right_one_checks_in(page, live_server, hall, axe_violations, language):
    booking = appointment()
    page.set_viewport_size(KIOSK)
    page.goto(f"{live_server.url}/kiosk/malmi/?lang={language}")
    key = page.locator("input[name=reservation_key]")
    key.fill("abcd-1234-xy")
    key.press("Enter")
    expect(page.locator("#key-error")).to_be_visible()
    expect(key).to_have_value("abcd-1234-xy")
    expect(key).to_have_attribute("aria-invalid", "true")
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == [], pretty(axe_violations(page))
    key.fill(booking.reservation_key)
    key.press("Enter")
    expect(page.locator(".kiosk-result")).to_be_visible()
    assert fits(page) and axe_violations(page) == [], pretty(axe_violations(page))


def test_the_camera_reads_the_bookings_qr_code_where_the_browser_can(browser, live_server, hall):
    """Chromium on Linux has no BarcodeDetector: a stand-in for it and for the camera, as a kiosk's
    browser would offer them; without them the button never shows (the key is typed)."""
    booking = appointment()
    plain = browser.new_page(viewport=KIOSK)
    plain.goto(f"{live_server.url}/kiosk/malmi/?lang=en")
    expect(plain.locator("[data-scan]")).to_be_hidden()
    context = browser.new_context(viewport=KIOSK)
    context.add_init_script(f"""
      window.BarcodeDetector = class {{
        static getSupportedFormats() {{ return Promise.resolve(["qr_code"]); }}
        detect() {{ return Promise.resolve([{{rawValue: "{booking.reservation_key}"}}]); }}
      }};
      navigator.mediaDevices.getUserMedia = () => {{
        const canvas = document.createElement("canvas"); canvas.getContext("2d").fillRect(0, 0, 10, 10);
        return Promise.resolve(canvas.captureStream());
      }};""")
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/malmi/?lang=en")
    page.get_by_role("button", name="Scan the QR code").click()
    expect(page.get_by_role("heading", name="You are checked in")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == "checked_in"


def test_the_screen_goes_back_to_a_clean_start_with_and_without_javascript(browser, live_server, hall,
                                                                            monkeypatch):
    monkeypatch.setattr(kiosk_views, "KIOSK_RESET_SECONDS", 2)
    for javascript in (True, False):
        context = browser.new_context(viewport=KIOSK, java_script_enabled=javascript)
        page = context.new_page()
        page.goto(f"{live_server.url}/kiosk/malmi/?lang=sv")
        page.locator("input[name=phone]").fill("040 765 43%s" % (21 if javascript else 22))
        page.get_by_role("button", name=WORDS["sv"][1]).click()
        expect(page.locator(".ticket-number")).to_be_visible()
        # Back at the start by itself: the kiosk's own language, nothing of the last customer.
        expect(page).to_have_url(f"{live_server.url}/kiosk/malmi/", timeout=8000)
        expect(page.locator("input[name=phone]")).to_have_value("")
        assert page.locator("html").get_attribute("lang") != "sv"
        context.close()


def test_the_start_page_forgets_what_was_typed_when_left_alone(page, live_server, hall, monkeypatch):
    page.clock.install()
    page.goto(f"{live_server.url}/kiosk/malmi/?lang=en")
    page.locator("input[name=reservation_key]").fill("half a key")
    page.clock.run_for(61_000)
    expect(page).to_have_url(f"{live_server.url}/kiosk/malmi/")
    expect(page.locator("input[name=reservation_key]")).to_have_value("")


@pytest.mark.parametrize("size", [{"width": 1920, "height": 1080}, PHONE], ids=["hall", "phone"])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_board_reads_from_across_the_room_and_on_a_phone(browser, live_server, hall, axe_violations, size,
                                                              language):
    booking = appointment(minutes_ahead=5)  # due: called before the queue number
    booking_check_in(state=network_state(), reservation_key=booking.reservation_key, point_id="malmi",
                     now=timezone.now())
    ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi", now=timezone.now())
    for kind in ("appointment", "walk_in"):
        call_next(desk=Desk.objects.get(service_point_id="malmi", kind=kind, number=1), now=timezone.now(),
                  state=network_state())
    board = browser.new_page(viewport=size)
    board.goto(f"{live_server.url}/board/malmi/?lang={language}")
    expect(board.locator(".newest .who")).to_have_text("A-001")
    expect(board.locator("td.num")).to_have_text(re.compile(rf"\d\d:\d\d \(…{booking.reservation_key[-3:]}\)"))
    expect(board.locator(".legend")).to_be_visible()
    assert fits(board), board.evaluate("() => document.documentElement.scrollWidth")
    # Large type: the newest call at 70 px or more in a hall, 34 px on a phone (asked again while the
    # board redraws itself).
    board.wait_for_function("(least) => { const e = document.querySelector('.newest .who');"
                            " return e && parseFloat(getComputedStyle(e).fontSize) >= least; }",
                            arg=70 if size["width"] > 1000 else 34, timeout=5000)
    assert axe_violations(board) == [], pretty(axe_violations(board))


def test_the_chime_rings_on_a_new_call_once_staff_turn_it_on(page, live_server, hall):
    ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi", now=timezone.now())
    page.goto(f"{live_server.url}/board/malmi/?lang=en")
    toggle = page.get_by_role("button", name="Chime off")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()  # a touch: the browser lets the page play sound
    expect(page.get_by_role("button", name="Chime on")).to_have_attribute("aria-pressed", "true")
    call_next(desk=Desk.objects.get(service_point_id="malmi", kind="walk_in", number=1), now=timezone.now(),
              state=network_state())
    expect(page.locator("body")).to_have_attribute("data-chimed", "1", timeout=5000)
    page.reload()  # the screen remembers the switch
    expect(page.get_by_role("button", name="Chime on")).to_be_visible()


def test_the_chime_stays_silent_by_default(page, live_server, hall):
    ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi", now=timezone.now())
    page.goto(f"{live_server.url}/board/malmi/?lang=en")
    call_next(desk=Desk.objects.get(service_point_id="malmi", kind="walk_in", number=1), now=timezone.now(),
              state=network_state())
    expect(page.locator(".newest .who")).to_have_text("A-001")
    assert page.locator("body").get_attribute("data-chimed") is None
