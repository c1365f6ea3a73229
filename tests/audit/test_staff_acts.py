"""Every staff act is in the audit log: the clerk's console, network loads, sign-in."""
import datetime as dt
import getpass
import hashlib
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.booking.conftest import at
from tests.booking.test_closures import book, smoke_file
from vuoro.audit.models import AuditEntry
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Desk, StaffAssignment
from vuoro.network.roles import CLERK
from vuoro.network.state import network_state
from vuoro.walkin.models import Ticket
from vuoro.walkin.services import ticket_issue

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def clerk_at(point: str, name: str = "clerk") -> User:
    clerk = User.objects.create_user(name, password="a long password 1", is_staff=True)
    clerk.groups.add(Group.objects.get(name=CLERK))
    StaffAssignment.objects.create(user=clerk, service_point_id=point)
    return clerk


def desk(point="malmi", kind="walk_in", number=1) -> Desk:
    return Desk.objects.get(service_point_id=point, kind=kind, number=number)


def kiosk_ticket() -> Ticket:
    return ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi",
                        now=timezone.now()).ticket


def entries(*actions):
    return list(AuditEntry.objects.filter(action__in=actions).order_by("id"))


class TestConsole:
    def test_a_console_call_records_the_clerk_and_whom_they_called(self, client, walkin_network):
        ticket = kiosk_ticket()
        assert not entries(Action.CONSOLE_TICKET)  # a customer's own number is no staff act
        clerk = clerk_at("malmi")
        client.force_login(clerk)
        client.post(f"/console/desk/{desk().pk}/call-next/")
        [entry] = entries(Action.CONSOLE_CALL)
        assert (entry.actor, entry.object_type, entry.object_id, entry.service_point_id) == (
            clerk, "ticket", str(ticket.pk), "malmi")
        assert entry.before == {"status": "waiting"}
        assert entry.after == {"status": "called", "desk_id": desk().pk, "label": ticket.label}

    def test_calling_an_appointment_records_the_booking(self, walkin_network):
        from tests.walkin.conftest import local
        from vuoro.walkin.services import booking_check_in, call_next

        day = timezone.localdate() + dt.timedelta(days=7)
        made = booking_create(state=network_state(), service_code="citizenship", point_id="malmi",
                              start_at=local(day, 10), persons=1, language="fi",
                              customer=Customer(name="A", email="a@example.org"),
                              now=local(day, 0) - dt.timedelta(days=3))
        booking_check_in(state=network_state(), reservation_key=made.booking.reservation_key, point_id="malmi",
                         now=local(day, 9, 50))
        clerk = clerk_at("malmi")
        called = call_next(desk=desk(), now=local(day, 9, 58), state=network_state(), actor=clerk)
        assert called.kind == "booking"
        [entry] = entries(Action.CONSOLE_CALL)
        assert (entry.actor, entry.object_type, entry.object_id) == (clerk, "booking", str(made.booking.pk))
        assert (entry.before, entry.after["status"], entry.at) == ({"status": "checked_in"}, "called",
                                                                  local(day, 9, 58))

    def test_each_step_of_the_visit_records_its_status_before_and_after(self, client, walkin_network):
        ticket = kiosk_ticket()
        clerk = clerk_at("malmi")
        client.force_login(clerk)
        client.post(f"/console/desk/{desk().pk}/call-next/")
        for action, outcome in (("recall", ""), ("start", ""), ("finish", "application_received")):
            client.post(f"/console/desk/{desk().pk}/act/", {"kind": "ticket", "id": ticket.pk, "action": action,
                                                            "outcome": outcome})
        steps = [(e.action, e.before, e.after) for e in entries(Action.CONSOLE_RECALL, Action.CONSOLE_START,
                                                                 Action.CONSOLE_FINISH)]
        assert steps == [
            ("console.recall", {"status": "called"}, {"status": "called", "desk_id": desk().pk}),
            ("console.start", {"status": "called"}, {"status": "in_service", "desk_id": desk().pk}),
            ("console.finish", {"status": "in_service"},
             {"status": "done", "desk_id": desk().pk, "outcome": "application_received"}),
        ]
        assert {e.actor for e in entries(Action.CONSOLE_RECALL, Action.CONSOLE_FINISH)} == {clerk}

    def test_a_no_show_over_the_api_is_recorded(self, client, walkin_network):
        ticket = kiosk_ticket()
        clerk = clerk_at("malmi")
        client.force_login(clerk)
        client.post(f"/api/v1/staff/desks/{desk().pk}/call-next")
        answer = client.post(f"/api/v1/staff/desks/{desk().pk}/act",
                             {"kind": "ticket", "id": ticket.pk, "action": "no_show"}, content_type="application/json")
        assert answer.status_code == 200
        [entry] = entries(Action.CONSOLE_NO_SHOW)
        assert (entry.actor, entry.before, entry.after["status"]) == (clerk, {"status": "called"}, "no_show")

    def test_a_refused_act_records_nothing(self, client, walkin_network):
        ticket = kiosk_ticket()
        client.force_login(clerk_at("malmi"))
        client.post(f"/console/desk/{desk().pk}/act/", {"kind": "ticket", "id": ticket.pk, "action": "start"})
        assert not entries(Action.CONSOLE_START)
        assert Ticket.objects.get().status == "waiting"

    def test_a_number_the_clerk_issues_is_recorded(self, client, walkin_network):
        clerk = clerk_at("malmi")
        client.force_login(clerk)
        client.post(f"/console/desk/{desk().pk}/ticket/", {"service": "", "language": "sv", "urgent": "on"})
        [entry] = entries(Action.CONSOLE_TICKET)
        ticket = Ticket.objects.get()
        assert (entry.actor, entry.object_id, entry.service_point_id) == (clerk, str(ticket.pk), "malmi")
        assert entry.after == {"number": "U-001", "service": None, "urgent": True, "status": "waiting"}


def load(path, text: str, *args) -> None:
    path.write_text(text)
    call_command("loadnetwork", str(path), *args, stdout=io.StringIO(), stderr=io.StringIO())


class TestNetworkLoad:
    def test_a_load_records_who_the_files_digest_and_what_it_changed(self, smoke_network, wednesday, tmp_path):
        text = smoke_file((wednesday.isoformat(), ""))
        load(tmp_path / "closed.toml", text)
        [entry] = entries(Action.NETWORK_LOAD)
        digest = hashlib.sha256(text.encode()).hexdigest()
        assert (entry.actor, entry.object_type, entry.object_id) == (None, "network file", digest)
        assert entry.after["operator"] == getpass.getuser() and entry.after["sha256"] == digest
        assert entry.after["file"] == str(tmp_path / "closed.toml")
        assert entry.after["changes"] == {"openingexception": {"added": 1}}
        assert entry.after["created"] == [f"service point smoke-point exception {wednesday.isoformat()}"]
        assert entry.after["bookings"] == {"moved": 0, "cancelled": 0, "other_desk": 0}
        assert getpass.getuser() in entry.reason

    def test_the_bookings_a_closure_moves_and_cancels_are_counted(self, smoke_network, wednesday, tmp_path):
        book(at(wednesday, 9), "a@example.org")
        book(at(wednesday, 9), "b@example.org")
        book(at(wednesday, 10, 20), "c@example.org")
        load(tmp_path / "n.toml", smoke_file((wednesday.isoformat(), "09:00-10:20", 1)), "--move-affected")
        [entry] = entries(Action.NETWORK_LOAD)
        assert entry.after["bookings"] == {"moved": 1, "cancelled": 1, "other_desk": 0}
        assert entry.after["moves_confirmed"] is True

    def test_desks_and_hours_removed_are_counted(self, smoke_network, tmp_path):
        from tests.factories import network_text

        load(tmp_path / "n.toml", network_text(
            slot_minutes=20, horizon_days=60, holidays=None, services=[("residence-card", 40)],
            points=[dict(id="smoke-point", desks=1, services=["residence-card"],
                         hours={d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu")})]))
        changes = entries(Action.NETWORK_LOAD)[0].after["changes"]
        assert changes["desk"] == {"removed": 1} and changes["openinghours"] == {"removed": 1}
        assert changes["servicepoint"] == {"changed": 1}

    def test_a_refused_load_and_a_check_record_nothing(self, smoke_network, wednesday, tmp_path):
        book(at(wednesday, 9), "a@example.org")
        with pytest.raises(CommandError):
            load(tmp_path / "n.toml", smoke_file((wednesday.isoformat(), "")))
        load(tmp_path / "n.toml", smoke_file((wednesday.isoformat(), "")), "--check")
        assert not entries(Action.NETWORK_LOAD)


class TestSignIn:
    def test_a_failed_sign_in_names_the_username_tried_and_never_the_password(self, client):
        User.objects.create_user("maija", password="the right password 1", is_staff=True)
        answer = client.post("/admin/login/", {"username": "maija", "password": "wrong secret 4711"})
        assert answer.status_code == 200  # the form again
        [entry] = entries(Action.SIGN_IN_FAILED)
        assert (entry.actor, entry.object_type, entry.object_id) == (None, "sign-in", "maija")
        assert entry.after == {"username": "maija", "address": "127.0.0.1"}
        row = AuditEntry.objects.filter(pk=entry.pk).values()[0]
        assert "wrong secret 4711" not in repr(row)

    def test_signing_in_and_out_are_recorded_with_who(self, client):
        maija = User.objects.create_user("maija", password="the right password 1", is_staff=True)
        client.post("/admin/login/", {"username": "maija", "password": "the right password 1"})
        client.post("/admin/logout/")
        assert [(e.action, e.actor, e.object_id) for e in entries(Action.SIGN_IN, Action.SIGN_OUT)] == [
            ("auth.sign_in", maija, "maija"), ("auth.sign_out", maija, "maija")]
        assert not entries(Action.SIGN_IN_FAILED)
