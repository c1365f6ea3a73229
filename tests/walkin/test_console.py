"""Check-in, calling customers to desks, the visit's steps, no-shows."""
import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.booking.conftest import phone_of
from tests.booking.test_concurrency import in_parallel
from tests.factories import load_network
from tests.walkin.conftest import local
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Desk, StaffAssignment
from vuoro.network.roles import CLERK
from vuoro.network.state import network_state
from vuoro.notify import sms
from vuoro.notify.services import notices_send
from vuoro.notify.tasks import notice_deliver
from vuoro.walkin.models import Ticket
from vuoro.walkin.services import (
    CheckInRefused,
    NotAllowed,
    booking_check_in,
    call_next,
    noshow_sweep,
    ticket_issue,
    visit_act,
)

pytestmark = pytest.mark.django_db


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def book(day, hour, minute=0, email="a@example.org", point="malmi"):
    return booking_create(state=network_state(), service_code="extended-permit", point_id=point,
                          start_at=local(day, hour, minute), persons=1, language="fi",
                          customer=Customer(name="A", email=email, phone=phone_of(email)),
                          now=local(day, 0, 1) - dt.timedelta(days=3)).booking


def desk(kind="walk_in", number=1, point="malmi"):
    return Desk.objects.get(service_point_id=point, kind=kind, number=number)


def issue(now, **kwargs):
    return ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi", now=now,
                        **kwargs).ticket


class TestCheckIn:
    def test_opens_thirty_minutes_before_and_closes_ten_after_the_start(self, office_network):
        day = next_monday()
        booking = book(day, 10)
        state = network_state()
        with pytest.raises(CheckInRefused) as early:
            booking_check_in(state=state, reservation_key=booking.reservation_key, point_id="malmi",
                             now=local(day, 9, 29))
        assert early.value.reason == "too_early"
        with pytest.raises(CheckInRefused) as late:
            booking_check_in(state=state, reservation_key=booking.reservation_key, point_id="malmi",
                             now=local(day, 10, 11))
        assert late.value.reason == "too_late"
        checked = booking_check_in(state=state, reservation_key=booking.reservation_key, point_id="malmi",
                                   now=local(day, 9, 45))
        assert checked.status == "checked_in" and checked.checked_in_at == local(day, 9, 45)

    def test_refuses_an_unknown_key_and_another_point(self, office_network):
        with pytest.raises(CheckInRefused) as unknown:
            booking_check_in(state=network_state(), reservation_key="ZZZZZZZZZZ", point_id="malmi",
                             now=timezone.now())
        assert unknown.value.reason == "not_found"


class TestCallNext:
    def test_due_appointments_then_urgent_then_numbers_first_come_first_served(self, office_network):
        day = next_monday()
        booking = book(day, 9)
        state = network_state()
        issue(local(day, 8, 30))
        issue(local(day, 8, 31))
        urgent = issue(local(day, 8, 32), urgent=True)
        booking_check_in(state=state, reservation_key=booking.reservation_key, point_id="malmi",
                         now=local(day, 8, 40))
        at_desk = desk()
        # 08:50: the 09:00 appointment is not yet due (due from 08:55): numbers go first, urgent first.
        assert call_next(desk=at_desk, now=local(day, 8, 50), state=state).label == urgent.label == "U-003"
        assert call_next(desk=at_desk, now=local(day, 8, 56), state=state).kind == "booking"
        assert [call_next(desk=at_desk, now=local(day, 9), state=state).label for _ in range(2)] == ["A-001", "A-002"]
        assert call_next(desk=at_desk, now=local(day, 9), state=state) is None

    def test_the_visit_steps_are_timestamped(self, office_network):
        day = next_monday()
        ticket = issue(local(day, 8, 30))
        at_desk = desk()
        state = network_state()
        called = call_next(desk=at_desk, now=local(day, 8, 35), state=state)
        visit_act(kind="ticket", visit_id=called.id, desk=at_desk, action="recall", now=local(day, 8, 37))
        visit_act(kind="ticket", visit_id=called.id, desk=at_desk, action="start", now=local(day, 8, 38))
        with pytest.raises(NotAllowed):
            visit_act(kind="ticket", visit_id=called.id, desk=at_desk, action="finish", now=local(day, 8, 50))
        visit_act(kind="ticket", visit_id=called.id, desk=at_desk, action="finish", now=local(day, 8, 50),
                  outcome="application_received")
        ticket.refresh_from_db()
        assert (ticket.issued_at, ticket.called_at, ticket.started_at, ticket.finished_at) == (
            local(day, 8, 30), local(day, 8, 37), local(day, 8, 38), local(day, 8, 50))
        assert ticket.recalled_count == 1 and ticket.outcome == "application_received" and ticket.status == "done"

    def test_another_desk_cannot_act_on_a_customer(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 35), state=network_state())
        with pytest.raises(NotAllowed):
            visit_act(kind="ticket", visit_id=called.id, desk=desk(number=2), action="start", now=local(day, 8, 36))

    def test_an_online_ticket_holder_gets_a_text_when_three_are_ahead(self, office_network,
                                                                     django_capture_on_commit_callbacks):
        day = next_monday()
        for minute in range(4):
            issue(local(day, 8, minute))
        online = issue(local(day, 8, 5), phone="+358409999999", channel="online")
        assert online.number == 5
        with django_capture_on_commit_callbacks(execute=True):
            call_next(desk=desk(), now=local(day, 8, 10), state=network_state())
        notices_send(now=lambda: local(day, 8, 10), send=notice_deliver)  # the outbox's sender
        assert [m.to for m in sms.outbox] == ["+358409999999"]
        assert "A-005" in sms.outbox[0].text
        with django_capture_on_commit_callbacks(execute=True):
            call_next(desk=desk(), now=local(day, 8, 11), state=network_state())
        notices_send(now=lambda: local(day, 8, 11), send=notice_deliver)
        assert len(sms.outbox) == 1  # once only


class TestNoShows:
    def test_an_appointment_not_checked_in_by_start_plus_grace_becomes_a_no_show(self, office_network):
        day = next_monday()
        missed, kept = book(day, 9), book(day, 11, email="b@example.org")
        assert noshow_sweep(now=local(day, 9, 10)) == 0
        assert noshow_sweep(now=local(day, 9, 11)) == 1
        missed.refresh_from_db()
        kept.refresh_from_db()
        assert missed.status == "no_show" and missed.no_show_at == local(day, 9, 11) and kept.status == "confirmed"


class TestStaffApi:
    def test_a_clerk_calls_only_at_their_own_points(self, client, office_network):
        load_network(holidays=None, services=[("extended-permit", 30)],
                   points=[dict(id="oulu", desks=1, services=["extended-permit"], walk_in=(1, 10))])
        clerk = User.objects.create_user("clerk", password="x", is_staff=True)
        clerk.groups.add(Group.objects.get(name=CLERK))
        StaffAssignment.objects.create(user=clerk, service_point_id="malmi")
        assert client.post(f"/api/v1/staff/desks/{desk().pk}/call-next").status_code == 401
        client.force_login(clerk)
        assert client.post(f"/api/v1/staff/desks/{desk().pk}/call-next").json() == {
            "kind": None, "id": None, "number": None}
        assert client.post(f"/api/v1/staff/desks/{desk(point='oulu').pk}/call-next").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_clerks_calling_at_the_same_instant_never_get_the_same_customer(office_network):
    now = timezone.now()
    state = network_state()
    for n in range(12):
        Ticket.objects.create(service_point_id="malmi", local_date=now.astimezone(
            state.points["malmi"].zone).date(), number=n + 1, issued_at=now)
    desks = [desk("walk_in", 1), desk("walk_in", 2), desk("appointment", 1), desk("appointment", 2)]
    results = in_parallel(24, lambda n: call_next(desk=desks[n % 4], now=now, state=state))
    called = [r.id for r in results if r is not None and not isinstance(r, Exception)]
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(called) == len(set(called)) == 12
    assert Counter(Ticket.objects.values_list("status", flat=True)) == {"called": 12}
