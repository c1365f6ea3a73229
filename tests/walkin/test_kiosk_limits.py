"""Queue numbers on the open internet: a kiosk registered by staff takes many numbers, anyone else
a few (the kiosk page and the API together), and a phone number holds one live number a day."""
import datetime as dt
from html import unescape

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import load_network
from tests.walkin.conftest import ALL_DAY, HELSINKI
from vuoro.audit.models import AuditEntry
from vuoro.booking import guards
from vuoro.network.models import StaffAssignment
from vuoro.network.roles import CLERK, MANAGER
from vuoro.network.state import network_state
from vuoro.walkin.kiosks import KIOSK_COOKIE, kiosk_device_register
from vuoro.walkin.models import KioskDevice, Ticket
from vuoro.walkin.services import PhoneHasTicket, ticket_issue

pytestmark = pytest.mark.django_db
HALL = "198.51.100.7"  # the hall's address: kiosks and visitors' phones behind one NAT


@pytest.fixture
def big_network():
    """Two points open around the clock, each giving 200 queue numbers a day."""
    return load_network(holidays=None, services=[("extended-permit", 30)],
                        points=[dict(id="malmi", desks=1, services=["extended-permit"], walk_in=(2, 200),
                                     hours=ALL_DAY),
                                dict(id="oulu", desks=1, services=["extended-permit"], walk_in=(2, 200),
                                     hours=ALL_DAY)])


@pytest.fixture
def clock(monkeypatch, settings):
    """Limits on, and a clock that stands still at 10:00 today (Helsinki) until a test moves it."""
    settings.RATE_LIMITS = True
    moment = [dt.datetime.combine(timezone.localdate(), dt.time(10), tzinfo=HELSINKI)]
    monkeypatch.setattr(timezone, "now", lambda: moment[0])

    class Clock:
        def advance(self, **delta):
            moment[0] += dt.timedelta(**delta)

        @property
        def now(self):
            return moment[0]

    return Clock()


def kiosk_take(client, point="malmi", address=HALL, language="en", **data):
    return client.post(f"/kiosk/{point}/ticket/", {"service": "", "phone": "", **data}, REMOTE_ADDR=address,
                       headers={"accept-language": language})


def api_take(client, point="malmi", address=HALL, **body):
    return client.post(f"/api/v1/service-points/{point}/tickets", {"language": "fi", **body},
                       content_type="application/json", REMOTE_ADDR=address)


def staff_of(point, role=CLERK, name="clerk") -> User:
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    StaffAssignment.objects.create(user=user, service_point_id=point)
    return user


def register(client, point="malmi", name="Hall, by the door", user=None):
    client.force_login(user or staff_of(point))
    answer = client.post(f"/kiosk/{point}/register/", {"name": name}, REMOTE_ADDR=HALL)
    assert answer.status_code == 302 and answer["Location"] == f"/kiosk/{point}/"
    return KioskDevice.objects.latest("pk")


class TestAClientFromTheInternet:
    def test_gets_five_numbers_a_minute_then_a_page_that_says_what_to_do(self, client, big_network, clock):
        assert [kiosk_take(client).status_code for _ in range(5)] == [200] * 5
        refused = kiosk_take(client)
        assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
        page = unescape(refused.content.decode())
        assert "ask the staff at the service point for a queue number, or try again in 1 minute" in page
        assert 'href="/kiosk/malmi/"' in page
        assert Ticket.objects.count() == 5

    @pytest.mark.parametrize(("language", "text"), [
        ("fi", "Pyydä vuoronumeroa palvelupisteen henkilökunnalta"),
        ("sv", "Be personalen på servicestället om ett könummer"),
        ("en", "Please ask the staff at the service point for a queue number")])
    def test_the_refusal_is_in_the_visitors_language(self, client, big_network, clock, language, text):
        for _ in range(5):
            kiosk_take(client, language=language)
        refused = kiosk_take(client, language=language)
        assert refused.status_code == 429 and text in unescape(refused.content.decode())

    def test_gets_ten_numbers_an_hour(self, client, big_network, clock):
        codes = []
        for _minute in range(3):
            codes += [kiosk_take(client).status_code for _ in range(5)]
            clock.advance(minutes=1)
        assert codes == [200] * 10 + [429] * 5
        assert int(kiosk_take(client)["Retry-After"]) > 60  # the hour's limit: a wait of minutes
        clock.advance(hours=1)
        assert kiosk_take(client).status_code == 200

    def test_cannot_empty_a_points_daily_quota(self, client, big_network, clock):
        """The attacker's probe: a minute's worth of requests, then more for a whole hour."""
        for _minute in range(12):
            for _ in range(8):
                kiosk_take(client)
            clock.advance(minutes=1)
        assert Ticket.objects.count() == 10 and network_state().points["malmi"].daily_tickets == 200

    def test_another_address_has_its_own_limits(self, client, big_network, clock):
        for _ in range(6):
            kiosk_take(client)
        assert kiosk_take(client, address="203.0.113.50").status_code == 200

    def test_the_api_and_the_kiosk_page_share_the_limits(self, client, big_network, clock):
        assert [kiosk_take(client).status_code for _ in range(3)] == [200] * 3
        assert [api_take(client).status_code for _ in range(2)] == [201] * 2
        refused = api_take(client)
        assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
        assert refused.json()["error"] == "too_many_requests" and refused.json()["detail"]
        assert kiosk_take(client).status_code == 429

    def test_the_api_alone_takes_five_a_minute_and_ten_an_hour(self, client, big_network, clock):
        codes = []
        for _minute in range(3):
            codes += [api_take(client).status_code for _ in range(5)]
            clock.advance(minutes=1)
        assert codes == [201] * 10 + [429] * 5

    def test_limits_are_lifted_for_load_tests(self, client, big_network, clock, settings):
        settings.RATE_LIMITS = False
        assert {kiosk_take(client).status_code for _ in range(12)} == {200}


class TestRegisteredKiosks:
    def test_staff_of_the_point_register_this_browser_and_are_signed_out(self, client, big_network, clock):
        clerk = staff_of("malmi")
        client.force_login(clerk)
        page = client.get("/kiosk/malmi/register/", headers={"accept-language": "fi"})
        assert page.status_code == 200 and "Rekisteröi tämä kioski" in page.content.decode()
        answer = client.post("/kiosk/malmi/register/", {"name": "Aula, ovi"})
        assert answer.status_code == 302 and answer["Location"] == "/kiosk/malmi/"
        device = KioskDevice.objects.get()
        assert (device.service_point_id, device.name, device.registered_by, device.registered_at) == (
            "malmi", "Aula, ovi", clerk, clock.now)
        entry = AuditEntry.objects.get(action=AuditEntry.Action.KIOSK_REGISTER)  # who registered it, audited
        assert (entry.actor, entry.object_id, entry.service_point_id, entry.after) == (
            clerk, str(device.pk), "malmi", {"name": "Aula, ovi"})
        cookie = answer.cookies[KIOSK_COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) >= 365 * 86400
        assert "_auth_user_id" not in client.session  # the kiosk holds no staff session
        assert client.get("/console/").status_code == 302

    def test_a_registered_kiosk_takes_sixty_numbers_a_minute_from_the_halls_address(self, client, big_network,
                                                                                     clock):
        device = register(client)
        phone = type(client)()  # a visitor's phone behind the hall's NAT: the strict limits
        assert [kiosk_take(phone).status_code for _ in range(6)] == [200] * 5 + [429]
        codes = [kiosk_take(client).status_code for _ in range(61)]
        assert codes == [200] * 60 + [429]
        device.refresh_from_db()
        assert device.last_used_at == clock.now
        clock.advance(minutes=1)
        assert kiosk_take(client).status_code == 200  # and beyond ten an hour

    def test_a_registered_kiosk_is_limited_per_device(self, client, big_network, clock, monkeypatch):
        monkeypatch.setitem(guards.RATE_LIMITS_PER_MINUTE, "kiosk_device", 2)
        register(client)
        second = type(client)()
        register(second, name="Hall, by the lift", user=staff_of("malmi", name="other"))
        assert [kiosk_take(client).status_code for _ in range(3)] == [200, 200, 429]
        assert [kiosk_take(second).status_code for _ in range(2)] == [200, 200]

    def test_the_api_honours_a_registered_kiosk_too(self, client, big_network, clock):
        register(client)
        assert {api_take(client).status_code for _ in range(12)} == {201}

    def test_a_kiosk_of_another_point_counts_as_anyone_there(self, client, big_network, clock):
        register(client, point="oulu")
        assert [kiosk_take(client).status_code for _ in range(6)] == [200] * 5 + [429]

    def test_a_forged_or_tampered_cookie_counts_as_anyone(self, client, big_network, clock):
        device = kiosk_device_register(point_id="malmi", name="Hall", actor=None, now=clock.now)
        client.cookies[KIOSK_COOKIE] = f"malmi:{device.pk}"
        assert [kiosk_take(client).status_code for _ in range(6)] == [200] * 5 + [429]

    def test_a_revoked_kiosk_counts_as_anyone(self, client, big_network, clock):
        device = register(client)
        manager = staff_of("malmi", role=MANAGER, name="manager")
        admin = type(client)()
        admin.force_login(manager)
        answer = admin.post("/admin/walkin/kioskdevice/", {"action": "revoke", "_selected_action": [device.pk]})
        assert answer.status_code == 302
        device.refresh_from_db()
        assert device.revoked_at == clock.now and device.revoked_by == manager
        assert [kiosk_take(client).status_code for _ in range(6)] == [200] * 5 + [429]

    def test_staff_see_the_kiosks_of_their_own_points_and_cannot_add_one_there(self, client, big_network, clock):
        kiosk_device_register(point_id="malmi", name="Malmi hall", actor=None, now=clock.now)
        kiosk_device_register(point_id="oulu", name="Oulu hall", actor=None, now=clock.now)
        client.force_login(staff_of("malmi"))
        listing = client.get("/admin/walkin/kioskdevice/", headers={"accept-language": "en"}).content.decode()
        assert "Malmi hall" in listing and "Oulu hall" not in listing
        assert client.get("/admin/walkin/kioskdevice/add/").status_code == 403

    def test_only_staff_of_the_point_may_register(self, client, big_network, clock):
        anonymous = client.get("/kiosk/malmi/register/")
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
        assert client.post("/kiosk/malmi/register/", {"name": "x"}).status_code == 302
        client.force_login(User.objects.create_user("visitor", password="x"))
        assert client.post("/kiosk/malmi/register/", {"name": "x"}).status_code == 302
        client.force_login(staff_of("oulu"))
        assert client.post("/kiosk/malmi/register/", {"name": "x"}).status_code == 403
        assert not KioskDevice.objects.exists()

    def test_a_kiosk_needs_a_name(self, client, big_network, clock):
        client.force_login(staff_of("malmi"))
        answer = client.post("/kiosk/malmi/register/", {"name": "  "})
        assert answer.status_code == 422 and not KioskDevice.objects.exists()
        assert KIOSK_COOKIE not in answer.cookies


class TestOneLiveNumberPerPhone:
    PHONE = "+358401234567"

    def test_the_kiosk_refuses_a_second_number_for_one_phone_and_says_what_to_do(self, client, big_network,
                                                                                   clock):
        assert kiosk_take(client, phone="040 123 4567").status_code == 200
        again = kiosk_take(client, phone="+358 40 1234567", language="sv")
        assert again.status_code == 409
        page = unescape(again.content.decode())
        assert "Det här telefonnumret har redan ett könummer" in page and "fråga personalen" in page
        assert Ticket.objects.count() == 1

    def test_the_api_answers_409_phone_has_ticket(self, client, big_network, clock):
        assert api_take(client, phone=self.PHONE).status_code == 201
        again = api_take(client, phone="0401234567", address="203.0.113.9")
        assert again.status_code == 409
        assert again.json()["error"] == "phone_has_ticket" and again.json()["detail"]
        assert api_take(client, address="203.0.113.9").status_code == 201  # without a phone: fine

    def test_a_number_not_given_counts_nothing_against_the_quota(self, big_network, clock):
        state = network_state()
        ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=clock.now, phone=self.PHONE)
        with pytest.raises(PhoneHasTicket):
            ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=clock.now,
                         phone=self.PHONE)
        assert ticket_issue(state=state, point_id="malmi", service_code=None, language="fi",
                            now=clock.now).ticket.number == 2

    @pytest.mark.parametrize("status", ["done", "no_show"])
    def test_once_served_or_absent_the_phone_may_take_another(self, big_network, clock, status):
        state = network_state()
        first = ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=clock.now,
                             phone=self.PHONE).ticket
        Ticket.objects.filter(pk=first.pk).update(status=status)
        assert ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=clock.now,
                            phone=self.PHONE).ticket.number == 2

    def test_another_point_or_another_day_is_another_number(self, big_network, clock):
        state = network_state()
        for point, moment in [("malmi", clock.now), ("oulu", clock.now), ("malmi", clock.now + dt.timedelta(days=1))]:
            ticket_issue(state=state, point_id=point, service_code=None, language="fi", now=moment, phone=self.PHONE)
        assert Ticket.objects.count() == 3

    def test_the_database_holds_the_rule(self, big_network, clock):
        fields = dict(service_point_id="malmi", local_date=clock.now.date(), phone=self.PHONE, issued_at=clock.now)
        Ticket.objects.create(number=1, **fields)
        with pytest.raises(IntegrityError), transaction.atomic():
            Ticket.objects.create(number=2, status="called", **fields)
        Ticket.objects.create(number=3, status="done", **fields)


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_phone_on_the_first_of_several_live_numbers(big_network):
    """A database from before the rule may hold one phone on several live numbers of a day: the
    constraint's migration leaves the phone on the first (it gets the text), clears it on the others."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    day, phone = timezone.localdate(), "+358401234567"
    executor = MigrationExecutor(connection)
    executor.migrate([("walkin", "0001_initial")])
    try:
        old = MigrationExecutor(connection).loader.project_state([("walkin", "0001_initial")]).apps
        OldTicket = old.get_model("walkin", "Ticket")
        for number, status in [(1, "waiting"), (2, "called"), (3, "done"), (4, "waiting")]:
            OldTicket.objects.create(service_point_id="malmi", local_date=day, number=number, phone=phone,
                                     status=status, issued_at=timezone.now())
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(Ticket.objects.values_list("number", "phone")) == {1: phone, 2: "", 3: phone, 4: ""}
