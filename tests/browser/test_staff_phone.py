"""The staff pages on a 390 px phone screen, in fi, sv and en: each page a clerk uses (the console and
its desk, booking search, booking page, moving and booking for a customer, the suspicious bookings,
the back office's index, a list with filters, a change form) and those a manager adds (planning,
insight, the opening hours' list and form). On each: axe-core finds nothing, and the page does not
scroll sideways; a table wider than the screen scrolls inside its own region, which is labelled and
reachable by keyboard."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.browser.conftest import AXE, pretty
from tests.factories import load_network
from tests.walkin.conftest import local
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Desk, OpeningHours, StaffAssignment
from vuoro.network.roles import CLERK, MANAGER
from vuoro.network.state import network_state
from vuoro.walkin.services import call_next, ticket_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALL_DAY = {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
PHONE = {"width": 390, "height": 844}
BUTTONS = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

# Whatever is wider than its box and scrolls: the page itself, and each element that scrolls sideways,
# with what WCAG asks of it (a name for the region, and a way in by keyboard: itself or a link inside).
LAYOUT = """() => {
  const scrollers = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (el.scrollWidth <= el.clientWidth + 1 || !['auto', 'scroll'].includes(style.overflowX)) continue;
    if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    const name = el.getAttribute('aria-label') || (el.getAttribute('aria-labelledby') || '').split(' ')
      .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    scrollers.push({html: el.outerHTML.slice(0, 100), role: el.getAttribute('role'), name: name,
                    focusable: el.tabIndex >= 0});
  }
  // What sticks out past the screen's edge (the innermost such elements): where a wide page is fixed.
  const out = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > innerWidth + 1);
  const culprits = out.filter(el => !out.some(other => other !== el && el.contains(other)))
    .slice(0, 3).map(el => el.outerHTML.slice(0, 100));
  return {page: document.documentElement.scrollWidth, screen: window.innerWidth, scrollers: scrollers,
          culprits: culprits};
}"""


@pytest.fixture
def busy_day():
    load_network(holidays=None, slot_minutes=15, horizon_days=30,
                 services=[("extended-permit", 30), ("citizenship", 15)],
                 points=[dict(id="malmi", desks=1, services=["extended-permit", "citizenship"], walk_in=(2, 40),
                              hours=ALL_DAY, address="Malmin kauppatie 26, Helsinki")])
    for name, role in (("clerk", CLERK), ("manager", MANAGER)):
        user = User.objects.create_user(name, password="phone-pass-1", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        StaffAssignment.objects.create(user=user, service_point_id="malmi")
    now = timezone.now()
    later = timezone.localdate() + dt.timedelta(days=3)
    booking = booking_create(state=network_state(), service_code="extended-permit", point_id="malmi",
                             start_at=local(later, 10), persons=2, language="sv", now=now,
                             customer=Customer(name="Aino Marjatta Asiakas-Virtanen",
                                               email="aino.marjatta.asiakas-virtanen@example.org",
                                               phone="+358401234567")).booking
    # At the desk: an appointment checked in and called (its card), two queue numbers waiting (the list).
    start = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=(15 - now.minute % 15) % 15)
    today = booking_create(state=network_state(), service_code="citizenship", point_id="malmi", start_at=start,
                           persons=3, language="en", now=now - dt.timedelta(days=1),
                           customer=Customer(name="Maja Virtanen", email="maja@example.org")).booking
    Booking.objects.filter(pk=today.pk).update(status="checked_in", checked_in_at=now,
                                               start_at=now - dt.timedelta(minutes=1))
    desk = Desk.objects.get(service_point_id="malmi", kind="walk_in", number=1)
    call_next(desk=desk, now=now, state=network_state())
    for urgent in (False, True):
        ticket_issue(state=network_state(), point_id="malmi", service_code="extended-permit", language="fi",
                     now=now, urgent=urgent)
    return {"booking": booking, "desk": desk, "hours": OpeningHours.objects.filter(service_point_id="malmi").first()}


class Phone:
    """One staff member's browser at 390 x 844: visits pages and notes each one's problems."""

    def __init__(self, browser, base, language, axe_violations):
        self.page = browser.new_context(viewport=PHONE).new_page()
        self.page.add_init_script(path=str(AXE))
        self.base, self.language, self.axe, self.problems = base, language, axe_violations, []

    def sign_in(self, username, then):
        self.page.goto(f"{self.base}/admin/login/?next={then}")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill("phone-pass-1")
        self.page.locator("input[type=submit]").click()
        self.page.wait_for_url(f"**{then}")
        self.page.get_by_role("button", name=BUTTONS[self.language]).click()  # stays in the session
        self.page.wait_for_load_state()

    def visit(self, path=None):
        if path is not None:
            self.page.goto(self.base + path)
        self.page.wait_for_load_state()
        self.check()

    def click(self, locator):
        locator.click()
        self.visit()

    def scrolls_by_keyboard(self, region):
        """A region wider than the screen: Tab reaches it and the arrow keys scroll it."""
        assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "the table fits: nothing to check"
        region.focus()
        for _ in range(3):
            self.page.keyboard.press("ArrowRight")
        self.page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())

    def check(self):
        url = self.page.url.removeprefix(self.base)
        if self.page.locator("html").get_attribute("lang") != self.language:
            self.problems.append(f"{url}: lang={self.page.locator('html').get_attribute('lang')}")
        if violations := self.axe(self.page):
            self.problems.append(f"{url}: axe {pretty(violations)}")
        layout = self.page.evaluate(LAYOUT)
        if layout["page"] > layout["screen"]:
            self.problems.append(f"{url}: the page is {layout['page']} px wide on a {layout['screen']} px screen:"
                                 f" {layout['culprits']}")
        for box in layout["scrollers"]:
            if box["role"] != "region" or not box["name"] or not box["focusable"]:
                self.problems.append(f"{url}: scrolls sideways without a labelled, focusable region: {box}")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_clerks_pages_fit_a_phone(browser, live_server, busy_day, axe_violations, language):
    phone = Phone(browser, live_server.url, language, axe_violations)
    booking, desk = busy_day["booking"], busy_day["desk"]
    phone.sign_in("clerk", "/console/")
    phone.visit()
    phone.visit(f"/console/desk/{desk.pk}/")
    assert phone.page.locator("article.visit").count() == 1 and phone.page.locator(".waiting-row").count() == 2
    phone.visit("/console/bookings/?q=asiakas")
    assert phone.page.get_by_role("link", name=booking.reservation_key).count() == 1
    phone.scrolls_by_keyboard(phone.page.locator("main .table-scroll"))
    phone.visit(f"/console/bookings/{booking.pk}/")
    phone.visit(f"/console/bookings/{booking.pk}/move/")
    phone.click(phone.page.locator("td.free a").last)
    phone.click(phone.page.locator("a.time").last)
    phone.visit("/console/book/?point=malmi")
    phone.page.locator("#id_service").select_option("extended-permit")
    phone.click(phone.page.locator("main form button[type=submit]").first)
    phone.click(phone.page.locator("td.free a").first)
    phone.click(phone.page.locator("a.time").first)
    phone.visit("/console/clusters/")
    phone.visit("/admin/")
    phone.visit("/admin/booking/booking/?status__exact=confirmed")
    assert phone.page.locator("#changelist-filter").count() == 1
    phone.visit(f"/admin/booking/booking/{booking.pk}/change/")
    phone.visit("/admin/walkin/ticket/")
    phone.scrolls_by_keyboard(phone.page.locator("#changelist .results"))
    assert phone.problems == [], "\n".join(phone.problems)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_managers_pages_fit_a_phone(browser, live_server, busy_day, axe_violations, language):
    phone = Phone(browser, live_server.url, language, axe_violations)
    phone.sign_in("manager", "/staff/planning/")
    phone.visit()
    phone.visit("/admin/")
    phone.visit("/staff/insight/")
    phone.visit("/staff/insight/figures/")
    phone.visit("/staff/insight/service-times/")
    phone.visit("/admin/network/desk/?kind__exact=walk_in")
    assert phone.page.locator("#changelist-filter").count() == 1
    phone.visit(f"/admin/network/openinghours/{busy_day['hours'].pk}/change/")
    phone.visit("/admin/audit/auditentry/")
    assert phone.problems == [], "\n".join(phone.problems)
