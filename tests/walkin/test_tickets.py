"""Queue numbers: the daily quota, opening hours, positions and the wait, over the API and the services."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.walkin.conftest import local
from vuoro.network.state import network_state
from vuoro.walkin.models import Ticket
from vuoro.walkin.services import Closed, NoTicketsLeft, ticket_issue

pytestmark = pytest.mark.django_db


def take(client, point="malmi", **body):
    return client.post(f"/api/v1/service-points/{point}/tickets", {"language": "fi", **body},
                       content_type="application/json")


class TestTicketsApi:
    def test_numbers_run_from_a_001_with_positions(self, client, walkin_network):
        first, second = take(client, service="citizenship").json(), take(client).json()
        assert first == {"number": "A-001", "position": 1, "estimated_wait_minutes": 0}
        assert second["number"] == "A-002" and second["position"] == 2

    def test_the_daily_quota_ends_with_no_tickets_left(self, client, walkin_network):
        assert [take(client).status_code for _ in range(5)] == [201] * 5
        answer = take(client)
        assert answer.status_code == 409 and answer.json()["error"] == "no_tickets_left"
        assert Ticket.objects.count() == 5

    def test_a_point_without_queue_numbers_is_closed_for_them(self, client, walkin_network):
        answer = take(client, point="oulu")
        assert answer.status_code == 409 and answer.json()["error"] == "closed"

    def test_unknown_point_404_and_bad_body_422(self, client, walkin_network):
        assert take(client, point="nowhere").status_code == 404
        assert take(client, language="de").status_code == 422
        assert take(client, service="nope").status_code == 422

    def test_the_queue_shows_waiting_and_tickets_left(self, client, walkin_network):
        take(client)
        take(client)
        answer = client.get("/api/v1/service-points/malmi/queue").json()
        # A newcomer has 2 ahead and 2 free desks: one departure, of the configured mean (30+15)/2 over 2 desks.
        assert answer == {"waiting": 2, "tickets_left": 3, "estimated_wait_minutes": 12, "now_serving": []}


class TestTicketIssue:
    def test_is_refused_outside_the_opening_hours(self, office_network):
        monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
        with pytest.raises(Closed):
            ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi",
                         now=local(monday, 7, 59))
        with pytest.raises(Closed):
            ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi",
                         now=local(monday, 16, 0))
        made = ticket_issue(state=network_state(), point_id="malmi", service_code=None, language="fi",
                            now=local(monday, 8, 0))
        assert made.ticket.label == "A-001" and made.ticket.local_date == monday

    def test_numbers_start_again_each_day(self, office_network):
        monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
        state = network_state()
        for day in (monday, monday + dt.timedelta(days=1)):
            made = ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=local(day, 9))
            assert made.ticket.label == "A-001"

    def test_the_quota_holds(self, walkin_network):
        state = network_state()
        now = timezone.now()
        for _ in range(5):
            ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=now)
        with pytest.raises(NoTicketsLeft):
            ticket_issue(state=state, point_id="malmi", service_code=None, language="fi", now=now)


def test_the_queue_shows_who_is_being_served_at_which_desk(client, walkin_network):
    from vuoro.network.models import Desk
    from vuoro.walkin.services import call_next

    take(client)
    take(client)
    desk = Desk.objects.get(service_point_id="malmi", kind="walk_in", number=2)
    call_next(desk=desk, now=timezone.now(), state=network_state())
    answer = client.get("/api/v1/service-points/malmi/queue").json()
    # One appointment desk, then walk-in desks 1 and 2: walk-in desk 2 is desk 3 for the customers.
    assert answer["now_serving"] == [{"number": "A-001", "desk": "3"}]
    assert answer["waiting"] == 1 and answer["tickets_left"] == 3
