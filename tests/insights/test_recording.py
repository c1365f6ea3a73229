"""The worker's hourly record (vuoro.insights.recording) against the hand-worked network of conftest.py."""
import datetime as dt

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from tests.insights.conftest import HELSINKI, NOW
from vuoro.insights import recording
from vuoro.insights.models import NETWORK, LeadTimeDay, LeadTimeRun, LeadTimeSample
from vuoro.network.state import network_state
from vuoro.notify.periodic import periodic_ensure

pytestmark = pytest.mark.django_db

HOUR = dt.datetime(2027, 3, 25, 10, 0, tzinfo=dt.UTC)  # NOW's hour (12:00 +02:00)


def _figures():
    return {s.service_point: (s.first_free_at.astimezone(HELSINKI) if s.first_free_at else None, s.days_to_first_free,
                              s.starts_7_days, s.starts_30_days, s.starts_90_days)
            for s in LeadTimeSample.objects.filter(hour_at=HOUR, service="permit")}


class TestLeadTimesRecord:
    def test_each_point_and_the_network_as_worked_out_by_hand(self, b_full):
        assert recording.lead_times_record(state=network_state(), now=NOW) == 3
        first = dt.datetime(2027, 3, 30, 9, 0, tzinfo=HELSINKI)
        assert _figures() == {"a": (first, 5, 4, 8, 8), "b": (None, None, 0, 0, 0), NETWORK: (first, 5, 4, 8, 8)}
        run = LeadTimeRun.objects.get()
        assert (run.hour_at, run.samples, run.error) == (HOUR, 3, "") and run.finished_at == NOW
        day = LeadTimeDay.objects.get(day=dt.date(2027, 3, 25), service="permit", service_point=NETWORK)
        assert (day.hours, day.hours_without, day.days_sum, day.starts_30_days_sum) == (1, 0, 5, 8)
        assert LeadTimeDay.objects.get(service_point="b").hours_without == 1

    def test_the_network_sums_the_starts_and_takes_the_earliest_point(self, small_network):
        recording.lead_times_record(state=network_state(), now=NOW)
        figures = _figures()
        assert figures["a"][1:] == figures["b"][1:] == (5, 4, 8, 8)
        assert figures[NETWORK][1:] == (5, 8, 16, 16)

    def test_a_second_run_or_a_second_worker_in_the_same_hour_records_nothing_more(self, small_network):
        state = network_state()
        assert recording.lead_times_record(state=state, now=NOW) == 3
        assert recording.lead_times_record(state=state, now=NOW + dt.timedelta(minutes=20)) == 0
        LeadTimeRun.objects.update(finished_at=None)  # as if the other worker were still running it
        assert recording.lead_times_record(state=state, now=NOW + dt.timedelta(minutes=30)) == 0
        assert LeadTimeSample.objects.count() == 3 and LeadTimeRun.objects.count() == 1

    def test_the_next_hour_is_recorded_apart(self, small_network):
        state = network_state()
        recording.lead_times_record(state=state, now=NOW)
        recording.lead_times_record(state=state, now=NOW + dt.timedelta(hours=1))
        assert LeadTimeSample.objects.values("hour_at").distinct().count() == 2

    def test_a_failure_is_logged_kept_for_staff_and_raised_and_the_next_run_records_the_hour(
            self, small_network, monkeypatch, caplog):
        real = recording.lead_time_samples

        def broken(**kwargs):
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(recording, "lead_time_samples", broken)
        with pytest.raises(RuntimeError):
            recording.lead_times_record(state=network_state(), now=NOW)
        run = LeadTimeRun.objects.get()
        assert run.error == "RuntimeError: the disk is full" and run.finished_at is None
        assert "recording the lead times" in caplog.text
        monkeypatch.setattr(recording, "lead_time_samples", real)
        assert recording.lead_times_record(state=network_state(), now=NOW + dt.timedelta(minutes=5)) == 3
        assert LeadTimeRun.objects.get().error == ""

    def test_a_run_killed_half_way_is_finished_by_the_next_without_writing_twice(self, small_network):
        state = network_state()
        LeadTimeRun.objects.create(hour_at=HOUR, started_at=NOW)  # killed before it finished...
        LeadTimeSample.objects.bulk_create(recording.lead_time_samples(state=state, service_code="permit",
                                                                       now=NOW)[:1])  # ...after one sample
        assert recording.lead_times_record(state=state, now=NOW + dt.timedelta(minutes=10)) == 2
        assert LeadTimeSample.objects.count() == 3 and LeadTimeRun.objects.get().samples == 3


class TestTheWorkerRunsIt:
    def test_it_is_periodic_every_hour(self):
        assert settings.PERIODIC_TASKS["vuoro.insights.tasks.lead_times_record_task"] == 3600

    def test_the_worker_queues_it_and_an_hour_after_the_last_run(self, settings):
        path = "vuoro.insights.tasks.lead_times_record_task"
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        assert periodic_ensure(now=NOW, tasks={path: 3600}) == [path]
        assert periodic_ensure(now=NOW, tasks={path: 3600}) == []  # queued already
        DBTaskResult.objects.filter(task_path=path).update(status="FAILED")  # a failed (or killed) run
        assert periodic_ensure(now=NOW, tasks={path: 3600}) == [path]
        runs = sorted(DBTaskResult.objects.filter(task_path=path).values_list("run_after", flat=True))
        assert runs[-1] - runs[0] == dt.timedelta(hours=1)

    def test_the_task_records_the_current_hour(self, small_network, monkeypatch):
        from django.utils import timezone

        from vuoro.insights.tasks import lead_times_record_task

        monkeypatch.setattr(timezone, "now", lambda: NOW)
        assert lead_times_record_task.call() == 3
