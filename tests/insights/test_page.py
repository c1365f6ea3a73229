"""The insight page and its CSV: the weeks' figures worked out by hand, the goal, the filters, who may read it."""
import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.insights.conftest import HELSINKI
from vuoro.insights.history import point_table, weekly_history, weeks_range
from vuoro.insights.models import NETWORK, LeadTimeSample
from vuoro.insights.recording import lead_time_days_refresh
from vuoro.network import roles
from vuoro.network.models import NetworkSettings

pytestmark = pytest.mark.django_db

# The week of the clocks going forward: Monday 22 to Sunday 28 March 2027 (Helsinki).
DST_MONDAY = dt.date(2027, 3, 22)


def _sample(local: dt.datetime, days: int | None, *, point: str = NETWORK, service: str = "permit", starts: int = 0):
    LeadTimeSample.objects.create(hour_at=local.astimezone(dt.UTC), service=service, service_point=point,
                                  days_to_first_free=days, starts_30_days=starts, recorded_at=local,
                                  first_free_at=None if days is None else local + dt.timedelta(days=days))
    lead_time_days_refresh(zone=HELSINKI)  # as a recording does after writing its hour


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HELSINKI)


@pytest.fixture
def analyst(small_network):
    roles.ensure_staff_groups()
    user = User.objects.create_user("analyst", password="unused-password", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.ANALYST))
    return user


class TestWeeklyHistory:
    def test_a_week_is_the_mean_of_its_hours_in_local_weeks_across_the_clock_change(self, small_network):
        _sample(_at(DST_MONDAY, 0, 30), 10)  # Monday 00:30 +02:00 = Sunday 22:30 UTC: this week
        _sample(_at(dt.date(2027, 3, 28), 12), 20)  # Sunday noon, after the change
        _sample(_at(dt.date(2027, 3, 28), 23, 30), None)  # Sunday 23:30 +03:00 = 20:30 UTC: nothing free
        _sample(_at(dt.date(2027, 3, 29), 0, 30), 40)  # Monday 00:30 +03:00 = Sunday 21:30 UTC: next week
        _sample(_at(dt.date(2027, 3, 21), 23, 30), 99)  # the Sunday before: the week before
        _sample(_at(DST_MONDAY, 12), 1, point="a")  # a point's sample is not the network's
        span = weeks_range(today=dt.date(2027, 3, 31), weeks=2, zone=HELSINKI)
        assert span.first_date == DST_MONDAY and span.weeks() == [DST_MONDAY, dt.date(2027, 3, 29)]
        first, second = weekly_history(services=["permit"], span=span)
        assert first.week_start == DST_MONDAY
        figure = first.figures[0]
        assert (figure.days, figure.hours, figure.hours_without) == (15, 3, 1)
        assert second.figures[0].days == 40
        point = weekly_history(services=["permit"], point="a", span=span)
        assert point[0].figures[0].days == 1 and point[1].figures == [None]

    def test_each_point_now_its_last_week_and_the_range(self, small_network):
        today = dt.date(2027, 3, 31)
        _sample(_at(dt.date(2027, 3, 16), 9), 30, point="a")
        _sample(_at(dt.date(2027, 3, 30), 9), 10, point="a")
        _sample(_at(dt.date(2027, 3, 31), 9), 6, point="a", starts=12)
        _sample(_at(dt.date(2027, 3, 31), 9), None, point="b")
        _sample(_at(dt.date(2027, 3, 31), 9), 6)
        latest, rows = point_table(service="permit", span=weeks_range(today=today, weeks=3, zone=HELSINKI))
        assert latest == _at(today, 9)
        a, b = rows
        assert (a.service_point, a.days_now, a.starts_30_days_now, a.days_last_week, a.days_mean) == \
            ("a", 6, 12, 8, pytest.approx(46 / 3))
        assert (b.service_point, b.days_now, b.recorded_now, b.days_mean) == ("b", None, True, None)


class TestInsightPage:
    def test_the_analyst_reads_the_goal_against_the_weeks(self, client, analyst, monkeypatch):
        monkeypatch.setattr(timezone, "now", lambda: _at(dt.date(2027, 3, 31), 12))
        NetworkSettings.objects.update(wait_goal_days=21)
        _sample(_at(DST_MONDAY, 12), 35)
        _sample(_at(dt.date(2027, 3, 30), 12), 18, point="a", starts=7)
        client.force_login(analyst)
        page = client.get("/staff/insight/?weeks=2", HTTP_ACCEPT_LANGUAGE="en")
        text = page.content.decode()
        assert page.status_code == 200
        assert "a free time at most 21 days away" in text
        assert 'data-goal="21"' in text and 'data-value="35.0"' in text
        assert "35.0" in text and "over the goal" in text
        assert "<th scope=\"row\">a en</th>" in text  # the point table (the service's own name is shown)

    def test_filters_by_service_point_and_weeks_and_ignores_unknown_ones(self, client, analyst):
        client.force_login(analyst)
        assert client.get("/staff/insight/?service=permit&point=a&weeks=4").status_code == 200
        assert client.get("/staff/insight/?service=nope&point=nope&weeks=abc").status_code == 200
        assert client.get("/staff/insight/?weeks=99999").status_code == 200

    def test_a_failed_recording_is_shown(self, client, analyst):
        from vuoro.insights.models import LeadTimeRun

        now = timezone.now()
        LeadTimeRun.objects.create(hour_at=now.replace(minute=0, second=0, microsecond=0), started_at=now,
                                   error="RuntimeError: the disk is full")
        client.force_login(analyst)
        text = client.get("/staff/insight/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "failed: RuntimeError: the disk is full" in text

    def test_the_csv_holds_the_hourly_history_of_the_filter(self, client, analyst, monkeypatch):
        monkeypatch.setattr(timezone, "now", lambda: _at(dt.date(2027, 3, 31), 12))
        _sample(_at(dt.date(2027, 3, 28), 23, 30), None)
        _sample(_at(dt.date(2027, 3, 30), 12), 18, point="a", starts=7)
        client.force_login(analyst)
        answer = client.get("/staff/insight/lead-times.csv?weeks=2")
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
        assert rows == [
            ["hour", "service", "service_point", "first_free", "days_to_first_free", "starts_7_days",
             "starts_30_days", "starts_90_days"],
            ["2027-03-28T23:30:00+03:00", "permit", "network", "", "", "0", "0", "0"],
            ["2027-03-30T12:00:00+03:00", "permit", "a", "2027-04-17T12:00:00+03:00", "18", "0", "7", "0"],
        ]
        only_a = client.get("/staff/insight/lead-times.csv?weeks=2&point=a")
        assert len(list(csv.reader(io.StringIO(b"".join(only_a.streaming_content).decode())))) == 2

    def test_shows_no_personal_data(self, client, analyst, b_full):
        from vuoro.insights.recording import lead_times_record
        from vuoro.network.state import network_state

        lead_times_record(state=network_state(), now=timezone.now())
        client.force_login(analyst)
        for url in ("/staff/insight/", "/staff/insight/lead-times.csv"):
            answer = client.get(url)
            body = b"".join(answer.streaming_content) if answer.streaming else answer.content
            assert b"@example.org" not in body and b"Test Person" not in body


class TestWhoReadsIt:
    def test_a_clerk_is_refused_and_a_manager_reads_it(self, client, small_network):
        roles.ensure_staff_groups()
        clerk = User.objects.create_user("clerk", password="unused-password", is_staff=True)
        clerk.groups.add(Group.objects.get(name=roles.CLERK))
        client.force_login(clerk)
        assert client.get("/staff/insight/").status_code == 403
        assert client.get("/staff/insight/lead-times.csv").status_code == 403
        manager = User.objects.create_user("manager", password="unused-password", is_staff=True)
        manager.groups.add(Group.objects.get(name=roles.MANAGER))
        client.force_login(manager)
        assert client.get("/staff/insight/").status_code == 200

    def test_the_analyst_is_refused_everywhere_else_with_a_way_back(self, client, analyst):
        client.force_login(analyst)
        for url in ("/console/", "/console/bookings/", "/staff/planning/", "/staff/guidance/", "/admin/",
                    "/admin/booking/booking/", "/admin/network/servicepoint/"):
            answer = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            assert answer.status_code == 403, url
            assert 'href="/staff/insight/"' in answer.content.decode(), url
        answer = client.post("/api/v1/staff/desks/1/call-next")
        assert answer.status_code == 403 and answer.json()["error"] == "forbidden"
        assert client.get("/admin/password_change/").status_code == 200
