"""The insight page reads the daily sums (LeadTimeDay), not the hourly samples: its weeks and its point
table must be exactly what the hourly samples give, worked out here from the samples one by one,
over both clock changes (Helsinki: forward on Sunday 28 March 2027, back on Sunday 31 October 2027,
when the local hour 03:00-04:00 comes twice)."""
import datetime as dt
from collections import defaultdict

import pytest

from tests.insights.conftest import HELSINKI
from vuoro.insights.history import point_table, weekly_history, weeks_range
from vuoro.insights.models import NETWORK, LeadTimeDay, LeadTimeSample
from vuoro.insights.recording import lead_time_days_refresh

pytestmark = pytest.mark.django_db

SERVICES = ["permit", "renewal"]
WHERE = [NETWORK, "a", "b"]


def _days(n: int, where: str, service: str) -> int | None:
    """A hand-made figure for the n-th hour: every 7th hour of a point has nothing free."""
    if where != NETWORK and (n + len(where) + len(service)) % 7 == 0:
        return None
    return (n * 5 + len(where) * 3 + len(service)) % 41


def _fill(first_local: dt.datetime, hours: int) -> None:
    """Every UTC hour from `first_local` on, each service at each point and the network (point b
    skips every 5th hour: a gap in its record)."""
    start = first_local.astimezone(dt.UTC)
    rows = []
    for n in range(hours):
        hour_at = start + dt.timedelta(hours=n)
        for service in SERVICES:
            for where in WHERE:
                if where == "b" and n % 5 == 0:
                    continue
                days = _days(n, where, service)
                rows.append(LeadTimeSample(
                    hour_at=hour_at, service=service, service_point=where, recorded_at=hour_at,
                    days_to_first_free=days, first_free_at=None if days is None else hour_at + dt.timedelta(days=days),
                    starts_30_days=(n * 7 + len(where)) % 23))
    LeadTimeSample.objects.bulk_create(rows)


def _by_hand(service: str, where: str, first: dt.date, last: dt.date) -> dict[dt.date, tuple]:
    """From the hourly samples: each week (its local Monday) of local dates first ... last →
    (mean days over hours with a free time, mean starts, hours, hours without)."""
    weeks: dict[dt.date, list] = defaultdict(list)
    for sample in LeadTimeSample.objects.filter(service=service, service_point=where):
        day = sample.hour_at.astimezone(HELSINKI).date()
        if first <= day <= last:
            weeks[day - dt.timedelta(days=day.weekday())].append(sample)
    found = {}
    for week, samples in weeks.items():
        days = [s.days_to_first_free for s in samples if s.days_to_first_free is not None]
        found[week] = (sum(days) / len(days) if days else None, sum(s.starts_30_days for s in samples) / len(samples),
                       len(samples), len(samples) - len(days))
    return found


def _mean_by_hand(service: str, where: str, first: dt.date, last: dt.date) -> float | None:
    days = [s.days_to_first_free for s in LeadTimeSample.objects.filter(service=service, service_point=where)
            if first <= s.hour_at.astimezone(HELSINKI).date() <= last and s.days_to_first_free is not None]
    return sum(days) / len(days) if days else None


@pytest.mark.parametrize("first_local, hours, today", [
    # Thursday 18 March ... Tuesday 6 April: the spring week (167 hours) and a week either side.
    (dt.datetime(2027, 3, 18, 5, tzinfo=HELSINKI), 19 * 24 + 3, dt.date(2027, 4, 6)),
    # Wednesday 27 October ... Monday 8 November: the autumn week (169 hours), partly recorded.
    (dt.datetime(2027, 10, 27, 22, tzinfo=HELSINKI), 12 * 24 + 7, dt.date(2027, 11, 8)),
])
def test_the_daily_sums_give_what_the_hourly_samples_give(small_network, first_local, hours, today):
    _fill(first_local, hours)
    lead_time_days_refresh(zone=HELSINKI)
    assert LeadTimeDay.objects.exists()
    for weeks in (1, 2, 3):
        span = weeks_range(today=today, weeks=weeks, zone=HELSINKI)
        for where in WHERE:
            rows = weekly_history(services=SERVICES, point=where, span=span)
            assert [row.week_start for row in rows] == span.weeks()
            for column, service in enumerate(SERVICES):
                expected = _by_hand(service, where, span.first_date, span.last_date)
                got = {row.week_start: (row.figures[column].days, row.figures[column].starts_30_days,
                                        row.figures[column].hours, row.figures[column].hours_without)
                       for row in rows if row.figures[column] is not None}
                assert got.keys() == expected.keys()
                for week, (days, starts, hours_, without) in expected.items():
                    assert got[week][2:] == (hours_, without), (service, where, week)
                    assert got[week][0] == pytest.approx(days) and got[week][1] == pytest.approx(starts)
        for service in SERVICES:
            latest, rows = point_table(service=service, span=span)
            in_span = [s for s in LeadTimeSample.objects.filter(service=service, service_point=NETWORK)
                       if span.first_date <= s.hour_at.astimezone(HELSINKI).date() <= span.last_date]
            assert latest == max(s.hour_at for s in in_span)
            assert [row.service_point for row in rows] == ["a", "b"]
            week_ago = max(span.last_date - dt.timedelta(days=6), span.first_date)  # the range's last 7 days
            for row in rows:
                now = LeadTimeSample.objects.filter(service=service, service_point=row.service_point,
                                                    hour_at=latest).first()
                assert row.recorded_now == (now is not None)
                assert row.days_now == (now.days_to_first_free if now else None)
                assert row.days_mean == pytest.approx(_mean_by_hand(service, row.service_point, span.first_date,
                                                                    span.last_date))
                assert row.days_last_week == pytest.approx(_mean_by_hand(service, row.service_point, week_ago,
                                                                         span.last_date))


def test_the_clock_change_weeks_hold_167_and_169_hours(small_network):
    """The weeks of the clock changes, counted by the daily sums: an hour fewer in spring, one more in autumn."""
    _fill(dt.datetime(2027, 3, 22, 0, tzinfo=HELSINKI), 167)
    _fill(dt.datetime(2027, 10, 25, 0, tzinfo=HELSINKI), 169)
    lead_time_days_refresh(zone=HELSINKI)
    for monday in (dt.date(2027, 3, 22), dt.date(2027, 10, 25)):
        (row,) = weekly_history(services=["permit"], span=weeks_range(today=monday + dt.timedelta(days=6), weeks=1,
                                                                      zone=HELSINKI))
        assert row.figures[0].hours == (167 if monday.month == 3 else 169)
        assert LeadTimeDay.objects.get(day=monday + dt.timedelta(days=6), service="permit",
                                       service_point=NETWORK).hours == (23 if monday.month == 3 else 25)
