"""Staff help customers: find bookings of their own points, cancel, move and resend with a reason
(each told to the customer and kept in the audit log), and book for a customer at the desk."""
import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.booking.conftest import phone_of
from tests.walkin.conftest import local
from vuoro.audit.models import AuditEntry
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, SlotUnavailable, booking_create
from vuoro.booking.staff import (
    ReasonRequired,
    booking_confirmation_resend,
    booking_staff_cancel,
    booking_staff_move,
)
from vuoro.booking.staff_selectors import booking_search as search_at
from vuoro.network.models import StaffAssignment
from vuoro.network.roles import ADMINISTRATOR, CLERK
from vuoro.network.state import network_state
from vuoro.notify.models import Notice

pytestmark = pytest.mark.django_db


def later(days=3):
    return timezone.localdate() + dt.timedelta(days=days)


def book(hour=10, *, point="malmi", email="anna@example.org", name="Anna Virtanen", phone=None,
         day=None, service="extended-permit"):
    return booking_create(state=network_state(), service_code=service, point_id=point,
                          start_at=local(day or later(), hour), persons=1, language="fi",
                          customer=Customer(name=name, email=email,
                                            phone=phone_of(email) if phone is None else phone),
                          now=timezone.now()).booking


def staff(name, role, *points):
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    for point in points:
        StaffAssignment.objects.create(user=user, service_point_id=point)
    return user


def booking_search(**kwargs):
    return search_at(now=timezone.now(), **kwargs)


def events(booking):
    return list(Notice.objects.filter(booking=booking, channel="email").order_by("id").values_list("event", flat=True))


class TestSearch:
    def test_finds_by_key_name_email_phone_and_date_only_at_ones_own_points(self, walkin_network):
        anna = book(10, phone="+358401234567")
        other_day = book(11, email="bertil@example.org", name="Bertil Ek", phone="+358409999999", day=later(4))
        elsewhere = book(10, point="oulu", email="anna.o@example.org", name="Anna Oulu")
        malmi = {"malmi"}
        assert list(booking_search(point_ids=malmi, text=anna.reservation_key.lower())) == [anna]
        assert list(booking_search(point_ids=malmi, text="virtanen")) == [anna]
        assert list(booking_search(point_ids=malmi, text="ANNA@example.org")) == [anna]
        assert list(booking_search(point_ids=malmi, text="040 123 4567")) == [anna]
        assert list(booking_search(point_ids=malmi, text="", on_date=later(4))) == [other_day]
        assert list(booking_search(point_ids=malmi, text="anna")) == [anna]
        assert set(booking_search(point_ids=None, text="anna")) == {anna, elsewhere}
        assert list(booking_search(point_ids=malmi, text=elsewhere.reservation_key)) == []
        assert list(booking_search(point_ids=malmi, text="")) == []

    def test_lists_todays_and_upcoming_bookings_first_soonest_first_then_past_ones_latest_first(self, walkin_network):
        made = {day: book(10, email=f"order{day}@example.org", name="Order Person", day=later(day))
                for day in (3, 5, 8, 10)}
        made[6] = book(11, email="order6@example.org", name="Order Person", day=later(6))
        # Seen from day 6 at 12:00: day 6's booking (11:00) is today's, days 8 and 10 are ahead, 5 and 3 past.
        found = list(search_at(point_ids={"malmi"}, text="order person", now=local(later(6), 12)))
        assert found == [made[6], made[8], made[10], made[5], made[3]]

    def test_the_search_page_lists_only_ones_own_points_bookings(self, client, walkin_network):
        anna, elsewhere = book(10), book(10, point="oulu", email="o@example.org", name="Anna Oulu")
        client.force_login(staff("clerk", CLERK, "malmi"))
        page = client.get("/console/bookings/", {"q": "anna"}).content.decode()
        assert anna.reservation_key in page and elsewhere.reservation_key not in page
        assert client.get("/console/bookings/", {"q": "", "date": ""}).status_code == 400


class TestActs:
    def test_a_cancel_tells_the_customer_and_records_who_when_what_why(self, walkin_network):
        booking, clerk, now = book(10), staff("clerk", CLERK, "malmi"), timezone.now()
        booking_staff_cancel(booking=booking, actor=clerk, reason="Customer phoned: ill", now=now)
        booking.refresh_from_db()
        assert booking.status == "cancelled" and events(booking) == ["confirmed", "cancelled"]
        entry = AuditEntry.objects.filter(object_type="booking").get()
        assert (entry.actor, entry.action, entry.at, entry.reason, entry.object_id, entry.service_point_id) == (
            clerk, "booking.cancel", now, "Customer phoned: ill", str(booking.pk), "malmi")
        assert entry.before["status"] == "confirmed" and entry.after["status"] == "cancelled"
        assert "anna" not in str(entry.before).lower()  # no contact details in the log

    def test_a_move_goes_through_the_booking_rules_and_is_recorded(self, walkin_network):
        booking, clerk = book(10), staff("clerk", CLERK, "malmi")
        book(12, email="taken@example.org")  # malmi has one appointment desk: 12:00 is taken
        with pytest.raises(SlotUnavailable):
            booking_staff_move(state=network_state(), booking=booking, start_at=local(later(), 12), point_id="malmi",
                               actor=clerk, reason="wants noon", now=timezone.now())
        assert not AuditEntry.objects.filter(object_type="booking").exists() and events(booking) == ["confirmed"]
        booking_staff_move(state=network_state(), booking=booking, start_at=local(later(), 13), point_id="malmi",
                           actor=clerk, reason="wants the afternoon", now=timezone.now())
        booking.refresh_from_db()
        assert booking.start_at == local(later(), 13) and events(booking) == ["confirmed", "rescheduled"]
        entry = AuditEntry.objects.filter(object_type="booking").get()
        assert entry.action == "booking.move" and entry.reason == "wants the afternoon"
        assert dt.datetime.fromisoformat(entry.before["start_at"]) == local(later(), 10)
        assert dt.datetime.fromisoformat(entry.after["start_at"]) == local(later(), 13)

    def test_a_resend_queues_the_confirmation_again(self, walkin_network):
        booking, clerk = book(10), staff("clerk", CLERK, "malmi")
        booking_confirmation_resend(booking=booking, actor=clerk, reason="not in the inbox", now=timezone.now())
        assert events(booking) == ["confirmed", "confirmed"]
        assert AuditEntry.objects.filter(object_type="booking").get().action == "booking.resend_confirmation"

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_every_act_needs_a_reason(self, walkin_network, reason):
        booking, clerk, now = book(10), staff("clerk", CLERK, "malmi"), timezone.now()
        with pytest.raises(ReasonRequired):
            booking_staff_cancel(booking=booking, actor=clerk, reason=reason, now=now)
        with pytest.raises(ReasonRequired):
            booking_staff_move(state=network_state(), booking=booking, start_at=local(later(), 13), point_id="malmi",
                               actor=clerk, reason=reason, now=now)
        with pytest.raises(ReasonRequired):
            booking_confirmation_resend(booking=booking, actor=clerk, reason=reason, now=now)
        booking.refresh_from_db()
        assert booking.status == "confirmed" and booking.start_at == local(later(), 10)
        assert not AuditEntry.objects.filter(object_type="booking").exists() and events(booking) == ["confirmed"]


class TestConsolePages:
    def test_a_clerk_cancels_with_a_reason_and_sees_it_in_the_history(self, client, walkin_network):
        booking = book(10)
        client.force_login(staff("clerk", CLERK, "malmi"))
        url = f"/console/bookings/{booking.pk}/"
        refused = client.post(url + "cancel/", {"cancel-reason": " "})
        assert refused.status_code == 400 and "id_cancel-reason_error" in refused.content.decode()
        assert Booking.objects.get(pk=booking.pk).status == "confirmed"
        assert client.post(url + "cancel/", {"cancel-reason": "Asked at the desk"}).status_code == 302
        page = client.get(url).content.decode()
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"
        assert "Asked at the desk" in page and "clerk" in page and events(booking) == ["confirmed", "cancelled"]

    def test_a_clerk_moves_a_booking_with_the_customers_pickers(self, client, walkin_network):
        booking = book(10)
        client.force_login(staff("clerk", CLERK, "malmi"))
        month = client.get(f"/console/bookings/{booking.pk}/move/").content.decode()
        day_link = re.search(r'href="(/console/bookings/\d+/move/day/\?[^"]+)"', month).group(1).replace("&amp;", "&")
        day = client.get(day_link).content.decode()
        pick = re.findall(r'href="(/console/bookings/\d+/move/confirm/\?[^"]+)"', day)[-1].replace("&amp;", "&")
        assert client.post(pick, {"reason": ""}).status_code == 400
        assert client.post(pick, {"reason": "Customer asked"}).status_code == 302
        booking.refresh_from_db()
        assert booking.rescheduled_count == 1 and events(booking) == ["confirmed", "rescheduled"]
        assert AuditEntry.objects.filter(object_type="booking").get().reason == "Customer asked"

    def test_a_clerk_resends_the_confirmation(self, client, walkin_network):
        booking = book(10)
        client.force_login(staff("clerk", CLERK, "malmi"))
        assert client.post(f"/console/bookings/{booking.pk}/resend/", {"resend-reason": "lost it"}).status_code == 302
        assert events(booking) == ["confirmed", "confirmed"]

    def test_a_clerk_of_another_point_gets_nothing_of_this_point(self, client, walkin_network):
        booking = book(10)
        client.force_login(staff("olli", CLERK, "oulu"))
        base = f"/console/bookings/{booking.pk}/"
        start = local(later(), 13).isoformat()
        for response in [client.get(base), client.post(base + "cancel/", {"cancel-reason": "x"}),
                         client.post(base + "resend/", {"resend-reason": "x"}), client.get(base + "move/"),
                         client.get(base + "move/day/", {"date": later().isoformat()}),
                         client.post(base + "move/confirm/?" + f"start={start}", {"reason": "x"}),
                         client.get(f"/admin/booking/booking/{booking.pk}/change/")]:
            assert response.status_code in (403, 404)
        assert client.get("/console/book/month/", {"service": "extended-permit", "point": "malmi"}).status_code == 302
        booking.refresh_from_db()
        assert booking.status == "confirmed" and booking.rescheduled_count == 0 and events(booking) == ["confirmed"]
        assert not AuditEntry.objects.filter(object_type="booking").exists()

    def test_an_administrator_acts_at_every_point(self, client, walkin_network):
        booking = book(10, point="oulu")
        client.force_login(staff("admin", ADMINISTRATOR))
        assert client.get(f"/console/bookings/{booking.pk}/").status_code == 200
        assert client.post(f"/console/bookings/{booking.pk}/cancel/", {"cancel-reason": "duplicate"}).status_code == 302
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"


class TestBackOffice:
    def test_search_and_the_booking_page_with_messages_history_and_acts(self, client, walkin_network):
        booking, elsewhere = book(10), book(10, point="oulu", email="o@example.org")
        clerk = staff("clerk", CLERK, "malmi")
        booking_staff_cancel(booking=booking, actor=clerk, reason="Customer phoned", now=timezone.now())
        client.force_login(clerk)
        found = client.get("/admin/booking/booking/", {"q": "Virtanen"}).content.decode()
        assert f"/admin/booking/booking/{booking.pk}/change/" in found
        assert f"/admin/booking/booking/{elsewhere.pk}/change/" not in found
        page = client.get(f"/admin/booking/booking/{booking.pk}/change/").content.decode()
        assert "Customer phoned" in page and f"/console/bookings/{booking.pk}/?next=" in page
        assert client.get(f"/admin/booking/booking/{elsewhere.pk}/change/").status_code == 404


class TestBookForTheCustomer:
    def test_a_clerk_books_at_the_desk_and_hands_over_the_key_and_pin(self, client, walkin_network):
        client.force_login(staff("clerk", CLERK, "malmi"))
        start = client.get("/console/book/", {"service": "extended-permit", "point": "malmi", "persons": "2"})
        month = client.get(start["Location"]).content.decode()
        day_link = re.search(r'href="(/console/book/day/\?[^"]+)"', month).group(1).replace("&amp;", "&")
        pick = re.findall(r'href="(/console/book/details/\?[^"]+)"', client.get(day_link).content.decode())[0]
        pick = pick.replace("&amp;", "&")
        refused = client.post(pick, {"name": "", "email": "not-an-address", "language": "sv"})
        assert refused.status_code == 400 and not Booking.objects.exists()
        done = client.post(pick, {"name": "Cecilia Ek", "email": "cecilia@example.org", "phone": "",
                                  "language": "sv"})
        assert done.status_code == 200
        booking = Booking.objects.get()
        assert (booking.channel, booking.persons, booking.language, booking.service_point_id) == ("desk", 2, "sv",
                                                                                                  "malmi")
        assert booking.reservation_key in done.content.decode()
        pin = re.search(r'id="handover-pin">(\d{6})<', done.content.decode()).group(1)
        from vuoro.booking.keys import pin_matches

        assert pin_matches(booking.reservation_key, pin, booking.pin_hash)
        assert events(booking) == ["confirmed"]
        entry = AuditEntry.objects.filter(object_type="booking").get()
        assert entry.action == "booking.create" and entry.actor.username == "clerk"

    def test_one_live_booking_per_address_and_service_holds_at_the_desk_too(self, client, walkin_network):
        book(10, email="cecilia@example.org")
        client.force_login(staff("clerk", CLERK, "malmi"))
        pick = "/console/book/details/?" + urlencode({"service": "extended-permit", "point": "malmi", "persons": 1,
                                                      "start": local(later(), 14).isoformat()})
        refused = client.post(pick, {"name": "Cecilia Ek", "email": "Cecilia@example.org", "language": "fi"})
        assert refused.status_code == 409 and "id_email_error" in refused.content.decode()
        assert Booking.objects.count() == 1 and not AuditEntry.objects.filter(object_type="booking").exists()
        assert "id_beyond_caps" in refused.content.decode()  # the clerk may book beyond the limit, with a reason
        details = {"name": "Cecilia Ek", "email": "Cecilia@example.org", "language": "fi", "beyond_caps": "on"}
        assert client.post(pick, details).status_code == 400 and Booking.objects.count() == 1
        assert client.post(pick, {**details, "reason": "Two applications: permit and card"}).status_code == 200
        assert Booking.objects.count() == 2
        entry = AuditEntry.objects.get(object_type="booking", action="booking.create")
        assert entry.reason == "Two applications: permit and card" and entry.after["beyond_caps"] is True

    def test_a_clerk_books_only_at_their_own_points(self, client, walkin_network):
        client.force_login(staff("clerk", CLERK, "malmi"))
        assert client.get("/console/book/", {"service": "extended-permit", "point": "oulu",
                                             "persons": "1"}).status_code == 400
        assert client.get("/console/book/details/", {"service": "extended-permit", "point": "oulu", "persons": "1",
                                                     "start": local(later(), 10).isoformat()}).status_code == 302
        assert not Booking.objects.exists()

    def test_the_desks_link_leads_to_the_flow_at_the_desks_point(self, client, walkin_network):
        from vuoro.network.models import Desk

        client.force_login(staff("clerk", CLERK, "malmi"))
        desk = Desk.objects.filter(service_point_id="malmi").first()
        response = client.get(f"/console/desk/{desk.pk}/book/")
        assert response.status_code == 302 and response["Location"] == "/console/book/?point=malmi"
        assert client.get(response["Location"]).status_code == 200


class TestNoServerErrors:
    @pytest.mark.parametrize("path", ["/console/bookings/99999999999999999999999/", "/console/bookings/2147483648/",
                                      "/console/bookings/?date=2026-13-45", "/console/bookings/?q=" + "x" * 300,
                                      "/console/book/month/?service=extended-permit&point=malmi&persons=many",
                                      "/console/book/day/?service=extended-permit&point=malmi&persons=1&date=x",
                                      "/console/book/details/?service=extended-permit&point=malmi&persons=9&start=x",
                                      "/console/book/details/?service=extended-permit&point=malmi&persons=1&start=x"])
    def test_bad_input_gets_an_answer_not_an_error(self, client, walkin_network, path):
        client.force_login(staff("clerk", CLERK, "malmi"))
        assert client.get(path).status_code in (200, 302, 400, 404)

    def test_a_move_to_a_time_in_the_past_is_refused_and_nothing_changes(self, client, walkin_network):
        booking = book(10)
        client.force_login(staff("clerk", CLERK, "malmi"))
        past = (timezone.now() - dt.timedelta(days=1)).isoformat()
        response = client.post(f"/console/bookings/{booking.pk}/move/confirm/?" + urlencode({"start": past}),
                               {"reason": "try"})
        assert response.status_code == 409
        booking.refresh_from_db()
        assert booking.rescheduled_count == 0 and not AuditEntry.objects.filter(object_type="booking").exists()
