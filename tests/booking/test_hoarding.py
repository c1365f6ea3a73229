"""No hoarding: caps per person (normalised e-mail or phone) across points, set per service and
for the whole network; the booking client's keyed hash; staff's clusters of suspicious bookings
and cancelling them as resold. On the real database (SQLite and PostgreSQL)."""
import datetime as dt
import hashlib
import hmac
import importlib
from collections import Counter

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from tests.booking.conftest import HELSINKI, phone_of
from tests.booking.test_concurrency import in_parallel
from tests.factories import load_network
from vuoro.audit.models import AuditEntry
from vuoro.booking.hoarding import booking_resold_cancel, cluster_list
from vuoro.booking.messages import booking_email
from vuoro.booking.models import Booking, DayLoad
from vuoro.booking.selectors import availability_list
from vuoro.booking.services import (
    ActiveBookingExists,
    BookingLimitReached,
    Customer,
    booking_create,
)
from vuoro.booking.staff import ReasonRequired
from vuoro.contact import email_key, email_shape, name_key
from vuoro.network.models import NetworkSettings, Service, StaffAssignment
from vuoro.network.networkfile import NetworkFileError, dump_network, parse_network
from vuoro.network.roles import CLERK, MANAGER
from vuoro.network.selectors import network_export
from vuoro.network.state import network_state
from vuoro.notify.models import Notice
from vuoro.retention import retention_purge

ALL_DAY = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def day(offset=3) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def local(hour, minute=0, offset=3) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(hour, minute), tzinfo=HELSINKI)


@pytest.fixture
def two_points():
    """Two points open every day 08-18 with 3 desks each, offering two services."""
    return load_network(holidays=None, services=[("extended-permit", 30), ("citizenship", 30)],
                        points=[dict(id=point, desks=3, services=["extended-permit", "citizenship"], hours=ALL_DAY)
                                for point in ("malmi", "oulu")])


def book(hour=10, *, email="anna@example.org", phone=None, name="Anna Virtanen", point="malmi",
         service="extended-permit", minute=0, client_key="", **kwargs):
    return booking_create(state=network_state(), service_code=service, point_id=point, start_at=local(hour, minute),
                          persons=1, language="fi", now=timezone.now(), client_key=client_key,
                          customer=Customer(name=name, email=email, phone=phone_of(email) if phone is None else phone),
                          **kwargs).booking


def staff(name, role, *points):
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    for point in points:
        StaffAssignment.objects.create(user=user, service_point_id=point)
    return user


class TestPersonKeys:
    @pytest.mark.parametrize(("address", "key"), [
        ("Anna@Example.org", "anna@example.org"),
        ("  anna@example.org ", "anna@example.org"),
        ("anna+slot1@example.org", "anna@example.org"),  # a subaddress: the same mailbox at any domain
        ("anna.virtanen@example.org", "anna.virtanen@example.org"),  # dots count elsewhere
        ("Anna.Virtanen@gmail.com", "annavirtanen@gmail.com"),  # Gmail ignores dots
        ("a.n.n.a+x@googlemail.com", "anna@gmail.com"),  # and googlemail.com is gmail.com
        ("+tag@example.org", "+tag@example.org"),  # nothing before the "+": kept as it is
        ("not-an-address", "not-an-address"),
    ])
    def test_the_email_key(self, address, key):
        assert email_key(address) == key

    @pytest.mark.parametrize(("key", "shape"), [
        ("john1@example.org", "john@example.org"), ("john.2@example.org", "john@example.org"),
        ("jo_hn-33@example.org", "john@example.org"), ("12345@example.org", "#@example.org"),
        ("john@other.org", "john@other.org")])
    def test_the_look_alike_shape_of_an_address(self, key, shape):
        assert email_shape(key) == shape

    @pytest.mark.parametrize("name", ["Matti Virtanen", "  matti   VIRTANEN ", "Virtanen, Mätti", "Ｍatti Virtanen2",
                                      "MATTI\tvirtanen."])
    def test_look_alike_names_fold_to_one(self, name):
        assert name_key(name) == "matti virtanen"

    def test_different_names_stay_apart(self):
        assert name_key("Matti Virtanen") != name_key("Maija Virtanen")

    def test_a_booking_keeps_its_keys(self, db, two_points):
        booking = book(email="John.Doe+1@GoogleMail.com", name="Doe, Jöhn")
        assert (booking.email_key, booking.email_shape, booking.name_key) == (
            "johndoe@gmail.com", "johndoe@gmail.com", "doe john")
        assert booking.customer_email == "John.Doe+1@GoogleMail.com"  # sent to as given

    def test_the_data_migration_fills_the_keys_of_kept_bookings(self, db, two_points):
        old = book(email="A.Nna+x@gmail.com", name="Änna")
        gone = book(11, email="b@example.org")
        Booking.objects.filter(pk=old.pk).update(email_key="a.nna+x@gmail.com", name_key="", email_shape="")
        Booking.objects.filter(pk=gone.pk).update(customer_email="", email_key="", customer_name="", name_key="",
                                                  email_shape="")
        migration = importlib.import_module("vuoro.booking.migrations.0013_person_keys_and_client_key")
        migration.fill_person_keys(apps, None)
        old.refresh_from_db()
        gone.refresh_from_db()
        assert (old.email_key, old.email_shape, old.name_key) == ("anna@gmail.com", "anna@gmail.com", "anna")
        assert (gone.email_key, gone.name_key) == ("", "")


@pytest.mark.django_db
class TestCaps:
    def test_one_booking_per_person_and_service_across_points(self, two_points):
        book(email="Anna.V@gmail.com")
        with pytest.raises(ActiveBookingExists) as refused:
            book(11, email="annav+again@googlemail.com", point="oulu")
        assert refused.value.code == "active_booking_exists"
        book(11, email="annav@gmail.com", service="citizenship")  # another service: its own cap

    def test_the_same_phone_is_the_same_person(self, two_points):
        book(email="anna@example.org", phone="+358401111111")
        with pytest.raises(ActiveBookingExists):
            book(11, email="someone-else@example.org", phone="+358401111111", point="oulu")
        book(12, email="third@example.org", phone="")  # no phone: only the e-mail counts

    def test_a_service_may_allow_more_and_zero_means_no_cap(self, two_points):
        Service.objects.filter(code="extended-permit").update(max_bookings_per_person=2)
        Service.objects.filter(code="citizenship").update(max_bookings_per_person=0)
        NetworkSettings.objects.filter(pk=1).update(version=12345)  # as a network change does
        book(10)
        book(11, point="oulu")
        with pytest.raises(ActiveBookingExists):
            book(12)
        for hour in range(10, 15):
            book(hour, service="citizenship", point="oulu", minute=30)

    def test_a_network_wide_cap_counts_every_service(self, two_points, client):
        Service.objects.update(max_bookings_per_person=0)
        NetworkSettings.objects.filter(pk=1).update(max_bookings_per_person=2, version=23456)
        book(10)
        book(11, service="citizenship")
        with pytest.raises(BookingLimitReached):
            book(12, point="oulu", email="anna+3@example.org", phone="")
        body = {"service": "citizenship", "service_point": "oulu", "start": local(13).isoformat(), "persons": 1,
                "language": "fi", "customer": {"name": "A", "email": "ANNA@example.org", "phone": ""}}
        answer = client.post("/api/v1/bookings", body, content_type="application/json")
        assert answer.status_code == 409 and answer.json()["error"] == "booking_limit_reached"

    def test_the_api_keeps_active_booking_exists(self, two_points, client):
        book(10, email="anna@example.org")
        body = {"service": "extended-permit", "service_point": "oulu", "start": local(13).isoformat(), "persons": 1,
                "language": "fi", "customer": {"name": "A", "email": "Anna+x@example.org", "phone": ""}}
        answer = client.post("/api/v1/bookings", body, content_type="application/json")
        assert answer.status_code == 409 and answer.json()["error"] == "active_booking_exists"

    def test_a_cancelled_or_past_booking_frees_the_cap(self, two_points):
        from vuoro.booking.services import booking_cancel

        first = book(10)
        booking_cancel(booking=first, now=timezone.now())
        book(11)

    def test_the_cap_is_told_before_a_full_slot(self, two_points):
        book(10)
        for n in range(3):  # the 10:00 start at malmi is now full
            book(10, email=f"other{n}@example.org", minute=30 if n == 0 else 0, point="malmi" if n else "oulu")
        with pytest.raises(ActiveBookingExists):
            book(10, email="anna@example.org")

    def test_staff_may_book_beyond_the_caps(self, two_points):
        book(10)
        beyond = book(11, person_caps=False)
        assert beyond.email_key == "anna@example.org"


@pytest.mark.django_db(transaction=True)
class TestParallel:
    def test_one_person_booking_in_parallel_gets_one(self, two_points):
        """Different starts and points, e-mail variants and the same phone: one booking, never two."""
        state = network_state()
        emails = ["anna@example.org", "Anna+1@example.org", "other@example.org"]

        def attempt(n):
            return booking_create(state=state, service_code="extended-permit", point_id=("malmi", "oulu")[n % 2],
                                  start_at=local(9 + n % 8), persons=1, language="fi", now=timezone.now(),
                                  customer=Customer(name="A", email=emails[n % 3], phone="+358401111111"))

        results = in_parallel(12, attempt)
        kinds = Counter(type(r).__name__ for r in results)
        assert kinds == {"NewBooking": 1, "ActiveBookingExists": 11}, results
        assert Booking.objects.count() == 1

    def test_two_people_sharing_only_a_phone_with_a_third_are_serialised(self, two_points):
        state = network_state()

        def attempt(n):
            return booking_create(state=state, service_code="extended-permit", point_id="malmi",
                                  start_at=local(9 + n % 8), persons=1, language="fi", now=timezone.now(),
                                  customer=Customer(name="A", email=f"p{n % 2}@example.org",
                                                    phone="+358402222222" if n % 2 else "+358403333333"))

        results = in_parallel(8, attempt)
        assert Counter(type(r).__name__ for r in results)["NewBooking"] == 2, results


@pytest.mark.django_db
class TestClientKey:
    def body(self, n, hour):
        return {"service": "extended-permit", "service_point": "malmi", "start": local(hour).isoformat(),
                "persons": 1, "language": "fi",
                "customer": {"name": f"P {n}", "email": f"p{n}@example.org", "phone": phone_of(f"p{n}@example.org")}}

    def test_a_keyed_hash_of_the_client_is_kept_never_the_address(self, two_points):
        answer = Client().post("/api/v1/bookings", self.body(1, 10), content_type="application/json",
                               REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
        assert answer.status_code == 201
        Client().post("/api/v1/bookings", self.body(2, 11), content_type="application/json",
                      REMOTE_ADDR="2001:db8:1:2:ffff::1")  # the same /64
        Client().post("/api/v1/bookings", self.body(3, 12), content_type="application/json",
                      REMOTE_ADDR="198.51.100.7")
        keys = list(Booking.objects.order_by("start_at").values_list("client_key", flat=True))
        expected = hmac.new(settings.SECRET_KEY.encode(), b"client:2001:db8:1:2::/64", hashlib.sha256).hexdigest()[:32]
        assert keys[0] == keys[1] == expected and keys[2] != keys[0] and len(keys[2]) == 32
        assert not Booking.objects.filter(client_key__contains="2001").exists()

    def test_the_booking_pages_keep_it_too(self, two_points):
        from tests.booking.test_pages import details_form

        client = Client(REMOTE_ADDR="198.51.100.9")
        url = ("/book/details/?" + f"service=extended-permit&persons=1&point=malmi&start={local(10).isoformat()}"
               .replace("+", "%2B"))
        assert client.post(url, details_form(email="page@example.org")).status_code == 302
        assert Booking.objects.get().client_key == hmac.new(
            settings.SECRET_KEY.encode(), b"client:198.51.100.9", hashlib.sha256).hexdigest()[:32]

    def test_retention_clears_it_with_the_contact_details(self, two_points):
        booking = book(client_key="f" * 32)
        retention_purge(now=booking.end_at + dt.timedelta(days=31))
        booking.refresh_from_db()
        assert (booking.client_key, booking.name_key, booking.email_shape, booking.email_key) == ("", "", "", "")


@pytest.mark.django_db
class TestClusters:
    def test_clusters_of_one_client_look_alike_names_and_addresses(self, two_points):
        for n in range(5):  # one client, made-up addresses
            book(9 + n, email=f"x{n}q@example{n}.org", name=f"Made Up {'ABCDE'[n]}", client_key="c" * 32, point="oulu")
        for n in range(3):  # look-alike addresses and names
            book(9 + n, email=f"john{n}@example.org", name=["John Smith", "SMITH, John", "Jöhn  Smith"][n],
                 minute=30, client_key=f"{n}" * 32)
        book(15, email="unrelated@example.org", name="Unrelated Person")
        found = {(c.kind, c.key): c.count for c in cluster_list(point_ids=None, now=timezone.now())}
        assert found == {("client", "c" * 32): 5, ("name", "john smith"): 3, ("shape", "john@example.org"): 3}
        assert {("client", "c" * 32)} == {(c.kind, c.key) for c in
                                           cluster_list(point_ids={"oulu"}, now=timezone.now())}
        assert cluster_list(point_ids={"malmi"}, now=timezone.now(), thresholds={"name": 4, "shape": 4}) == []

    def test_one_address_or_phone_over_many_services_with_no_caps(self, two_points):
        Service.objects.update(max_bookings_per_person=0)
        NetworkSettings.objects.filter(pk=1).update(version=777)
        for n in range(3):
            book(9 + n, email="hoarder@example.org", phone="+358409990000", name=["Anna", "Bertta", "Cecilia"][n])
        kinds = {c.kind: c for c in cluster_list(point_ids=None, now=timezone.now())}
        assert set(kinds) == {"email", "phone"} and kinds["email"].count == 3
        assert [b.start_at for b in kinds["email"].bookings] == [local(9), local(10), local(11)]

    def test_nothing_for_unrelated_people(self, two_points):
        for n, name in enumerate(["Anna Aalto", "Bertil Berg", "Cecilia Carlsson", "David Dahl"]):
            book(9 + n, email=f"{name.split()[0].lower()}@example.org", name=name, client_key=f"{n}" * 32)
        assert cluster_list(point_ids=None, now=timezone.now()) == []


@pytest.mark.django_db
class TestCancelAsResold:
    def test_each_is_cancelled_audited_told_and_its_time_offered_again(self, two_points):
        manager = staff("manager", MANAGER, "malmi")
        mine = [book(10 + n, email=f"r{n}@example.org", client_key="c" * 32) for n in range(2)]
        elsewhere = book(10, email="r9@example.org", point="oulu", client_key="c" * 32)
        now = timezone.now()
        outcome = booking_resold_cancel(booking_ids=[b.pk for b in [*mine, elsewhere]], point_ids={"malmi"},
                                        actor=manager, reason="Offered for sale on a forum", now=now)
        assert [b.pk for b in outcome.cancelled] == [b.pk for b in mine] and outcome.refused == [elsewhere.pk]
        for booking in mine:
            booking.refresh_from_db()
            assert (booking.status, booking.cancelled_because) == ("cancelled", "resold")
            assert list(Notice.objects.filter(booking=booking, channel="email").order_by("id")
                        .values_list("event", flat=True)) == ["confirmed", "agency_cancelled"]
        elsewhere.refresh_from_db()
        assert elsewhere.status == "confirmed"
        entries = AuditEntry.objects.filter(action="booking.cancel_resold").order_by("object_id")
        assert [(e.actor, e.reason, e.object_id, e.before["status"], e.after["status"]) for e in entries] == [
            (manager, "Offered for sale on a forum", str(b.pk), "confirmed", "cancelled") for b in mine]
        starts = [s.slot.start for s in availability_list(
            state=network_state(), service_code="extended-permit", point_ids=["malmi"], persons=1,
            from_date=day(), to_date=day(), limit=None, now=now)]
        assert local(10) in starts and local(11) in starts
        assert DayLoad.objects.get(service_point_id="malmi", date=day()).booked_minutes == 0

    def test_the_customer_is_told_the_category_never_the_staff_words(self, two_points):
        booking = book(10, email="r@example.org")
        booking_resold_cancel(booking_ids=[booking.pk], point_ids=None, actor=staff("c", CLERK, "malmi"),
                              reason="internal note 1234", now=timezone.now())
        message = booking_email(booking_id=booking.pk, event="agency_cancelled", now=timezone.now())
        assert "myytäväksi eteenpäin" in message.body and "internal note" not in message.body  # in Finnish

    def test_a_reason_is_required(self, two_points):
        booking = book(10)
        with pytest.raises(ReasonRequired):
            booking_resold_cancel(booking_ids=[booking.pk], point_ids=None, actor=None, reason="  ",
                                  now=timezone.now())
        booking.refresh_from_db()
        assert booking.status == "confirmed"


@pytest.mark.django_db
class TestPages:
    def test_the_page_lists_ones_own_clusters_and_cancels_after_confirming(self, two_points, client):
        hoarded = [book(9 + n, email=f"h{n}@example.org", client_key="d" * 32) for n in range(5)]
        client.force_login(staff("clerk", CLERK, "malmi"))
        page = client.get("/console/clusters/").content.decode()
        assert all(b.reservation_key in page for b in hoarded) and "dddddddd…" in page
        chosen = {"booking": [str(b.pk) for b in hoarded[:3]], "reason": "Sold on a forum"}
        assert client.post("/console/clusters/cancel/", {"booking": chosen["booking"]}).status_code == 400
        assert client.post("/console/clusters/cancel/", {"reason": "x"}).status_code == 400
        confirm = client.post("/console/clusters/cancel/", chosen)
        assert confirm.status_code == 200 and "Sold on a forum" in confirm.content.decode()
        assert Booking.objects.filter(status="cancelled").count() == 0  # not before the confirmation
        done = client.post("/console/clusters/cancel/", {**chosen, "confirmed": "yes"}, follow=True)
        assert done.status_code == 200
        assert set(Booking.objects.filter(status="cancelled").values_list("pk", flat=True)) == {
            b.pk for b in hoarded[:3]}
        assert Notice.objects.filter(event="agency_cancelled", channel="email").count() == 3

    def test_a_clerk_elsewhere_sees_and_cancels_nothing_here(self, two_points, client):
        hoarded = [book(9 + n, email=f"h{n}@example.org", client_key="d" * 32) for n in range(5)]
        client.force_login(staff("clerk", CLERK, "oulu"))
        assert hoarded[0].reservation_key not in client.get("/console/clusters/").content.decode()
        answer = client.post("/console/clusters/cancel/", {"booking": [str(hoarded[0].pk)], "reason": "x",
                                                           "confirmed": "yes"})
        assert answer.status_code == 302
        assert not Booking.objects.filter(status="cancelled").exists()


class TestNetworkFile:
    TEXT = ('max_bookings_per_person = 3\n[[services]]\ncode = "a"\nname = { fi = "a", sv = "a", en = "a" }\n'
            'duration_minutes = 30\nmax_bookings_per_person = 2\n'
            '[[services]]\ncode = "b"\nname = { fi = "b", sv = "b", en = "b" }\nduration_minutes = 30\n')

    def test_caps_are_read_and_written_back(self):
        spec = parse_network(self.TEXT)
        assert spec.max_bookings_per_person == 3
        assert [s.max_bookings_per_person for s in spec.services] == [2, 1]
        assert parse_network(dump_network(spec)) == spec

    def test_a_bad_cap_is_refused_by_its_key(self):
        with pytest.raises(NetworkFileError) as refused:
            parse_network(self.TEXT.replace("person = 2", "person = -1").replace("person = 3", 'person = "x"'))
        assert any("services[0]" in p and "max_bookings_per_person" in p for p in refused.value.problems)
        assert any(p.startswith("network.toml: max_bookings_per_person") for p in refused.value.problems)

    @pytest.mark.django_db
    def test_loaded_and_exported(self):
        from vuoro.network.services import network_load

        network_load(spec=parse_network(self.TEXT))
        assert network_state().person_caps == {"a": 2, "b": 1} and network_state().network_person_cap == 3
        assert network_export() == parse_network(self.TEXT)
