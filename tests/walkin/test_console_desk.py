"""The clerk's console for a busy desk: the live waiting list and its counts, the called card, the
no-show's confirmation and undo, transfers, pausing a desk, stale acts; and their concurrency."""
import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone, translation

from tests.booking.test_concurrency import in_parallel
from tests.walkin.conftest import local
from tests.walkin.test_console import book, desk, issue, next_monday
from vuoro.audit.models import AuditEntry
from vuoro.booking.models import Booking
from vuoro.network.models import StaffAssignment
from vuoro.network.roles import CLERK
from vuoro.network.state import network_state
from vuoro.walkin.desks import (
    TransferRefused,
    UndoExpired,
    UndoRefused,
    desk_pause,
    desk_resume,
    visit_no_show_undo,
    visit_transfer,
)
from vuoro.walkin.models import Ticket
from vuoro.walkin.selectors import board_fingerprint, console_queue, desk_undoable_no_show, queue_status
from vuoro.walkin.services import DeskPaused, Stale, WalkInError, booking_check_in, call_next, visit_act

pytestmark = pytest.mark.django_db


def checked_in(day, hour, minute=0, email="a@example.org"):
    booking = book(day, hour, minute, email=email)
    return booking_check_in(state=network_state(), reservation_key=booking.reservation_key, point_id="malmi",
                            now=local(day, hour, minute) - dt.timedelta(minutes=20))


def no_show(visit, at_desk, now):
    visit_act(kind=visit.kind, visit_id=visit.id, desk=at_desk, action="no_show", now=now)


class TestConsoleQueue:
    def test_the_counts_are_those_of_the_rows(self, office_network):
        day = next_monday()
        checked_in(day, 9)
        for minute in range(3):
            issue(local(day, 8, 30 + minute))
        issue(local(day, 8, 40), urgent=True)
        queue = console_queue(point_id="malmi", day=day)
        assert [row.label for row in queue.rows][1:] == ["U-004", "A-001", "A-002", "A-003"]
        assert (queue.total, queue.appointments, queue.numbers, queue.urgent) == (5, 1, 4, 1)
        assert queue.total == len(queue.rows)

    def test_a_transferred_customer_is_listed_for_their_desk(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        visit_transfer(kind="ticket", visit_id=called.id, desk=desk(), state=network_state(), now=local(day, 8, 32),
                       to_desk_id=desk(number=2).pk)
        (row,) = console_queue(point_id="malmi", day=day).rows
        assert (row.label, row.for_desk_id) == ("A-001", desk(number=2).pk)


class TestTransfer:
    def test_a_customer_sent_to_another_desk_keeps_their_place_and_waits_for_that_desk(self, office_network):
        day = next_monday()
        state = network_state()
        for minute in range(3):
            issue(local(day, 8, 30 + minute))
        first = call_next(desk=desk(), now=local(day, 8, 40), state=state)
        visit_transfer(kind="ticket", visit_id=first.id, desk=desk(), state=state, now=local(day, 8, 41),
                       to_desk_id=desk(number=2).pk, actor=None)
        # Desk 1 never gets them back; desk 2 calls them before those who came after them.
        assert call_next(desk=desk(), now=local(day, 8, 42), state=state).label == "A-002"
        assert call_next(desk=desk(number=2), now=local(day, 8, 42), state=state).label == "A-001"
        ticket = Ticket.objects.get(pk=first.id)
        assert (ticket.status, ticket.desk_id, ticket.issued_at) == ("called", desk(number=2).pk, local(day, 8, 30))

    def test_a_customer_sent_to_another_service_waits_for_any_desk(self, walkin_network, client):
        now = timezone.now()
        ticket = issue(now)
        called = call_next(desk=desk(), now=now, state=network_state())
        visit_transfer(kind="ticket", visit_id=called.id, desk=desk(), state=network_state(), now=now,
                       to_service_code="citizenship")
        ticket.refresh_from_db()
        assert (ticket.status, ticket.desk_id, ticket.service.code) == ("waiting", None, "citizenship")
        assert call_next(desk=desk(number=2), now=now, state=network_state()).id == ticket.pk

    def test_an_appointment_goes_back_checked_in_with_its_time(self, office_network):
        day = next_monday()
        booking = checked_in(day, 9)
        state = network_state()
        called = call_next(desk=desk(), now=local(day, 8, 58), state=state)
        visit_act(kind="booking", visit_id=called.id, desk=desk(), action="start", now=local(day, 8, 59))
        visit_transfer(kind="booking", visit_id=called.id, desk=desk(), state=state, now=local(day, 9, 5),
                       to_desk_id=desk(kind="appointment", number=2).pk)
        booking.refresh_from_db()
        assert (booking.status, booking.started_at, booking.called_at) == ("checked_in", None, None)
        assert call_next(desk=desk(), now=local(day, 9, 6), state=state) is None
        assert call_next(desk=desk(kind="appointment", number=2), now=local(day, 9, 6), state=state).id == booking.pk

    def test_refuses_a_desk_of_another_point_this_desk_or_nothing(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        state = network_state()
        called = call_next(desk=desk(), now=local(day, 8, 31), state=state)
        for target in ({"to_desk_id": desk().pk}, {"to_desk_id": 999999}, {}, {"to_service_code": "no-such"}):
            with pytest.raises(TransferRefused):
                visit_transfer(kind="ticket", visit_id=called.id, desk=desk(), state=state, now=local(day, 8, 32),
                               **target)
        assert Ticket.objects.get(pk=called.id).status == "called"

    def test_is_audited(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        clerk = User.objects.create_user("c", is_staff=True)
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        visit_transfer(kind="ticket", visit_id=called.id, desk=desk(), state=network_state(), now=local(day, 8, 32),
                       to_desk_id=desk(number=2).pk, actor=clerk)
        entry = AuditEntry.objects.get(action="console.transfer")
        assert (entry.actor, entry.before["desk_id"], entry.after["desk_id"], entry.after["status"]) == (
            clerk, desk().pk, desk(number=2).pk, "waiting")


class TestNoShowUndo:
    def test_undo_brings_the_customer_back_within_five_minutes(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        no_show(called, desk(), local(day, 8, 35))
        assert desk_undoable_no_show(desk=desk(), now=local(day, 8, 39)).until_at == local(day, 8, 40)
        visit_no_show_undo(kind="ticket", visit_id=called.id, desk=desk(), now=local(day, 8, 39))
        ticket = Ticket.objects.get(pk=called.id)
        assert (ticket.status, ticket.no_show_at, ticket.desk_id) == ("called", None, desk().pk)

    def test_five_minutes_later_it_is_too_late(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        no_show(called, desk(), local(day, 8, 35))
        with pytest.raises(UndoExpired):
            visit_no_show_undo(kind="ticket", visit_id=called.id, desk=desk(), now=local(day, 8, 40))

    def test_the_next_call_ends_the_undo(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        no_show(called, desk(), local(day, 8, 35))
        call_next(desk=desk(), now=local(day, 8, 35), state=network_state())
        assert desk_undoable_no_show(desk=desk(), now=local(day, 8, 36)) is None
        with pytest.raises(UndoExpired):
            visit_no_show_undo(kind="ticket", visit_id=called.id, desk=desk(), now=local(day, 8, 36))

    def test_another_desk_cannot_undo(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        no_show(called, desk(), local(day, 8, 35))
        with pytest.raises(UndoExpired):
            visit_no_show_undo(kind="ticket", visit_id=called.id, desk=desk(number=2), now=local(day, 8, 36))

    def test_an_appointment_too_and_both_acts_are_audited(self, office_network):
        day = next_monday()
        booking = checked_in(day, 9)
        clerk = User.objects.create_user("c", is_staff=True)
        called = call_next(desk=desk(), now=local(day, 8, 58), state=network_state(), actor=clerk)
        visit_act(kind="booking", visit_id=called.id, desk=desk(), action="no_show", now=local(day, 9, 3),
                  actor=clerk)
        visit_no_show_undo(kind="booking", visit_id=booking.pk, desk=desk(), now=local(day, 9, 4), actor=clerk)
        booking.refresh_from_db()
        assert booking.status == "called"
        assert list(AuditEntry.objects.filter(object_id=str(booking.pk)).order_by("at", "id")
                    .values_list("action", flat=True)) == ["console.call", "console.no_show", "console.no_show_undo"]

    def test_a_phone_that_took_a_new_number_meanwhile_is_refused_plainly(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30), phone="+358401112223", channel="online")
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        no_show(called, desk(), local(day, 8, 35))
        issue(local(day, 8, 36), phone="+358401112223", channel="online")
        with pytest.raises(UndoRefused):
            visit_no_show_undo(kind="ticket", visit_id=called.id, desk=desk(), now=local(day, 8, 37))
        assert Ticket.objects.get(pk=called.id).status == "no_show"


class TestPause:
    def test_a_paused_desk_is_offered_no_call_until_resumed(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        clerk = User.objects.create_user("c", is_staff=True)
        assert desk_pause(desk=desk(), now=local(day, 8, 31), actor=clerk)
        assert not desk_pause(desk=desk(), now=local(day, 8, 31), actor=clerk)  # already paused: nothing new
        with pytest.raises(DeskPaused):
            call_next(desk=desk(), now=local(day, 8, 32), state=network_state())
        assert desk_resume(desk=desk(), now=local(day, 8, 33), actor=clerk)
        assert call_next(desk=desk(), now=local(day, 8, 34), state=network_state()).label == "A-001"
        assert list(AuditEntry.objects.filter(object_type="desk").order_by("at", "id")
                    .values_list("action", flat=True)) == ["console.pause", "console.resume"]

    def test_the_estimate_counts_a_paused_desk_as_closed(self, walkin_network):
        now = timezone.now()
        for _ in range(4):
            issue(now)
        state = network_state()
        both = queue_status(state=state, point_id="malmi", now=now).estimated_wait_minutes
        desk_pause(desk=desk(), now=now)
        one = queue_status(state=state, point_id="malmi", now=now).estimated_wait_minutes
        assert one > both > 0
        desk_pause(desk=desk(number=2), now=now)  # all paused: still an estimate, no error
        assert queue_status(state=state, point_id="malmi", now=now).estimated_wait_minutes == one

    def test_a_transfer_to_a_paused_desk_is_refused(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        desk_pause(desk=desk(number=2), now=local(day, 8, 31))
        with pytest.raises(TransferRefused):
            visit_transfer(kind="ticket", visit_id=called.id, desk=desk(), state=network_state(),
                           now=local(day, 8, 32), to_desk_id=desk(number=2).pk)


class TestStale:
    def test_an_act_on_a_customer_called_elsewhere_says_where_they_are(self, office_network):
        day = next_monday()
        issue(local(day, 8, 30))
        called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
        with pytest.raises(Stale) as stale:
            visit_act(kind="ticket", visit_id=called.id, desk=desk(number=2), action="start", now=local(day, 8, 32))
        assert (stale.value.label, stale.value.status, stale.value.desk_id) == ("A-001", "called", desk().pk)
        assert stale.value.code == "not_allowed"  # the API's answer is unchanged

    def test_an_appointment_called_elsewhere_is_named_as_the_console_lists_it_not_by_its_key(self, office_network):
        day = next_monday()
        visit = checked_in(day, 9)
        booking = Booking.objects.get(pk=visit.id)
        call_next(desk=desk(), now=local(day, 9), state=network_state())
        with translation.override("en"), pytest.raises(Stale) as stale:
            visit_act(kind="booking", visit_id=booking.pk, desk=desk(number=2), action="start", now=local(day, 9, 1))
        assert stale.value.label == f"Appointment 09:00 (…{booking.reservation_key[-3:]})"
        assert booking.reservation_key not in stale.value.label


def _fingerprint(day):
    return board_fingerprint(point_id="malmi", day=day)


def test_the_board_sees_a_transfer_and_an_undo(office_network):
    day = next_monday()
    issue(local(day, 8, 30))
    called = call_next(desk=desk(), now=local(day, 8, 31), state=network_state())
    before = _fingerprint(day)
    visit_transfer(kind="ticket", visit_id=called.id, desk=desk(), state=network_state(), now=local(day, 8, 31),
                   to_desk_id=desk(number=2).pk)
    assert _fingerprint(day) != before


# The pages -------------------------------------------------------------------------------------

@pytest.fixture
def clerk(walkin_network):
    user = User.objects.create_user("clerk", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=CLERK))
    StaffAssignment.objects.create(user=user, service_point_id="malmi")
    return user


def _today_booking(now, email="a@example.org", later=0):
    """A checked-in appointment starting now (or `later` minutes after), booked by a customer with a name."""
    from vuoro.booking.services import Customer, booking_create

    start = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=(15 - now.minute % 15) % 15 + later)
    booking = booking_create(state=network_state(), service_code="citizenship", point_id="malmi", start_at=start,
                             persons=3, language="sv", customer=Customer(name="Maja Virtanen", email=email),
                             now=now - dt.timedelta(days=1)).booking
    Booking.objects.filter(pk=booking.pk).update(status="checked_in", checked_in_at=now)
    return booking


def waiting_heading(html: str) -> int:
    return int(re.search(r'<span class="waiting-count">(\d+)</span>', html).group(1))


@pytest.mark.usefixtures("ten_oclock")  # the pages read the clock: appointments later today must fit before midnight
class TestPages:
    def test_the_waiting_count_equals_the_rows_on_the_page_and_in_the_polled_list(self, client, clerk):
        now = timezone.now()
        _today_booking(now)
        for _ in range(4):
            issue(now)
        client.force_login(clerk)
        for url in (f"/console/desk/{desk().pk}/", f"/console/desk/{desk().pk}/queue/"):
            html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
            assert waiting_heading(html) == html.count('class="waiting-row"') == 5

    def test_the_called_card_shows_the_customer(self, client, clerk):
        now = timezone.now()
        booking = _today_booking(now)
        Booking.objects.filter(pk=booking.pk).update(start_at=now - dt.timedelta(minutes=1))  # due now
        client.force_login(clerk)
        client.post(f"/console/desk/{desk().pk}/call-next/")
        html = client.get(f"/console/desk/{desk().pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        card = html[html.index('class="card visit"'):html.index("</article>")]
        for fact in ("Maja Virtanen", "<dd>3</dd>", "Swedish", "citizenship en", booking.reservation_key):
            assert fact in card, fact

    @pytest.mark.parametrize(("language", "word"), [("fi", "Ajanvaraus"), ("sv", "Bokad tid"),
                                                    ("en", "Appointment")])
    def test_an_appointment_reads_as_on_the_board_while_the_api_keeps_its_number(self, client, clerk, language,
                                                                                 word):
        now = timezone.now()
        called = _today_booking(now)
        Booking.objects.filter(pk=called.pk).update(start_at=now - dt.timedelta(minutes=1))  # due now
        called.refresh_from_db()
        waiting = _today_booking(now, email="b@example.org", later=15)
        client.force_login(clerk)
        message = client.post(f"/console/desk/{desk().pk}/call-next/", HTTP_ACCEPT_LANGUAGE=language,
                              follow=True).content.decode()
        html = client.get(f"/console/desk/{desk().pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        polled = client.get(f"/console/desk/{desk().pk}/queue/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

        def shown(booking):
            start = booking.start_at.astimezone(booking.service_point_zone)
            return f"{word} {start:%H:%M} (…{booking.reservation_key[-3:]})"

        card = html[html.index('class="card visit"'):html.index("</article>")]
        assert re.search(r"<h3 [^>]*>(.*?) <span", card).group(1) == shown(called)
        assert f"<dd>{called.reservation_key}</dd>" in card  # the whole key too, to check against a letter
        assert shown(called) in message.split('class="messages"')[1].split("</div>")[0]
        for page in (html, polled):
            rows = re.findall(r'<tr class="waiting-row"><td>(.*?)</td>', page)
            assert rows == [shown(waiting)]
        for booking in (called, waiting):
            assert f"·{booking.reservation_key[-3:]}" not in html + message + polled
        # The API's now_serving goes on saying "15:30 ·0MQ", as before.
        serving = client.get("/api/v1/service-points/malmi/queue").json()["now_serving"]
        local_start = called.start_at.astimezone(called.service_point_zone)
        assert [item["number"] for item in serving] == [f"{local_start:%H:%M} ·{called.reservation_key[-3:]}"]

    def test_a_queue_number_card_says_the_name_is_not_asked(self, client, clerk):
        issue(timezone.now())
        client.force_login(clerk)
        client.post(f"/console/desk/{desk().pk}/call-next/")
        html = client.get(f"/console/desk/{desk().pk}/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
        assert "A-001" in html and "ei kysytä (jonotusnumero)" in html and "suomi" in html

    def test_did_not_come_asks_first_then_marks_and_offers_undo(self, client, clerk):
        issue(timezone.now())
        client.force_login(clerk)
        client.post(f"/console/desk/{desk().pk}/call-next/")
        ticket = Ticket.objects.get()
        form = {"kind": "ticket", "id": ticket.pk, "action": "no_show"}
        asked = client.post(f"/console/desk/{desk().pk}/act/", form, HTTP_ACCEPT_LANGUAGE="sv")
        assert asked.status_code == 200 and "Kom A-001 inte?" in asked.content.decode()
        ticket.refresh_from_db()
        assert ticket.status == "called"
        done = client.post(f"/console/desk/{desk().pk}/act/", {**form, "confirmed": "yes"})
        assert done.status_code == 302
        page = client.get(f"/console/desk/{desk().pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Undo: the customer came after all" in page
        client.post(f"/console/desk/{desk().pk}/undo/", {"kind": "ticket", "id": ticket.pk})
        ticket.refresh_from_db()
        assert ticket.status == "called"

    def test_a_stale_act_is_a_clear_message_never_an_error(self, client, clerk):
        issue(timezone.now())
        call_next(desk=desk(number=2), now=timezone.now(), state=network_state())
        ticket = Ticket.objects.get()
        client.force_login(clerk)
        for path, data in (("act/", {"action": "start"}), ("act/", {"action": "no_show"}),
                           ("act/", {"action": "no_show", "confirmed": "yes"}),
                           ("transfer/", {"to_desk": desk(number=2).pk}), ("undo/", {}),
                           ("act/", {"action": "no_such"}), ("transfer/", {"to_desk": "x"})):
            response = client.post(f"/console/desk/{desk().pk}/{path}", {"kind": "ticket", "id": ticket.pk, **data},
                                   HTTP_ACCEPT_LANGUAGE="en", follow=True)
            assert response.status_code == 200, path
        html = client.post(f"/console/desk/{desk().pk}/act/", {"kind": "ticket", "id": ticket.pk, "action": "start"},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
        assert "A-001 was already called to desk" in html

    def test_a_paused_desk_offers_resume_instead_of_call_next(self, client, clerk):
        client.force_login(clerk)
        client.post(f"/console/desk/{desk().pk}/pause/", {"paused": "yes"})
        html = client.get(f"/console/desk/{desk().pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Resume the desk" in html and "Call next" not in html.split("shortcuts-heading")[0]
        called = client.post(f"/console/desk/{desk().pk}/call-next/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
        assert "This desk is paused" in called.content.decode()
        client.post(f"/console/desk/{desk().pk}/pause/", {"paused": "no"})
        assert "Call next" in client.get(f"/console/desk/{desk().pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    def test_the_background_poll_keeps_no_idle_session_alive(self, client, clerk):
        key = "staffauth.seen_at"
        client.force_login(clerk)
        client.get("/console/")
        session = client.session
        session[key] = (dt.datetime.fromisoformat(session[key]) - dt.timedelta(minutes=10)).isoformat()
        session.save()
        stamp = client.session[key]
        assert client.get(f"/console/desk/{desk().pk}/queue/", HTTP_X_VUORO_POLL="1").status_code == 200
        assert client.session[key] == stamp
        client.get(f"/console/desk/{desk().pk}/queue/")
        assert client.session[key] != stamp


# Concurrency: truly parallel threads on the real database (PostgreSQL's row locks; SQLite's one writer).

@pytest.mark.django_db(transaction=True)
def test_parallel_acts_on_one_customer_let_exactly_one_through(office_network):
    now = timezone.now()
    state = network_state()
    day = now.astimezone(state.points["malmi"].zone).date()
    Ticket.objects.create(service_point_id="malmi", local_date=day, number=1, issued_at=now)
    called = call_next(desk=desk(), now=now, state=state)
    acts = [lambda: visit_transfer(kind="ticket", visit_id=called.id, desk=desk(), state=state, now=now,
                                   to_desk_id=desk(number=2).pk),
            lambda: visit_act(kind="ticket", visit_id=called.id, desk=desk(), action="no_show", now=now),
            lambda: visit_act(kind="ticket", visit_id=called.id, desk=desk(), action="finish", now=now,
                              outcome="identity_verified")]
    results = in_parallel(12, lambda n: acts[n % 3]() or "ok")
    assert [r for r in results if not isinstance(r, WalkInError | str)] == [], results
    assert results.count("ok") == 1, results


@pytest.mark.django_db(transaction=True)
def test_parallel_calls_with_transfers_and_pauses_never_share_a_customer(office_network):
    now = timezone.now()
    state = network_state()
    day = now.astimezone(state.points["malmi"].zone).date()
    for n in range(12):
        Ticket.objects.create(service_point_id="malmi", local_date=day, number=n + 1, issued_at=now,
                              desk=desk(number=2) if n % 4 == 0 else None)  # 3 transferred to desk 2
    desk_pause(desk=desk(kind="appointment", number=2), now=now)
    desks = [desk(), desk(number=2), desk(kind="appointment", number=1), desk(kind="appointment", number=2)]
    results = in_parallel(24, lambda n: call_next(desk=desks[n % 4], now=now, state=state))
    assert [r for r in results if isinstance(r, Exception) and not isinstance(r, DeskPaused)] == [], results
    called = [r.id for r in results if r is not None and not isinstance(r, Exception)]
    assert len(called) == len(set(called)) == 12
    for ticket in Ticket.objects.all():
        if ticket.number % 4 == 1:
            assert ticket.desk_id == desk(number=2).pk  # only their desk called them
        assert ticket.desk_id != desk(kind="appointment", number=2).pk  # the paused desk called nobody


class TestPausedElsewhere:
    def test_the_desk_list_marks_a_paused_desk(self, client, clerk):
        desk_pause(desk=desk(number=2), now=timezone.now())
        client.force_login(clerk)
        html = client.get("/console/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
        assert html.count('<span class="badge">pausad</span>') == 1

    def test_the_staff_api_answers_409_for_a_paused_desk(self, client, clerk):
        desk_pause(desk=desk(), now=timezone.now())
        client.force_login(clerk)
        response = client.post(f"/api/v1/staff/desks/{desk().pk}/call-next")
        assert response.status_code == 409 and response.json()["error"] == "desk_paused"
