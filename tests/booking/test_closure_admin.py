"""The back office: a change to hours, exceptions or desks shows the bookings it hits and asks again."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.booking.conftest import at
from vuoro.audit.models import AuditEntry
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_cancel, booking_create
from vuoro.network.models import Desk, OpeningException, OpeningHours, ServicePoint, StaffAssignment
from vuoro.network.roles import ADMINISTRATOR, MANAGER
from vuoro.network.state import network_state
from vuoro.notify.models import Notice

pytestmark = pytest.mark.django_db
POINT = "smoke-point"


def book(start, email):
    return booking_create(state=network_state(), service_code="residence-card", point_id=POINT, start_at=start,
                          persons=1, language="en", customer=Customer(name="N", email=email),
                          now=timezone.now()).booking


@pytest.fixture
def manager(client, smoke_network):
    user = User.objects.create_user("maija", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=MANAGER))
    StaffAssignment.objects.create(user=user, service_point_id=POINT)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def closing(day, **extra):
    return {"service_point": POINT, "date": day.isoformat(), "opens_at": "", "closes_at": "", "desks": "", **extra}


class TestClosingADayInTheAdmin:
    def test_saving_a_closure_first_lists_the_bookings_it_hits(self, manager, wednesday):
        booking = book(at(wednesday, 9), "a@example.org")
        page = manager.post("/admin/network/openingexception/add/", closing(wednesday), follow=True)
        text = page.content.decode()
        assert page.status_code == 200 and 'id="affected-bookings"' in text
        assert booking.reservation_key in text and "cancelled" in text
        assert not OpeningException.objects.exists()
        booking.refresh_from_db()
        assert booking.status == "confirmed"

    def test_confirming_cancels_tells_and_reports(self, manager, wednesday):
        booking = book(at(wednesday, 9), "a@example.org")
        answer = manager.post("/admin/network/openingexception/add/",
                              {**closing(wednesday), "_confirm_affected": "1"}, follow=True)
        assert answer.redirect_chain and answer.redirect_chain[-1][1] == 302
        assert OpeningException.objects.get().opens_at is None
        booking.refresh_from_db()
        assert booking.status == "cancelled"
        assert Notice.objects.filter(booking=booking, event=Notice.Event.AGENCY_CANCELLED).exists()
        entry = AuditEntry.objects.filter(object_type="booking").get(object_id=str(booking.pk))
        assert (entry.action, entry.actor.username) == (AuditEntry.Action.BOOKING_CANCEL, "maija")
        reported = [str(m) for m in answer.context["messages"]]
        assert any(booking.reservation_key in line and "cancelled" in line for line in reported)

    def test_shorter_hours_move_a_booking_and_say_where(self, manager, wednesday):
        booking = book(at(wednesday, 9), "a@example.org")
        hours = OpeningHours.objects.get(service_point_id=POINT, weekday=2)
        answer = manager.post(f"/admin/network/openinghours/{hours.pk}/change/",
                              {"service_point": POINT, "weekday": 2, "opens_at": "10:00", "closes_at": "11:00",
                               "_confirm_affected": "1"}, follow=True)
        booking.refresh_from_db()
        assert booking.start_at == at(wednesday, 10)
        assert Notice.objects.filter(booking=booking, event=Notice.Event.AGENCY_MOVED).exists()
        assert any("10:00" in str(m) for m in answer.context["messages"])

    def test_a_change_that_hits_nobody_is_saved_at_once(self, manager, wednesday):
        answer = manager.post("/admin/network/openingexception/add/", closing(wednesday))
        assert answer.status_code == 302 and OpeningException.objects.exists()

    def test_deleting_hours_lists_the_bookings_on_the_delete_page(self, manager, wednesday):
        booking = book(at(wednesday, 9), "a@example.org")
        hours = OpeningHours.objects.get(service_point_id=POINT, weekday=2)
        page = manager.get(f"/admin/network/openinghours/{hours.pk}/delete/").content.decode()
        assert booking.reservation_key in page
        assert f"/admin/network/openinghours/{hours.pk}/change/" in page  # the object shown is still there
        assert OpeningHours.objects.filter(pk=hours.pk).exists()
        manager.post(f"/admin/network/openinghours/{hours.pk}/delete/", {"post": "yes"})
        booking.refresh_from_db()
        assert booking.status == "cancelled" and not OpeningHours.objects.filter(pk=hours.pk).exists()


class TestStaffedDesksCap:
    def test_the_admin_refuses_more_staffed_desks_than_the_point_has(self, manager, wednesday):
        answer = manager.post("/admin/network/openingexception/add/",
                              closing(wednesday, opens_at="09:00", closes_at="11:00", desks="3"))
        assert answer.status_code == 200 and "At most 2" in answer.content.decode()
        assert not OpeningException.objects.exists()

    def test_the_model_refuses_more_staffed_desks_than_the_point_has(self, smoke_network, wednesday):
        exception = OpeningException(service_point_id=POINT, date=wednesday, opens_at=dt.time(9),
                                     closes_at=dt.time(11), desks=3)
        with pytest.raises(ValidationError) as refused:
            exception.full_clean()
        assert list(refused.value.message_dict) == ["desks"]
        exception.desks = 2
        exception.full_clean()

    def test_a_calendar_never_staffs_desks_the_point_does_not_have(self, smoke_network, wednesday):
        OpeningException.objects.create(service_point_id=POINT, date=wednesday, opens_at=dt.time(9),
                                        closes_at=dt.time(11), desks=5)  # written past every door
        assert network_state().points[POINT].calendar.opening_on(wednesday).desks == 2

    def test_fewer_desks_for_a_point_are_refused_below_a_staffed_exception(self, client, smoke_network, wednesday):
        admin_user = User.objects.create_user("anna", password="x", is_staff=True, is_superuser=True)
        admin_user.groups.add(Group.objects.get(name=ADMINISTRATOR))
        client.force_login(admin_user)
        OpeningException.objects.create(service_point_id=POINT, date=wednesday, opens_at=dt.time(9),
                                        closes_at=dt.time(11), desks=2)
        point = ServicePoint.objects.get(pk=POINT)
        point.appointment_desks = 1
        with pytest.raises(ValidationError, match="staffs 2 desks"):
            point.full_clean()

    def test_fewer_desks_in_the_admin_take_a_desk_out_of_use_and_move_its_bookings(self, client, smoke_network,
                                                                                     wednesday):
        admin_user = User.objects.create_user("anna", password="x", is_staff=True, is_superuser=True)
        client.force_login(admin_user)
        book(at(wednesday, 9), "a@example.org")
        second = book(at(wednesday, 9), "b@example.org")
        point = ServicePoint.objects.get(pk=POINT)
        body = {"id": POINT, "name_fi": point.name_fi, "name_sv": point.name_sv, "name_en": point.name_en,
                "address": point.address, "timezone": point.timezone, "appointment_desks": 1, "walk_in_desks": 0,
                "daily_tickets": "", "offers-TOTAL_FORMS": 0, "offers-INITIAL_FORMS": 0,
                "offers-MIN_NUM_FORMS": 0, "offers-MAX_NUM_FORMS": 1000}
        first_answer = client.post(f"/admin/network/servicepoint/{POINT}/change/", body)
        assert first_answer.status_code == 200 and second.reservation_key in first_answer.content.decode()
        client.post(f"/admin/network/servicepoint/{POINT}/change/", {**body, "_confirm_affected": "1"})
        assert not Desk.objects.get(service_point_id=POINT, kind="appointment", number=2).active
        second.refresh_from_db()
        assert second.start_at == at(wednesday, 9, 40) and second.desk.number == 1
        assert Booking.objects.filter(status="confirmed").count() == 2


def test_a_desk_taken_out_of_use_in_the_admin_hands_its_bookings_to_a_free_desk(client, smoke_network, wednesday):
    client.force_login(User.objects.create_user("anna", password="x", is_staff=True, is_superuser=True))
    first = book(at(wednesday, 9), "a@example.org")
    second = book(at(wednesday, 9), "b@example.org")
    first_desk = first.desk.number
    booking_cancel(booking=first, now=timezone.now())  # desk 1 is free at 9:00 again
    desk = Desk.objects.get(pk=second.desk_id)
    answer = client.post(f"/admin/network/desk/{desk.pk}/change/",
                         {"service_point": POINT, "kind": "appointment", "number": desk.number})  # "in use" unticked
    assert answer.status_code == 302  # nobody's time changes: no question asked
    second.refresh_from_db()
    assert second.start_at == at(wednesday, 9) and second.desk.number == first_desk != desk.number
    assert not Notice.objects.filter(booking=second).exclude(event=Notice.Event.CONFIRMED).exists()
