"""vuoro.scheduling.leadtime: whole local days, windows of dates, the network's earliest."""
import datetime as dt
from zoneinfo import ZoneInfo

from vuoro.scheduling.leadtime import days_until, earliest_days, window_counts

HELSINKI = ZoneInfo("Europe/Helsinki")


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HELSINKI)


class TestDaysUntil:
    def test_counts_today_as_zero_and_tomorrow_morning_as_one(self):
        now = _at(2027, 3, 3, 23, 30)
        assert days_until(_at(2027, 3, 3, 23, 45), now=now, zone=HELSINKI) == 0
        assert days_until(_at(2027, 3, 4, 8, 0), now=now, zone=HELSINKI) == 1

    def test_counts_local_dates_across_a_daylight_saving_change(self):
        # Saturday 23:30 (+02:00) to Monday 00:30 (+03:00): 24 hours of clock, two dates on.
        now = _at(2027, 3, 27, 23, 30)
        first = _at(2027, 3, 29, 0, 30)
        assert first.astimezone(dt.UTC) - now.astimezone(dt.UTC) == dt.timedelta(hours=24)
        assert days_until(first, now=now, zone=HELSINKI) == 2
        # ...and back in October: Saturday 00:00 to Sunday 23:59 is one date on, 25 hours of day between.
        assert days_until(_at(2027, 10, 31, 23, 59), now=_at(2027, 10, 30, 0, 0), zone=HELSINKI) == 1

    def test_takes_the_dates_in_the_zone_given_not_in_utc(self):
        now = dt.datetime(2027, 3, 3, 22, 30, tzinfo=dt.UTC)  # 00:30 on the 4th in Helsinki
        assert days_until(dt.datetime(2027, 3, 4, 7, 0, tzinfo=dt.UTC), now=now, zone=HELSINKI) == 0
        assert days_until(dt.datetime(2027, 3, 4, 7, 0, tzinfo=dt.UTC), now=now, zone=dt.UTC) == 1


class TestWindowCounts:
    def test_window_n_holds_today_and_the_next_n_minus_one_dates(self):
        today = dt.date(2027, 3, 1)
        dates = [today, today + dt.timedelta(days=6), today + dt.timedelta(days=7), today + dt.timedelta(days=29),
                 today + dt.timedelta(days=30), today + dt.timedelta(days=89), today + dt.timedelta(days=90),
                 today - dt.timedelta(days=1)]
        assert window_counts(dates, today=today) == {7: 2, 30: 4, 90: 6}


def test_the_network_takes_the_earliest_point_and_none_when_none_has_one():
    assert earliest_days([None, 4, 2, None]) == 2
    assert earliest_days([None, None]) is None
    assert earliest_days([]) is None
